#include "storage/index_rebuild.hpp"

#include <cstddef>

#include "storage/lmdb_env.hpp"

namespace escrowd::storage {
namespace {

int entries_of(MDB_txn* txn, MDB_dbi table, std::size_t& entries) {
  MDB_stat stat{};
  const int rc = mdb_stat(txn, table, &stat);
  entries = stat.ms_entries;
  return rc;
}

}  // namespace

int index_counts_agree(MDB_txn* txn, MDB_dbi rows, MDB_dbi index, bool& agree) {
  std::size_t row_count = 0, key_count = 0;
  int rc = entries_of(txn, rows, row_count);
  if (rc == MDB_SUCCESS) rc = entries_of(txn, index, key_count);
  agree = rc == MDB_SUCCESS && row_count == key_count;
  return rc;
}

int rebuild_index_if_counts_differ(
    MDB_txn* txn, MDB_dbi rows, MDB_dbi index,
    const std::function<std::optional<std::string>(std::string_view key, std::string_view value)>&
        index_key_of) {
  bool agree = false;
  int rc = index_counts_agree(txn, rows, index, agree);
  if (rc != MDB_SUCCESS || agree) return rc;
  rc = mdb_drop(txn, index, 0);
  lmdb_cursor cursor;
  if (rc == MDB_SUCCESS) rc = cursor.open(txn, rows);
  std::string_view key, value;
  for (auto op = MDB_FIRST; rc == MDB_SUCCESS; op = MDB_NEXT) {
    rc = cursor.get(key, value, op);
    if (rc != MDB_SUCCESS) break;
    if (auto index_key = index_key_of(key, value)) rc = lmdb_put(txn, index, *index_key, {});
  }
  return rc == MDB_NOTFOUND ? MDB_SUCCESS : rc;
}

}  // namespace escrowd::storage
