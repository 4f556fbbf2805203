// The walk both reapers share: a time-ordered index (idempotency_expiry,
// webhook_event_times) taken from its oldest key, one bounded chunk per write transaction.
// Thread affinity: the caller's write transaction.
#pragma once

#include <lmdb.h>

#include <cstddef>
#include <optional>
#include <string_view>

#include "storage/lmdb_env.hpp"

namespace escrowd::storage {

// Visits up to `limit` keys of `index`, oldest first. `reap_row(key, value)` returns
// nullopt for a key not yet due, which ends the walk and stays; otherwise the LMDB code of
// deleting the row the key names (MDB_NOTFOUND counts as done: a stale key), after which
// the key is deleted. Returns the LMDB code.
template <class ReapRow>
[[nodiscard]] int reap_index_from_oldest(MDB_txn* txn, MDB_dbi index, std::size_t limit,
                                         ReapRow reap_row) {
  lmdb_cursor cursor;
  int rc = cursor.open(txn, index);
  std::string_view key, value;
  for (std::size_t handled = 0; rc == MDB_SUCCESS && handled < limit; ++handled) {
    rc = cursor.get(key, value, MDB_FIRST);
    if (rc != MDB_SUCCESS) break;
    const std::optional<int> reaped = reap_row(key, value);
    if (!reaped) break;
    rc = *reaped == MDB_NOTFOUND ? MDB_SUCCESS : *reaped;
    if (rc == MDB_SUCCESS) rc = cursor.del();
  }
  return rc == MDB_NOTFOUND ? MDB_SUCCESS : rc;
}

}  // namespace escrowd::storage
