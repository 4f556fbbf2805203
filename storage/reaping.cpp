// ledger_store's reapers: expired idempotency records and old webhook events, each in
// small bounded write transactions beside the commit path.
#include <algorithm>
#include <optional>

#include "storage/idempotency_codec.hpp"
#include "storage/index_reaping.hpp"
#include "storage/keys.hpp"
#include "storage/ledger_store.hpp"
#include "storage/webhook_event_index.hpp"

namespace escrowd::storage {

result<std::size_t> ledger_store::reap_expired_idempotency(std::int64_t now, std::size_t limit) {
  return reap("reap", &storage_stats::idempotency_reaped, limit,
              [&](MDB_txn* txn, std::size_t bounded, std::size_t& reaped) {
                return reap_chunk(txn, now, bounded, reaped);
              });
}

result<std::size_t> ledger_store::reap_webhook_events(std::int64_t processed_before,
                                                      std::size_t limit) {
  return reap("reap_webhook_events", &storage_stats::webhook_events_reaped, limit,
              [&](MDB_txn* txn, std::size_t bounded, std::size_t& reaped) {
                return reap_webhook_events_chunk(txn, tables_, processed_before, bounded, reaped);
              });
}

result<std::size_t> ledger_store::reap(std::string_view param,
                                       std::uint64_t storage_stats::*reaped_total,
                                       std::size_t limit, const chunk_reaper& chunk) {
  limit = std::clamp<std::size_t>(limit, 1, reap_records_per_call_max);
  std::lock_guard write(write_mutex_);
  if (failed()) return error{error_code::storage_failed, "sticky"};
  if (options().read_only) return error{error_code::storage_failed, "read_only"};
  std::size_t reaped = 0;
  const int rc = write_with_growth([&](MDB_txn* txn) {
    reaped = 0;
    return chunk(txn, limit, reaped);
  });
  if (rc != MDB_SUCCESS) return write_failure(rc, param);
  std::lock_guard lock(stats_mutex_);
  stats_.*reaped_total += reaped;
  return reaped;
}

int ledger_store::reap_chunk(MDB_txn* txn, std::int64_t now, std::size_t limit,
                             std::size_t& reaped) {
  // The expiry index is ordered by time: the oldest come first, so each call handles a
  // bounded chunk of index keys and stops at the first one still alive. A key whose
  // record was replaced (or is gone) is stale: it is dropped without deleting anything.
  // So is a key that cannot be read, or whose record cannot: failing here would fail the
  // store (and again after every restart) for one unreadable value of a table that holds
  // no money. An unreadable record stays, so a retry under its key is refused, never run.
  return reap_index_from_oldest(
      txn, tables_.idempotency_expiry, limit,
      [&](std::string_view key, std::string_view value) -> std::optional<int> {
        if (key.size() < 8) return MDB_SUCCESS;
        const std::int64_t expires_at = unbias_time(read_big_endian(key));
        if (expires_at > now) return std::nullopt;
        auto record_key = decode_idempotency_expiry(value);
        if (!record_key || record_key->empty()) return MDB_SUCCESS;
        std::string_view stored;
        int rc = lmdb_get(txn, tables_.idempotency, *record_key, stored);
        if (rc != MDB_SUCCESS) return rc;
        auto record = decode_idempotency(stored);
        if (!record || record->expires_at != expires_at) return MDB_SUCCESS;
        rc = lmdb_del(txn, tables_.idempotency, *record_key);
        if (rc == MDB_SUCCESS) ++reaped;
        return rc;
      });
}

}  // namespace escrowd::storage
