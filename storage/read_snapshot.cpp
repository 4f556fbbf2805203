#include "storage/read_snapshot.hpp"

#include <algorithm>
#include <utility>
#include <vector>

#include "storage/account_codec.hpp"
#include "storage/api_key_codec.hpp"
#include "storage/env_gate.hpp"
#include "storage/idempotency_codec.hpp"
#include "storage/keys.hpp"
#include "storage/limits.hpp"
#include "storage/meta_codec.hpp"
#include "storage/operation_codec.hpp"
#include "storage/outbox_codec.hpp"
#include "storage/read_txn_pool.hpp"
#include "storage/task_codec.hpp"

namespace escrowd::storage {

read_snapshot::read_snapshot(read_snapshot&& other) noexcept
    : txn_(std::move(other.txn_)),
      tables_(other.tables_),
      pool_(std::exchange(other.pool_, nullptr)),
      gate_(std::exchange(other.gate_, nullptr)) {}

read_snapshot::~read_snapshot() {
  // Back to the pool before the gate opens: a drain under the exclusive gate sees it.
  if (pool_) pool_->give_back(txn_);
  txn_.abort();
  if (gate_) gate_->leave_shared();
}

result<std::string_view> read_snapshot::read(MDB_dbi dbi, std::string_view key,
                                             std::string_view what) const {
  std::string_view value;
  const int rc = lmdb_get(txn_.get(), dbi, key, value);
  if (rc != MDB_SUCCESS) return lmdb_error(rc, what);
  return value;
}

result<account> read_snapshot::get_account(std::string_view id) const {
  auto stored = read(tables_.accounts, id, "account");
  if (!stored) return stored.failure();
  return decode_account(*stored);
}

result<task> read_snapshot::get_task(std::string_view id) const {
  auto stored = read(tables_.tasks, id, "task");
  if (!stored) return stored.failure();
  return decode_task(*stored);
}

result<processor_operation> read_snapshot::get_operation(processor_kind kind,
                                                         std::string_view id) const {
  auto stored = read(tables_.operations, operation_key(kind, id), "operation");
  if (!stored) return stored.failure();
  return decode_operation(*stored);
}

result<idempotency_record> read_snapshot::get_idempotency(std::string_view scope,
                                                          std::string_view key) const {
  if (scope.size() > idempotency_scope_bytes_max || key.size() > idempotency_key_bytes_max ||
      key.empty())
    return error{error_code::idempotency_key_invalid, "idempotency_key"};
  auto stored = read(tables_.idempotency, idempotency_key(scope, key), "idempotency_key");
  if (!stored) return stored.failure();
  return decode_idempotency(*stored);
}

result<api_key_record> read_snapshot::get_api_key(const api_key_hash& hash) const {
  auto stored =
      read(tables_.api_keys, {reinterpret_cast<const char*>(hash.data()), hash.size()}, "api_key");
  if (!stored) return stored.failure();
  return decode_api_key(*stored);
}

result<api_key_record> read_snapshot::get_api_key_by_id(std::string_view key_id) const {
  auto stored = read(tables_.api_key_ids, key_id, "api_key");
  if (!stored) return stored.failure();
  auto hash = decode_api_key_id(*stored);
  if (!hash) return hash.failure();
  return get_api_key(*hash);
}

result<outbox_row> read_snapshot::get_outbox(std::string_view key) const {
  auto stored = read(tables_.outbox, key, "outbox");
  if (!stored) return stored.failure();
  return decode_outbox(*stored);
}

result<bool> read_snapshot::has_webhook_event(std::string_view event_id) const {
  if (event_id.empty() || event_id.size() > webhook_event_id_bytes_max) return false;
  auto stored = read(tables_.webhook_events, event_id, "webhook_event");
  if (stored) return true;
  if (stored.code() == error_code::not_found) return false;
  return stored.failure();
}

result<sequenced_entry> read_snapshot::get_entry(std::uint64_t sequence) const {
  auto stored = read(tables_.journal, sequence_key(sequence), "entry");
  if (!stored) return stored.failure();
  return decode_entry(*stored, sequence);
}

result<std::uint64_t> read_snapshot::last_sequence() const {
  lmdb_cursor cursor;
  if (int rc = cursor.open(txn_.get(), tables_.journal); rc != MDB_SUCCESS)
    return lmdb_error(rc, "journal");
  std::string_view key, value;
  const int rc = cursor.get(key, value, MDB_LAST);
  if (rc == MDB_NOTFOUND) return std::uint64_t{0};
  if (rc != MDB_SUCCESS) return lmdb_error(rc, "journal");
  if (key.size() != 8) return error{error_code::storage_failed, "journal"};
  return read_big_endian(key);
}

result<entry_page> read_snapshot::list_account_entries(
    std::string_view account_id, std::size_t limit,
    std::optional<std::uint64_t> starting_after) const {
  limit = std::clamp<std::size_t>(limit, 1, list_limit_max);
  entry_page page;
  auto stored = read(tables_.accounts, account_id, "account");
  if (!stored && stored.code() == error_code::not_found) return page;
  if (!stored) return stored.failure();
  auto head = decode_account_row(*stored);
  if (!head) return head.failure();
  // Each step must go to an older entry that has a leg on this account, or the chain is
  // corrupt; that also bounds every walk by the account's entry count.
  std::uint64_t newer = ~std::uint64_t{0};
  auto step = [&](std::uint64_t sequence) -> result<sequenced_entry> {
    if (sequence >= newer) return error{error_code::storage_failed, "journal"};
    auto entry = get_entry(sequence);
    if (!entry)
      return entry.code() == error_code::not_found ? error{error_code::storage_failed, "journal"}
                                                   : entry.failure();
    if (!previous_of(*entry, account_id)) return error{error_code::storage_failed, "journal"};
    newer = sequence;
    return entry;
  };
  std::uint64_t next = head->last_entry_sequence;
  if (starting_after) {
    auto cursor = get_entry(*starting_after);
    if (!cursor && cursor.code() != error_code::not_found) return cursor.failure();
    if (auto link = cursor ? previous_of(*cursor, account_id) : std::nullopt) {
      next = *link;
    } else {
      // Not one of this account's entries (or no entry at all): the newest older one.
      while (next != 0 && next >= *starting_after) {
        auto entry = step(next);
        if (!entry) return entry.failure();
        next = *previous_of(*entry, account_id);
      }
    }
  }
  while (next != 0) {
    if (page.data.size() == limit) {
      page.has_more = true;
      break;
    }
    auto entry = step(next);
    if (!entry) return entry.failure();
    next = *previous_of(*entry, account_id);
    page.data.push_back(std::move(*entry));
  }
  return page;
}

result<outbox_page> read_snapshot::list_outbox(std::string_view after_key,
                                               std::size_t limit) const {
  limit = std::clamp<std::size_t>(limit, 1, scan_limit_max);
  lmdb_cursor cursor;
  if (int rc = cursor.open(txn_.get(), tables_.outbox); rc != MDB_SUCCESS)
    return lmdb_error(rc, "outbox");
  std::string_view key, value;
  int rc =
      after_key.empty() ? cursor.get(key, value, MDB_FIRST) : cursor.seek(after_key, key, value);
  if (rc == MDB_SUCCESS && !after_key.empty() && key == after_key)
    rc = cursor.get(key, value, MDB_NEXT);
  outbox_page page;
  for (; rc == MDB_SUCCESS; rc = cursor.get(key, value, MDB_NEXT)) {
    if (page.data.size() == limit) {
      page.next_key = page.data.back().key;
      break;
    }
    auto row = decode_outbox(value);
    if (!row) return row.failure();
    page.data.push_back(std::move(*row));
  }
  if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND) return lmdb_error(rc, "outbox");
  return page;
}

result<std::vector<review_deadline>> read_snapshot::list_review_deadlines(std::int64_t up_to,
                                                                          std::size_t limit) const {
  limit = std::clamp<std::size_t>(limit, 1, scan_limit_max);
  lmdb_cursor cursor;
  if (int rc = cursor.open(txn_.get(), tables_.review_deadlines); rc != MDB_SUCCESS)
    return lmdb_error(rc, "review_deadlines");
  std::vector<review_deadline> due;
  std::string_view key, value;
  int rc = cursor.get(key, value, MDB_FIRST);
  for (; rc == MDB_SUCCESS && due.size() < limit; rc = cursor.get(key, value, MDB_NEXT)) {
    if (key.size() < 8) return error{error_code::storage_failed, "review_deadlines"};
    const std::int64_t deadline = unbias_time(read_big_endian(key));
    if (deadline > up_to) break;
    due.push_back({deadline, std::string(key.substr(8))});
  }
  if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND) return lmdb_error(rc, "review_deadlines");
  return due;
}

result<table_counts> read_snapshot::counts() const {
  table_counts counts;
  struct item {
    MDB_dbi dbi;
    std::uint64_t* count;
  };
  const item all[] = {
      {tables_.journal, &counts.entries},
      {tables_.accounts, &counts.accounts},
      {tables_.tasks, &counts.tasks},
      {tables_.operations, &counts.operations},
      {tables_.idempotency, &counts.idempotency_records},
      {tables_.outbox, &counts.outbox_rows},
      {tables_.api_keys, &counts.api_keys},
      {tables_.webhook_events, &counts.webhook_events},
      {tables_.review_deadlines, &counts.review_deadlines},
  };
  for (const auto& table : all) {
    MDB_stat stat{};
    if (int rc = mdb_stat(txn_.get(), table.dbi, &stat); rc != MDB_SUCCESS)
      return lmdb_error(rc, "stat");
    *table.count = stat.ms_entries;
  }
  return counts;
}

template <class row_type, class decoder>
status read_snapshot::scan(MDB_dbi dbi, std::string_view from, decoder decode,
                           const std::function<bool(const row_type&)>& visit) const {
  lmdb_cursor cursor;
  if (int rc = cursor.open(txn_.get(), dbi); rc != MDB_SUCCESS) return lmdb_error(rc, "scan");
  std::string_view key, value;
  int rc = from.empty() ? cursor.get(key, value, MDB_FIRST) : cursor.seek(from, key, value);
  for (; rc == MDB_SUCCESS; rc = cursor.get(key, value, MDB_NEXT)) {
    auto row = decode(key, value);
    if (!row) return row.failure();
    if (!visit(*row)) return {};
  }
  if (rc != MDB_NOTFOUND) return lmdb_error(rc, "scan");
  return {};
}

status read_snapshot::for_each_api_key(
    const std::function<bool(const api_key_record&)>& visit) const {
  return scan<api_key_record>(
      tables_.api_keys, {},
      [](std::string_view, std::string_view value) { return decode_api_key(value); }, visit);
}

status read_snapshot::for_each_account(const std::function<bool(const account&)>& visit) const {
  return for_each_account_row([&](const account_row& row) { return visit(row.data); });
}

status read_snapshot::for_each_account_row(
    const std::function<bool(const account_row&)>& visit) const {
  return scan<account_row>(
      tables_.accounts, {},
      [](std::string_view key, std::string_view value) -> result<account_row> {
        auto row = decode_account_row(value);
        if (row && row->data.id != key) return error{error_code::storage_failed, "accounts"};
        return row;
      },
      visit);
}

status read_snapshot::for_each_task(const std::function<bool(const task&)>& visit) const {
  return scan<task>(
      tables_.tasks, {},
      [](std::string_view key, std::string_view value) -> result<task> {
        auto row = decode_task(value);
        if (row && row->id != key) return error{error_code::storage_failed, "tasks"};
        return row;
      },
      visit);
}

status read_snapshot::for_each_operation(
    const std::function<bool(const processor_operation&)>& visit) const {
  return scan<processor_operation>(
      tables_.operations, {},
      [](std::string_view key, std::string_view value) -> result<processor_operation> {
        auto row = decode_operation(value);
        if (row && operation_key(row->kind, row->id) != key)
          return error{error_code::storage_failed, "operations"};
        return row;
      },
      visit);
}

status read_snapshot::for_each_operation_created_since(
    std::int64_t since, const std::function<bool(const processor_operation&)>& visit,
    const processor_operation* after) const {
  // Ids hold no 0x00: the key after `after`'s is its own with one appended.
  const std::string resume_key =
      after ? operation_time_key(after->created_at, after->kind, after->id).append(1, '\0') : "";
  const std::string from = std::max(time_prefix_key(since), resume_key);
  if (!tables_.has_operation_times) {
    // Visited in the index's order, not the table's: a walk that stops resumes after the
    // last one it visited, which in key order would skip every later key created earlier.
    std::vector<std::pair<std::string, processor_operation>> since_from;
    auto scanned = for_each_operation([&](const processor_operation& operation) {
      auto key = operation_time_key(operation.created_at, operation.kind, operation.id);
      if (key >= from) since_from.emplace_back(std::move(key), operation);
      return true;
    });
    if (!scanned) return scanned;
    std::sort(since_from.begin(), since_from.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [key, operation] : since_from)
      if (!visit(operation)) break;
    return {};
  }
  constexpr std::size_t time_bytes = 8;
  return scan<processor_operation>(
      tables_.operation_times, from,
      [this](std::string_view key, std::string_view) -> result<processor_operation> {
        const error stale{error_code::storage_failed, "operation_times"};
        if (key.size() <= time_bytes + 1) return stale;
        const auto kind = std::uint8_t(key[time_bytes]);
        if (kind != std::uint8_t(processor_kind::topup) &&
            kind != std::uint8_t(processor_kind::withdrawal))
          return stale;
        auto operation = get_operation(processor_kind(kind), key.substr(time_bytes + 1));
        if (!operation)
          return operation.failure().code == error_code::not_found ? stale : operation;
        if (bias_time(operation->created_at) != read_big_endian(key)) return stale;
        return operation;
      },
      visit);
}

result<std::optional<std::int64_t>> read_snapshot::oldest_open_operation_created_at() const {
  std::optional<std::int64_t> oldest;
  status unreadable;
  auto scanned = scan<outbox_row>(
      tables_.outbox, {},
      [](std::string_view, std::string_view value) { return decode_outbox(value); },
      [&](const outbox_row& row) {
        auto operation = get_operation(row.operation_kind, row.operation_id);
        // A row of a missing or final operation is a broken invariant verify reports; the
        // operation itself is judged by its creation time, not the row's. One that cannot
        // be read fails the answer: skipping it could leave a window that misses it.
        if (!operation && operation.failure().code != error_code::not_found) {
          unreadable = operation.failure();
          return false;
        }
        if (operation && is_open(operation->status) && (!oldest || operation->created_at < *oldest))
          oldest = operation->created_at;
        return true;
      });
  if (!scanned) return scanned.failure();
  if (!unreadable) return unreadable.failure();
  return oldest;
}

status read_snapshot::for_each_entry(
    std::uint64_t from_sequence, const std::function<bool(const sequenced_entry&)>& visit) const {
  return scan<sequenced_entry>(
      tables_.journal, sequence_key(from_sequence),
      [](std::string_view key, std::string_view value) -> result<sequenced_entry> {
        if (key.size() != 8) return error{error_code::storage_failed, "journal"};
        return decode_entry(value, read_big_endian(key));
      },
      visit);
}

}  // namespace escrowd::storage
