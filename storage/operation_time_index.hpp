// operation_times: the operations in order of creation (FORMAT.md "Tables"), so that
// reconciliation reads the operations of its window instead of the whole history.
// Thread affinity: the caller's write transaction.
#pragma once

#include <lmdb.h>

#include "storage/lmdb_env.hpp"

namespace escrowd::storage {

// Builds the index from operations when their counts differ (a store written before the
// index existed, or by a binary that did not keep it). Rows that cannot be read are left
// out (verify reports them). Returns the LMDB code.
[[nodiscard]] int index_operations_if_needed(MDB_txn* txn, const table_handles& tables);

}  // namespace escrowd::storage
