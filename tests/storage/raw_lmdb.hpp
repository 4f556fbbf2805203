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

// `change` gets the stored value ("" when there is none) and returns the value to store.
// False on any LMDB error.
inline bool rewrite_raw_value(const std::filesystem::path& data_dir, const char* table,
                              std::string_view key,
                              const std::function<std::string(std::string_view)>& change) {
  MDB_env* env = nullptr;
  if (mdb_env_create(&env) != MDB_SUCCESS) return false;
  MDB_txn* txn = nullptr;
  MDB_dbi dbi = 0;
  bool done = mdb_env_set_maxdbs(env, 16) == MDB_SUCCESS &&
              mdb_env_open(env, data_dir.c_str(), 0, 0640) == MDB_SUCCESS &&
              mdb_txn_begin(env, nullptr, 0, &txn) == MDB_SUCCESS &&
              mdb_dbi_open(txn, table, 0, &dbi) == MDB_SUCCESS;
  if (done) {
    std::string_view stored;
    const int found = lmdb_get(txn, dbi, key, stored);
    done = (found == MDB_SUCCESS || found == MDB_NOTFOUND) &&
           lmdb_put(txn, dbi, key, change(found == MDB_SUCCESS ? stored : "")) == MDB_SUCCESS;
  }
  if (txn != nullptr) {
    if (done)
      done = mdb_txn_commit(txn) == MDB_SUCCESS;
    else
      mdb_txn_abort(txn);
  }
  mdb_env_close(env);
  return done;
}

// Deletes one stored key behind the store's back (an index key a bug or a bad copy lost).
// False on any LMDB error, absence included.
inline bool delete_raw_value(const std::filesystem::path& data_dir, const char* table,
                             std::string_view key) {
  MDB_env* env = nullptr;
  if (mdb_env_create(&env) != MDB_SUCCESS) return false;
  MDB_txn* txn = nullptr;
  MDB_dbi dbi = 0;
  bool done = mdb_env_set_maxdbs(env, 16) == MDB_SUCCESS &&
              mdb_env_open(env, data_dir.c_str(), 0, 0640) == MDB_SUCCESS &&
              mdb_txn_begin(env, nullptr, 0, &txn) == MDB_SUCCESS &&
              mdb_dbi_open(txn, table, 0, &dbi) == MDB_SUCCESS &&
              lmdb_del(txn, dbi, key) == MDB_SUCCESS;
  if (txn != nullptr) {
    if (done)
      done = mdb_txn_commit(txn) == MDB_SUCCESS;
    else
      mdb_txn_abort(txn);
  }
  mdb_env_close(env);
  return done;
}

}  // namespace escrowd::storage::testing
