#include "storage/record_applier.hpp"

#include <algorithm>
#include <cassert>

#include "storage/account_codec.hpp"
#include "storage/api_key_codec.hpp"
#include "storage/idempotency_codec.hpp"
#include "storage/journal_codec.hpp"
#include "storage/keys.hpp"
#include "storage/limits.hpp"
#include "storage/meta_codec.hpp"
#include "storage/operation_codec.hpp"
#include "storage/outbox_codec.hpp"
#include "storage/task_codec.hpp"

namespace escrowd::storage {
namespace {

error bug(std::string_view param) {
  return error{error_code::internal, std::string(param)};
}

// Whether `id` can be a key of its table. LMDB answers an empty key with MDB_BAD_VALSIZE,
// which the applier cannot tell from a failure of the environment: the whole batch would
// fail and the store would refuse writes until a restart, for one record's bad id.
bool is_id_sized(std::string_view id) {
  return !id.empty() && id.size() <= id_length_max;
}

std::string_view hash_view(const api_key_hash& hash) {
  return {reinterpret_cast<const char*>(hash.data()), hash.size()};
}

}  // namespace

commit_result record_applier::apply(const commit_record& record, std::uint64_t& next_sequence) {
  const std::uint64_t sequence = record.entry ? next_sequence : 0;
  if (auto staged = stage(record, sequence); !staged) return {staged, 0};
  if (auto created = put_created_tasks(record); !created) return {created, 0};
  write(record, sequence);
  if (lmdb_code_ != 0) return {write_failure(lmdb_code_, "commit"), 0};
  if (record.entry) ++next_sequence;
  return {status{}, sequence};
}

status record_applier::read_failed(int code) {
  if (lmdb_code_ == 0) lmdb_code_ = code;
  return lmdb_error(code, "read");
}

bool record_applier::exists(MDB_dbi dbi, std::string_view key) {
  std::string_view value;
  const int rc = lmdb_get(txn_, dbi, key, value);
  if (rc == MDB_NOTFOUND) return false;
  if (rc != MDB_SUCCESS) (void)read_failed(rc);
  return true;
}

status record_applier::stage(const commit_record& record, std::uint64_t sequence) {
  accounts_.clear();
  tasks_.clear();
  revoked_keys_.clear();
  status checked = stage_accounts(record);
  if (checked) checked = stage_tasks(record);
  if (checked) checked = stage_operations(record);
  if (checked) checked = check_ledger(record);
  if (checked) checked = stage_idempotency(record);
  if (checked) checked = stage_keys_and_events(record);
  if (checked && record.entry) checked = link_entry(*record.entry, sequence);
  if (lmdb_code_ != 0) return lmdb_error(lmdb_code_, "read");
  return checked;
}

result<record_applier::staged_account*> record_applier::load_account(std::string_view id) {
  if (!is_id_sized(id)) return bug("account");
  for (auto& staged : accounts_)
    if (staged.stored.data.id == id) return &staged;
  if (const auto* cached = kept_.accounts.find(id)) {
    accounts_.push_back({*cached, false});
    return &accounts_.back();
  }
  std::string_view stored;
  const int rc = lmdb_get(txn_, tables_.accounts, id, stored);
  if (rc == MDB_NOTFOUND) return error{error_code::not_found, "account"};
  if (rc != MDB_SUCCESS) return read_failed(rc).failure();
  auto row = decode_account_row(stored);
  if (!row) return row.failure();
  accounts_.push_back({std::move(*row), false});
  return &accounts_.back();
}

status record_applier::stage_accounts(const commit_record& record) {
  for (const auto& created : record.account_creates) {
    if (!is_id_sized(created.id)) return bug("account");
    if (created.available != 0 || created.pending_withdrawal != 0 || created.escrowed != 0 ||
        created.pending_topup != 0)
      return bug("account");
    for (const auto& staged : accounts_)
      if (staged.stored.data.id == created.id) return error{error_code::already_exists, "account"};
    if (exists(tables_.accounts, created.id)) return error{error_code::already_exists, "account"};
    accounts_.push_back({{created, 0}, true});
  }
  // Deltas of one account are applied together so that a credit and a debit in the same
  // record net out before the no-negative check (engine apply_deltas).
  for (std::size_t i = 0; i < record.account_deltas.size(); ++i) {
    const auto& id = record.account_deltas[i].account_id;
    bool applied = false;
    for (std::size_t j = 0; j < i && !applied; ++j)
      applied = record.account_deltas[j].account_id == id;
    if (applied) continue;
    auto staged = load_account(id);
    if (!staged) return staged.failure();
    auto next = apply_deltas((*staged)->stored.data, record.account_deltas);
    if (!next) return next.failure();
    (*staged)->stored.data = std::move(*next);
    (*staged)->touched = true;
  }
  return {};
}

status record_applier::stage_tasks(const commit_record& record) {
  auto known = [&](const std::string& id) {
    return std::any_of(tasks_.begin(), tasks_.end(),
                       [&](const staged_task& staged) { return staged.row->id == id; });
  };
  for (const auto& created : record.task_creates) {
    if (!is_id_sized(created.id)) return bug("task");
    if (created.escrow != escrow_by_state(created)) return bug("task");
    // A stored row with this id is found by the put (put_created_tasks).
    if (known(created.id)) return error{error_code::already_exists, "task"};
    tasks_.push_back({&created, 0, false, 0});
  }
  for (const auto& updated : record.task_updates) {
    if (!is_id_sized(updated.id)) return bug("task");
    if (updated.escrow != escrow_by_state(updated)) return bug("task");
    if (known(updated.id)) return bug("task");  // one row per task per record
    task_standing old;
    if (const auto* kept = kept_.tasks.find(updated.id)) {
      old = *kept;
    } else {
      std::string_view stored;
      const int rc = lmdb_get(txn_, tables_.tasks, updated.id, stored);
      if (rc == MDB_NOTFOUND) return error{error_code::not_found, "task"};
      if (rc != MDB_SUCCESS) return read_failed(rc);
      auto decoded = decode_task_standing(stored);
      if (!decoded) return decoded.failure();
      old = *decoded;
    }
    tasks_.push_back(
        {&updated, old.escrow, old.state == task_state::submitted, old.review_deadline});
  }
  // The rows are checked but the deciding actor's encodings of them are stored
  // (task_value): bytes that disagreed on a checked field would store an escrow or a
  // deadline no check saw. Re-encoding every row here would cost the writer, the one
  // serial stage of a commit, what encoding off its thread saves; the fields are read in
  // place. The whole bytes are compared in builds with assertions (task_value).
  if (record.encoded_tasks.size() == tasks_.size())
    for (std::size_t i = 0; i < tasks_.size(); ++i)
      if (!holds_checked_fields(record.encoded_tasks[i], *tasks_[i].row))
        return error{error_code::internal, "encoded_task",
                     "The encoded task " + tasks_[i].row->id +
                         " disagrees with its row; the record was not written."};
  return {};
}

status record_applier::stage_operations(const commit_record& record) {
  for (std::size_t i = 0; i < record.operation_creates.size(); ++i) {
    const auto& created = record.operation_creates[i];
    if (!is_id_sized(created.id) || !is_storable(created)) return bug("operation");
    for (std::size_t j = 0; j < i; ++j)
      if (record.operation_creates[j].kind == created.kind &&
          record.operation_creates[j].id == created.id)
        return error{error_code::already_exists, "operation"};
    if (exists(tables_.operations, operation_key(created.kind, created.id)))
      return error{error_code::already_exists, "operation"};
  }
  for (const auto& updated : record.operation_updates) {
    if (!is_id_sized(updated.id) || !is_storable(updated)) return bug("operation");
    std::string_view stored;
    const int rc =
        lmdb_get(txn_, tables_.operations, operation_key(updated.kind, updated.id), stored);
    if (rc == MDB_NOTFOUND) return error{error_code::not_found, "operation"};
    if (rc != MDB_SUCCESS) return read_failed(rc).failure();
    // operation_times is keyed by creation time, written once: a changed time would strand it.
    auto current = decode_operation(stored);
    if (!current) return current.failure();
    if (current->created_at != updated.created_at) return bug("operation");
  }
  return {};
}

status record_applier::add_to_book(book_kind kind, std::string_view owner, std::int64_t amount,
                                   bool is_leg) {
  auto found = std::find_if(book_sums_.begin(), book_sums_.end(), [&](const book_sum& sum) {
    return sum.kind == kind && sum.owner == owner;
  });
  if (found == book_sums_.end()) found = book_sums_.insert(book_sums_.end(), book_sum{kind, owner});
  auto& target = is_leg ? found->legs : found->changes;
  auto next = checked_add(target, amount);
  if (!next) return error{error_code::balance_overflow, "amount"};
  target = *next;
  return {};
}

// The entry's legs must equal the record's changes of ledger books (see commit_record.hpp).
status record_applier::check_ledger(const commit_record& record) {
  book_sums_.clear();
  if (record.entry) {
    const auto& entry = *record.entry;
    if (!is_balanced(entry) || entry.legs.size() > legs_per_entry_max) return bug("entry");
    if (entry.reference.size() > id_length_max) return bug("entry");
    for (const auto& leg : entry.legs) {
      if (leg.book.owner.size() > id_length_max) return bug("entry");
      if (auto added = add_to_book(leg.book.kind, leg.book.owner, leg.amount, true); !added)
        return added;
      if (is_account_book(leg.book.kind)) {
        auto owner = load_account(leg.book.owner);
        if (!owner) return owner.failure();
        if ((*owner)->stored.data.currency != leg.book.currency) return bug("entry");
      } else if (leg.book.kind == book_kind::escrow) {
        auto task = std::find_if(tasks_.begin(), tasks_.end(), [&](const staged_task& staged) {
          return staged.row->id == leg.book.owner;
        });
        if (task == tasks_.end() || task->row->currency != leg.book.currency) return bug("entry");
      }
    }
  }
  for (const auto& delta : record.account_deltas) {
    const auto kind = delta.field == balance_field::available ? book_kind::available
                      : delta.field == balance_field::pending_withdrawal
                          ? book_kind::pending_withdrawal
                          : book_kind::processor_clearing;  // derived views: not a book
    if (kind == book_kind::processor_clearing) continue;
    if (auto added = add_to_book(kind, delta.account_id, delta.amount, false); !added) return added;
  }
  for (const auto& staged : tasks_) {
    const std::int64_t change = staged.row->escrow - staged.old_escrow;
    if (change == 0) continue;
    if (auto added = add_to_book(book_kind::escrow, staged.row->id, change, false); !added)
      return added;
  }
  for (const auto& sum : book_sums_)
    if (sum.kind != book_kind::processor_clearing && sum.legs != sum.changes) return bug("entry");
  return {};
}

status record_applier::stage_idempotency(const commit_record& record) {
  if (!record.idempotency) return {};
  const auto& row = *record.idempotency;
  if (row.scope.size() > idempotency_scope_bytes_max || row.key.empty() ||
      row.key.size() > idempotency_key_bytes_max)
    return error{error_code::idempotency_key_invalid, "idempotency_key"};
  if (row.response_body.size() > stored_string_bytes_max) return bug("idempotency");
  key_ = idempotency_key(row.scope, row.key);
  std::string_view stored;
  const int rc = lmdb_get(txn_, tables_.idempotency, key_, stored);
  if (rc == MDB_NOTFOUND) return {};
  if (rc != MDB_SUCCESS) return read_failed(rc);
  auto old = decode_idempotency(stored);
  if (!old) return old.failure();
  // An expired record that the reaper has not reached yet does not block the key.
  if (old->expires_at > row.created_at) return error{error_code::already_exists, "idempotency_key"};
  return {};
}

status record_applier::stage_keys_and_events(const commit_record& record) {
  for (const auto& row : record.outbox_puts)
    if (row.key.empty() || row.key.size() > outbox_key_bytes_max) return bug("outbox");
  for (const auto& key : record.outbox_deletes)
    if (key.empty() || key.size() > outbox_key_bytes_max) return bug("outbox");
  for (std::size_t i = 0; i < record.api_key_creates.size(); ++i) {
    const auto& created = record.api_key_creates[i];
    if (!is_id_sized(created.key_id)) return bug("api_key");
    for (std::size_t j = 0; j < i; ++j)
      if (record.api_key_creates[j].key_id == created.key_id ||
          record.api_key_creates[j].hash == created.hash)
        return error{error_code::already_exists, "api_key"};
    if (exists(tables_.api_keys, hash_view(created.hash)) ||
        exists(tables_.api_key_ids, created.key_id))
      return error{error_code::already_exists, "api_key"};
  }
  for (const auto& revocation : record.api_key_revocations) {
    if (!is_id_sized(revocation.key_id)) return bug("api_key");
    std::string_view stored;
    int rc = lmdb_get(txn_, tables_.api_key_ids, revocation.key_id, stored);
    if (rc == MDB_NOTFOUND) return error{error_code::not_found, "api_key"};
    if (rc != MDB_SUCCESS) return read_failed(rc);
    auto hash = decode_api_key_id(stored);
    if (!hash) return hash.failure();
    rc = lmdb_get(txn_, tables_.api_keys, hash_view(*hash), stored);
    if (rc == MDB_NOTFOUND) return error{error_code::storage_failed, "api_key_ids"};
    if (rc != MDB_SUCCESS) return read_failed(rc);
    auto row = decode_api_key(stored);
    if (!row) return row.failure();
    if (!row->revoked) {
      row->revoked = true;
      row->revoked_at = revocation.revoked_at;
    }
    revoked_keys_.push_back(std::move(*row));
  }
  for (std::size_t i = 0; i < record.webhook_events.size(); ++i) {
    const auto& event = record.webhook_events[i];
    if (event.event_id.empty() || event.event_id.size() > webhook_event_id_bytes_max)
      return bug("webhook_event");
    for (std::size_t j = 0; j < i; ++j)
      if (record.webhook_events[j].event_id == event.event_id)
        return error{error_code::already_exists, "webhook_event"};
    if (exists(tables_.webhook_events, event.event_id))
      return error{error_code::already_exists, "webhook_event"};
  }
  return {};
}

void record_applier::put(MDB_dbi dbi, std::string_view key, std::string_view value,
                         unsigned flags) {
  if (lmdb_code_ != 0) return;
  const int rc = lmdb_put(txn_, dbi, key, value, flags);
  if (rc != MDB_SUCCESS) lmdb_code_ = rc;
}

void record_applier::del(MDB_dbi dbi, std::string_view key) {
  if (lmdb_code_ != 0) return;
  const int rc = lmdb_del(txn_, dbi, key);
  if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND) lmdb_code_ = rc;
}

void record_applier::write(const commit_record& record, std::uint64_t sequence) {
  for (const auto& staged : accounts_) {
    if (!staged.touched) continue;
    encode_account(staged.stored, value_);
    put(tables_.accounts, staged.stored.data.id, value_);
    kept_.accounts.stage(staged.stored.data.id, staged.stored);
  }
  write_tasks(record);
  for (const auto* rows : {&record.operation_creates, &record.operation_updates})
    for (const auto& row : *rows) {
      encode_operation(row, value_);
      put(tables_.operations, operation_key(row.kind, row.id), value_);
    }
  for (const auto& created : record.operation_creates)
    put(tables_.operation_times, operation_time_key(created.created_at, created.kind, created.id),
        {});
  if (record.entry) write_entry(*record.entry, sequence);
  if (record.idempotency) write_idempotency(*record.idempotency);
  write_keys_and_events(record);
}

std::string_view record_applier::task_value(const commit_record& record, std::size_t index) {
  const task& row = *tasks_[index].row;
  if (record.encoded_tasks.size() != tasks_.size()) {
    encode_task(row, value_);
    return value_;
  }
  assert(record.encoded_tasks[index] == (encode_task(row, value_), value_));
  return record.encoded_tasks[index];
}

status record_applier::put_created_tasks(const commit_record& record) {
  for (std::size_t i = 0; i < record.task_creates.size(); ++i) {
    const int rc = lmdb_put(txn_, tables_.tasks, record.task_creates[i].id, task_value(record, i),
                            MDB_NOOVERWRITE);
    if (rc == MDB_SUCCESS) continue;
    // Refused whole: the creates put before this one go again.
    for (std::size_t j = 0; j < i; ++j) del(tables_.tasks, record.task_creates[j].id);
    if (rc == MDB_KEYEXIST) return error{error_code::already_exists, "task"};
    if (lmdb_code_ == 0) lmdb_code_ = rc;
    return write_failure(rc, "write");
  }
  return {};
}

void record_applier::write_tasks(const commit_record& record) {
  const std::size_t created = record.task_creates.size();  // put by put_created_tasks
  for (std::size_t i = 0; i < tasks_.size(); ++i) {
    const auto& staged = tasks_[i];
    const task& row = *staged.row;
    if (i >= created) put(tables_.tasks, row.id, task_value(record, i));
    // A settled task is never replaced again (the engine refuses every transition).
    if (is_settled(row.state))
      kept_.tasks.forget(row.id);
    else
      kept_.tasks.stage(row.id, task_standing{row.escrow, row.state, row.review_deadline});
    // The review-deadline index holds exactly the submitted tasks, so a restart can find
    // lapsed review windows without scanning every task.
    if (staged.old_indexed)
      del(tables_.review_deadlines, review_deadline_key(staged.old_deadline, row.id));
    if (row.state == task_state::submitted)
      put(tables_.review_deadlines, review_deadline_key(row.review_deadline, row.id), {});
  }
}

status record_applier::link_entry(const journal_entry& entry, std::uint64_t sequence) {
  owner_previous_.assign(entry.legs.size(), 0);
  // check_ledger staged every owner. The first leg of an owner moves its head, so a
  // second leg of the same owner takes the link the first one found.
  for (std::size_t i = 0; i < entry.legs.size(); ++i) {
    const auto& book = entry.legs[i].book;
    if (!is_account_book(book.kind)) continue;
    auto owner = std::find_if(accounts_.begin(), accounts_.end(), [&](const staged_account& s) {
      return s.stored.data.id == book.owner;
    });
    if (owner == accounts_.end()) return bug("entry");
    std::size_t first = i;
    for (std::size_t j = 0; j < i && first == i; ++j)
      if (is_account_book(entry.legs[j].book.kind) && entry.legs[j].book.owner == book.owner)
        first = j;
    if (first != i) {
      owner_previous_[i] = owner_previous_[first];
      continue;
    }
    owner_previous_[i] = owner->stored.last_entry_sequence;
    owner->stored.last_entry_sequence = sequence;
    owner->touched = true;
  }
  return {};
}

void record_applier::write_entry(const journal_entry& entry, std::uint64_t sequence) {
  encode_entry(sequence, entry, owner_previous_, value_);
  // Sequences only grow, so the entry always belongs at the end: MDB_APPEND skips the
  // search and fills pages completely.
  put(tables_.journal, sequence_key(sequence), value_, MDB_APPEND);
}

void record_applier::write_idempotency(const idempotency_record& row) {
  key_ = idempotency_key(row.scope, row.key);
  encode_idempotency(row, value_);
  put(tables_.idempotency, key_, value_);
  // A replaced record's old expiry key stays behind; the reaper drops it as stale.
  encode_idempotency_expiry(key_, value_);
  put(tables_.idempotency_expiry,
      idempotency_expiry_key(row.expires_at, mdb_txn_id(txn_), expiry_serial_++), value_);
}

void record_applier::write_keys_and_events(const commit_record& record) {
  for (const auto& row : record.outbox_puts) {
    encode_outbox(row, value_);
    put(tables_.outbox, row.key, value_);
  }
  for (const auto& key : record.outbox_deletes) del(tables_.outbox, key);
  for (const auto& row : record.api_key_creates) {
    encode_api_key(row, value_);
    put(tables_.api_keys, hash_view(row.hash), value_);
    encode_api_key_id(row.hash, value_);
    put(tables_.api_key_ids, row.key_id, value_);
  }
  for (const auto& row : revoked_keys_) {
    encode_api_key(row, value_);
    put(tables_.api_keys, hash_view(row.hash), value_);
  }
  for (const auto& event : record.webhook_events) {
    encode_webhook_event(event, value_);
    put(tables_.webhook_events, event.event_id, value_);
    put(tables_.webhook_event_times, webhook_event_time_key(event.processed_at, event.event_id),
        {});
  }
}

}  // namespace escrowd::storage
