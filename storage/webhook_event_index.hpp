// webhook_event_times: the index that lets processed webhook events be deleted oldest
// first (FORMAT.md "Tables"). An event row is kept so a redelivery is recognised; past the
// processor's retry window (Stripe: 3 days) a redelivery no longer comes, and a late copy
// would only meet an operation already settled, which settles nothing twice.
// Thread affinity: the caller's write transaction.
#pragma once

#include <lmdb.h>

#include <cstddef>
#include <cstdint>

#include "storage/lmdb_env.hpp"

namespace escrowd::storage {

// Builds the index from webhook_events when their counts differ: a store written before
// the index existed, or by a binary that did not keep it. Rows that cannot be read are
// left out (verify reports them). Returns the LMDB code.
[[nodiscard]] int index_webhook_events_if_needed(MDB_txn* txn, const table_handles& tables);

// Handles up to `limit` index keys of events processed before `processed_before`, oldest
// first, deleting each event row with its key. A key whose row is gone, unreadable or of
// another time is only dropped. Adds the rows deleted to `reaped`. Returns the LMDB code.
[[nodiscard]] int reap_webhook_events_chunk(MDB_txn* txn, const table_handles& tables,
                                            std::int64_t processed_before, std::size_t limit,
                                            std::size_t& reaped);

}  // namespace escrowd::storage
