// Writes one stored value behind the store's back with raw LMDB: how the storage tests make
// corrupt or inconsistent stores. The store must be closed meanwhile.
// Thread affinity: none.
#pragma once

#include <lmdb.h>

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include "storage/lmdb_env.hpp"

namespace escrowd::storage::testing {

// Runs `body(txn, dbi)` in one write transaction on `table` and commits it if `body`
// returns true. False on any LMDB error or when `body` returns false.
inline bool in_raw_write(const std::filesystem::path& data_dir, const char* table,
                         const std::function<bool(MDB_txn*, MDB_dbi)>& body) {
  MDB_env* env = nullptr;
  if (mdb_env_create(&env) != MDB_SUCCESS) return false;
  MDB_txn* txn = nullptr;
  MDB_dbi dbi = 0;
  bool done = mdb_env_set_maxdbs(env, 16) == MDB_SUCCESS &&
              mdb_env_open(env, data_dir.c_str(), 0, 0640) == MDB_SUCCESS &&
              mdb_txn_begin(env, nullptr, 0, &txn) == MDB_SUCCESS &&
              mdb_dbi_open(txn, table, 0, &dbi) == MDB_SUCCESS && body(txn, dbi);
  if (txn != nullptr) {
    if (done)
      done = mdb_txn_commit(txn) == MDB_SUCCESS;
    else
      mdb_txn_abort(txn);
  }
  mdb_env_close(env);
  return done;
}

// `change` gets the stored value ("" when there is none) and returns the value to store.
// False on any LMDB error.
inline bool rewrite_raw_value(const std::filesystem::path& data_dir, const char* table,
                              std::string_view key,
                              const std::function<std::string(std::string_view)>& change) {
  return in_raw_write(data_dir, table, [&](MDB_txn* txn, MDB_dbi dbi) {
    std::string_view stored;
    const int found = lmdb_get(txn, dbi, key, stored);
    return (found == MDB_SUCCESS || found == MDB_NOTFOUND) &&
           lmdb_put(txn, dbi, key, change(found == MDB_SUCCESS ? stored : "")) == MDB_SUCCESS;
  });
}

// Deletes one stored key behind the store's back (an index key a bug or a bad copy lost).
// False on any LMDB error, absence included.
inline bool delete_raw_value(const std::filesystem::path& data_dir, const char* table,
                             std::string_view key) {
  return in_raw_write(data_dir, table, [&](MDB_txn* txn, MDB_dbi dbi) {
    return lmdb_del(txn, dbi, key) == MDB_SUCCESS;
  });
}

}  // namespace escrowd::storage::testing
