// Thin RAII over the LMDB C API: an environment handle, transactions that abort unless
// committed, cursors, the table (DBI) handles, and the mapping of LMDB return codes to
// escrowd error codes. Nothing here knows about accounts or entries.
// Thread affinity: the environment is opened with MDB_NOTLS, so a read transaction may be
// used by any one thread at a time; a write transaction must stay on the thread that began
// it (LMDB's rule). Lifetimes: transactions and cursors must end before their environment.
#pragma once

#include <lmdb.h>

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "engine/result.hpp"

namespace escrowd::storage {

struct lmdb_env_closer {
  void operator()(MDB_env* env) const { mdb_env_close(env); }
};
using lmdb_env_handle = std::unique_ptr<MDB_env, lmdb_env_closer>;

// A transaction that aborts itself unless committed.
class lmdb_txn {
 public:
  lmdb_txn() = default;
  lmdb_txn(const lmdb_txn&) = delete;
  lmdb_txn& operator=(const lmdb_txn&) = delete;
  lmdb_txn(lmdb_txn&& other) noexcept : txn_(std::exchange(other.txn_, nullptr)) {}
  lmdb_txn& operator=(lmdb_txn&& other) noexcept;
  ~lmdb_txn() { abort(); }

  // Returns the LMDB code; on success the transaction is active.
  [[nodiscard]] int begin(MDB_env* env, unsigned flags);
  // The transaction ends either way (LMDB frees it even when the commit fails).
  [[nodiscard]] int commit();
  void abort();
  // Takes over `txn` (aborting any held one); release() hands the held one back unended.
  void adopt(MDB_txn* txn) {
    abort();
    txn_ = txn;
  }
  [[nodiscard]] MDB_txn* release() { return std::exchange(txn_, nullptr); }
  [[nodiscard]] MDB_txn* get() const { return txn_; }
  [[nodiscard]] bool active() const { return txn_ != nullptr; }

 private:
  MDB_txn* txn_ = nullptr;
};

class lmdb_cursor {
 public:
  lmdb_cursor() = default;
  lmdb_cursor(const lmdb_cursor&) = delete;
  lmdb_cursor& operator=(const lmdb_cursor&) = delete;
  // A cursor must be closed before its transaction ends: LMDB frees a write
  // transaction's cursors itself, so closing one afterwards would free it twice.
  ~lmdb_cursor() { close(); }
  void close() {
    if (cursor_) mdb_cursor_close(std::exchange(cursor_, nullptr));
  }
  [[nodiscard]] int open(MDB_txn* txn, MDB_dbi dbi) { return mdb_cursor_open(txn, dbi, &cursor_); }
  // Positions the cursor; on success `key` and `value` view the map (valid until the next
  // write in this transaction).
  [[nodiscard]] int get(std::string_view& key, std::string_view& value, MDB_cursor_op op);
  // MDB_SET_RANGE: the first key at or after `target`.
  [[nodiscard]] int seek(std::string_view target, std::string_view& key, std::string_view& value);
  [[nodiscard]] int del() { return mdb_cursor_del(cursor_, 0); }

 private:
  MDB_cursor* cursor_ = nullptr;
};

[[nodiscard]] inline MDB_val to_val(std::string_view bytes) {
  return MDB_val{bytes.size(), const_cast<char*>(bytes.data())};
}
[[nodiscard]] inline std::string_view from_val(const MDB_val& value) {
  return {static_cast<const char*>(value.mv_data), value.mv_size};
}

// mdb_get; MDB_NOTFOUND when absent.
[[nodiscard]] int lmdb_get(MDB_txn* txn, MDB_dbi dbi, std::string_view key,
                           std::string_view& value);
[[nodiscard]] int lmdb_put(MDB_txn* txn, MDB_dbi dbi, std::string_view key, std::string_view value,
                           unsigned flags = 0);
// mdb_del; MDB_NOTFOUND when absent.
[[nodiscard]] int lmdb_del(MDB_txn* txn, MDB_dbi dbi, std::string_view key);

// MDB_MAP_FULL, ENOSPC and EDQUOT become storage_full; MDB_NOTFOUND not_found;
// MDB_KEYEXIST already_exists; everything else storage_failed. `param` names the operation.
[[nodiscard]] error lmdb_error(int code, std::string_view param);
// lmdb_error with a sentence for an operator: what was being done, where, and LMDB's or
// the system's reason (for failures a command line reports: opening, backing up).
[[nodiscard]] error lmdb_error(int code, std::string_view param, std::string_view doing);
// A write transaction that failed as a whole: storage_full for a full disk or map, else
// storage_failed. Never a client's conflict: a duplicate key or a missing one at this
// stage means another process wrote the store or a bug, and the client must retry (5xx).
[[nodiscard]] error write_failure(int code, std::string_view param);
[[nodiscard]] bool is_space_error(int code);

// The named tables of the store (FORMAT.md lists each one's key and value).
struct table_handles {
  MDB_dbi meta = 0;
  MDB_dbi journal = 0;
  MDB_dbi accounts = 0;
  MDB_dbi tasks = 0;
  MDB_dbi operations = 0;
  MDB_dbi idempotency = 0;
  MDB_dbi idempotency_expiry = 0;
  MDB_dbi outbox = 0;
  MDB_dbi api_keys = 0;
  MDB_dbi api_key_ids = 0;
  MDB_dbi webhook_events = 0;
  MDB_dbi review_deadlines = 0;
  MDB_dbi webhook_event_times = 0;
  MDB_dbi operation_times = 0;
  // False only in a read-only open of a store no writable open has touched since the
  // table was added (FORMAT.md "History": its first writable open creates and fills it).
  bool has_webhook_event_times = false;
  bool has_operation_times = false;
};

// Opens every table inside `txn` (a write transaction when `create` is set). Returns the
// LMDB code.
[[nodiscard]] int open_tables(MDB_txn* txn, bool create, table_handles& tables);

}  // namespace escrowd::storage
