#include "storage/lmdb_env.hpp"

#include <cerrno>

#include "storage/index_rebuild.hpp"

namespace escrowd::storage {

lmdb_txn& lmdb_txn::operator=(lmdb_txn&& other) noexcept {
  if (this != &other) {
    abort();
    txn_ = std::exchange(other.txn_, nullptr);
  }
  return *this;
}

int lmdb_txn::begin(MDB_env* env, unsigned flags) {
  abort();
  return mdb_txn_begin(env, nullptr, flags, &txn_);
}

int lmdb_txn::commit() {
  return mdb_txn_commit(std::exchange(txn_, nullptr));
}

void lmdb_txn::abort() {
  if (txn_) mdb_txn_abort(std::exchange(txn_, nullptr));
}

int lmdb_cursor::get(std::string_view& key, std::string_view& value, MDB_cursor_op op) {
  MDB_val k{}, v{};
  const int rc = mdb_cursor_get(cursor_, &k, &v, op);
  if (rc == MDB_SUCCESS) {
    key = from_val(k);
    value = from_val(v);
  }
  return rc;
}

int lmdb_cursor::seek(std::string_view target, std::string_view& key, std::string_view& value) {
  MDB_val k = to_val(target), v{};
  const int rc = mdb_cursor_get(cursor_, &k, &v, MDB_SET_RANGE);
  if (rc == MDB_SUCCESS) {
    key = from_val(k);
    value = from_val(v);
  }
  return rc;
}

int lmdb_get(MDB_txn* txn, MDB_dbi dbi, std::string_view key, std::string_view& value) {
  MDB_val k = to_val(key), v{};
  const int rc = mdb_get(txn, dbi, &k, &v);
  if (rc == MDB_SUCCESS) value = from_val(v);
  return rc;
}

int lmdb_put(MDB_txn* txn, MDB_dbi dbi, std::string_view key, std::string_view value,
             unsigned flags) {
  MDB_val k = to_val(key), v = to_val(value);
  return mdb_put(txn, dbi, &k, &v, flags);
}

int lmdb_del(MDB_txn* txn, MDB_dbi dbi, std::string_view key) {
  MDB_val k = to_val(key);
  return mdb_del(txn, dbi, &k, nullptr);
}

bool is_space_error(int code) {
  return code == MDB_MAP_FULL || code == ENOSPC || code == EDQUOT;
}

error lmdb_error(int code, std::string_view param) {
  if (is_space_error(code)) return error{error_code::storage_full, std::string(param)};
  if (code == MDB_NOTFOUND) return error{error_code::not_found, std::string(param)};
  if (code == MDB_KEYEXIST) return error{error_code::already_exists, std::string(param)};
  return error{error_code::storage_failed, std::string(param)};
}

error lmdb_error(int code, std::string_view param, std::string_view doing) {
  auto failure = lmdb_error(code, param);
  failure.message = "Cannot " + std::string(doing) + ": " + mdb_strerror(code) + ".";
  return failure;
}

error write_failure(int code, std::string_view param) {
  if (is_space_error(code)) return error{error_code::storage_full, std::string(param)};
  return error{error_code::storage_failed, std::string(param)};
}

int open_tables(MDB_txn* txn, bool create, table_handles& tables) {
  const unsigned flags = create ? MDB_CREATE : 0;
  struct named {
    const char* name;
    MDB_dbi* handle;
  };
  const named all[] = {
      {"meta", &tables.meta},
      {"journal", &tables.journal},
      {"accounts", &tables.accounts},
      {"tasks", &tables.tasks},
      {"operations", &tables.operations},
      {"idempotency", &tables.idempotency},
      {"idempotency_expiry", &tables.idempotency_expiry},
      {"outbox", &tables.outbox},
      {"api_keys", &tables.api_keys},
      {"api_key_ids", &tables.api_key_ids},
      {"webhook_events", &tables.webhook_events},
      {"review_deadlines", &tables.review_deadlines},
  };
  for (const auto& table : all) {
    const int rc = mdb_dbi_open(txn, table.name, flags, table.handle);
    if (rc != MDB_SUCCESS) return rc;
  }
  // Indexes added after stores were written (FORMAT.md "History"). A read-only open goes on
  // without one that is missing, or whose count differs from its rows' (left behind by a
  // binary that did not keep it: correct, and rebuilt at the next writable open).
  const struct {
    const char* name;
    MDB_dbi* handle;
    bool* present;
    MDB_dbi rows;
  } added_later[] = {
      {"webhook_event_times", &tables.webhook_event_times, &tables.has_webhook_event_times,
       tables.webhook_events},
      {"operation_times", &tables.operation_times, &tables.has_operation_times, tables.operations},
  };
  for (const auto& table : added_later) {
    int rc = mdb_dbi_open(txn, table.name, flags, table.handle);
    *table.present = rc == MDB_SUCCESS;
    if (rc != MDB_SUCCESS && (rc != MDB_NOTFOUND || create)) return rc;
    if (create || !*table.present) continue;
    if (rc = index_counts_agree(txn, table.rows, *table.handle, *table.present); rc != MDB_SUCCESS)
      return rc;
  }
  return MDB_SUCCESS;
}

}  // namespace escrowd::storage
