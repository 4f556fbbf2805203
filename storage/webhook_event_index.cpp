#include "storage/webhook_event_index.hpp"

#include <string>
#include <string_view>

#include "storage/index_reaping.hpp"
#include "storage/index_rebuild.hpp"
#include "storage/keys.hpp"
#include "storage/meta_codec.hpp"

namespace escrowd::storage {

int index_webhook_events_if_needed(MDB_txn* txn, const table_handles& tables) {
  return rebuild_index_if_counts_differ(
      txn, tables.webhook_events, tables.webhook_event_times,
      [](std::string_view key, std::string_view value) -> std::optional<std::string> {
        auto event = decode_webhook_event(value);
        if (!event || event->event_id != key) return std::nullopt;
        return webhook_event_time_key(event->processed_at, event->event_id);
      });
}

int reap_webhook_events_chunk(MDB_txn* txn, const table_handles& tables,
                              std::int64_t processed_before, std::size_t limit,
                              std::size_t& reaped) {
  return reap_index_from_oldest(txn, tables.webhook_event_times, limit,
                                [&](std::string_view key, std::string_view) -> std::optional<int> {
                                  if (key.size() <= 8) return MDB_SUCCESS;
                                  const std::int64_t processed_at =
                                      unbias_time(read_big_endian(key));
                                  if (processed_at >= processed_before) return std::nullopt;
                                  // A copy: the key views a page the delete below may rewrite.
                                  const std::string event_id(key.substr(8));
                                  std::string_view stored;
                                  int rc = lmdb_get(txn, tables.webhook_events, event_id, stored);
                                  if (rc != MDB_SUCCESS) return rc;
                                  auto event = decode_webhook_event(stored);
                                  if (!event || event->processed_at != processed_at)
                                    return MDB_SUCCESS;
                                  rc = lmdb_del(txn, tables.webhook_events, event_id);
                                  if (rc == MDB_SUCCESS) ++reaped;
                                  return rc;
                                });
}

}  // namespace escrowd::storage
