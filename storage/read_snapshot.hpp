// read_snapshot: one consistent view of the store (an LMDB read transaction). Point reads,
// paginated lists and full scans all see the same committed state, which is what the
// ledger verification needs.
// Thread affinity: any one thread at a time (MDB_NOTLS). Lifetimes: keep it short (a long
// snapshot pins pages, so the file grows, and it blocks map growth); never open a second
// snapshot or call a ledger_store getter while holding one; destroy it before its store.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/account.hpp"
#include "engine/processor_operation.hpp"
#include "engine/task.hpp"
#include "storage/account_codec.hpp"
#include "storage/journal_codec.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/records.hpp"

namespace escrowd::storage {

class env_gate;
class read_txn_pool;

struct entry_page {
  std::vector<sequenced_entry> data;  // newest first
  bool has_more = false;
};

struct outbox_page {
  std::vector<outbox_row> data;  // in key order
  std::string next_key;          // pass as `after_key` to continue; empty at the end
};

struct review_deadline {
  std::int64_t deadline = 0;
  std::string task_id;

  friend bool operator==(const review_deadline&, const review_deadline&) = default;
};

struct table_counts {
  std::uint64_t entries = 0;
  std::uint64_t accounts = 0;
  std::uint64_t tasks = 0;
  std::uint64_t operations = 0;
  std::uint64_t idempotency_records = 0;
  std::uint64_t outbox_rows = 0;
  std::uint64_t api_keys = 0;
  std::uint64_t webhook_events = 0;
  std::uint64_t review_deadlines = 0;
};

class read_snapshot {
 public:
  read_snapshot(read_snapshot&& other) noexcept;
  read_snapshot& operator=(read_snapshot&&) = delete;
  read_snapshot(const read_snapshot&) = delete;
  ~read_snapshot();

  // Point reads: not_found when absent, storage_failed when the stored value is corrupt.
  [[nodiscard]] result<account> get_account(std::string_view id) const;
  [[nodiscard]] result<task> get_task(std::string_view id) const;
  [[nodiscard]] result<processor_operation> get_operation(processor_kind kind,
                                                          std::string_view id) const;
  [[nodiscard]] result<idempotency_record> get_idempotency(std::string_view scope,
                                                           std::string_view key) const;
  [[nodiscard]] result<api_key_record> get_api_key(const api_key_hash& hash) const;
  [[nodiscard]] result<api_key_record> get_api_key_by_id(std::string_view key_id) const;
  [[nodiscard]] result<outbox_row> get_outbox(std::string_view key) const;
  [[nodiscard]] result<bool> has_webhook_event(std::string_view event_id) const;
  [[nodiscard]] result<sequenced_entry> get_entry(std::uint64_t sequence) const;
  [[nodiscard]] result<std::uint64_t> last_sequence() const;

  // The entries touching an account's books (available, pending_withdrawal), newest
  // first, older than `starting_after` when given; `limit` is clamped to list_limit_max.
  // Walks the account's chain of entries (journal_codec.hpp): one point read per entry,
  // plus, when `starting_after` is not itself one of the account's entries, the walk from
  // the newest down to it. An unknown account has no entries.
  [[nodiscard]] result<entry_page> list_account_entries(
      std::string_view account_id, std::size_t limit,
      std::optional<std::uint64_t> starting_after = std::nullopt) const;
  // Outbox rows of every state in key order, after `after_key`; at most `limit`
  // (clamped to scan_limit_max). The gateway filters by state and next_attempt_at.
  [[nodiscard]] result<outbox_page> list_outbox(std::string_view after_key,
                                                std::size_t limit) const;
  // Submitted tasks whose review deadline is at or before `up_to`, earliest first.
  [[nodiscard]] result<std::vector<review_deadline>> list_review_deadlines(std::int64_t up_to,
                                                                           std::size_t limit) const;
  [[nodiscard]] result<table_counts> counts() const;

  // Full scans in key order for verification and recovery. The visitor returns false to
  // stop early; a corrupt value stops the scan with its error.
  [[nodiscard]] status for_each_account(const std::function<bool(const account&)>& visit) const;
  // As for_each_account, with each account's chain head.
  [[nodiscard]] status for_each_account_row(
      const std::function<bool(const account_row&)>& visit) const;
  [[nodiscard]] status for_each_task(const std::function<bool(const task&)>& visit) const;
  [[nodiscard]] status for_each_api_key(
      const std::function<bool(const api_key_record&)>& visit) const;
  [[nodiscard]] status for_each_operation(
      const std::function<bool(const processor_operation&)>& visit) const;
  // The operations created at or after `since`, oldest first (by creation time, then kind
  // and id), through operation_times (a point read each); after `after` when given (the
  // last one a previous walk visited: walks resume across snapshots, since an operation's
  // place never changes). A store without that index (or, read-only, with one an older binary
  // left behind: FORMAT.md "History") is scanned whole instead, in the same order. An index key
  // whose operation is missing or of another time stops the walk with storage_failed.
  [[nodiscard]] status for_each_operation_created_since(
      std::int64_t since, const std::function<bool(const processor_operation&)>& visit,
      const processor_operation* after = nullptr) const;
  // The creation time of the oldest open operation (pending or parked), nullopt when none
  // is open. Reads the outbox, which holds a row for every open operation (FORMAT.md).
  [[nodiscard]] result<std::optional<std::int64_t>> oldest_open_operation_created_at() const;
  [[nodiscard]] status for_each_entry(
      std::uint64_t from_sequence, const std::function<bool(const sequenced_entry&)>& visit) const;

  // For the store's own maintenance: the raw transaction and tables.
  [[nodiscard]] MDB_txn* txn() const { return txn_.get(); }
  [[nodiscard]] const table_handles& tables() const { return tables_; }

 private:
  friend class ledger_store;
  read_snapshot(lmdb_txn txn, const table_handles& tables, read_txn_pool* pool, env_gate* gate)
      : txn_(std::move(txn)), tables_(tables), pool_(pool), gate_(gate) {}
  // Reads one value; not_found when absent.
  [[nodiscard]] result<std::string_view> read(MDB_dbi dbi, std::string_view key,
                                              std::string_view what) const;
  template <class row_type, class decoder>
  [[nodiscard]] status scan(MDB_dbi dbi, std::string_view from, decoder decode,
                            const std::function<bool(const row_type&)>& visit) const;

  lmdb_txn txn_;
  table_handles tables_;
  read_txn_pool* pool_;  // where the transaction goes when the snapshot ends
  env_gate* gate_;
};

}  // namespace escrowd::storage
