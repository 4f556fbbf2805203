#include "storage/webhook_event_index.hpp"

#include <string>
#include <string_view>

#include "storage/index_reaping.hpp"
#include "storage/keys.hpp"
#include "storage/meta_codec.hpp"

namespace escrowd::storage {
namespace {

int entries_of(MDB_txn* txn, MDB_dbi table, std::size_t& entries) {
  MDB_stat stat{};
  const int rc = mdb_stat(txn, table, &stat);
  entries = stat.ms_entries;
  return rc;
}

}  // namespace

int index_webhook_events_if_needed(MDB_txn* txn, const table_handles& tables) {
  std::size_t events = 0, indexed = 0;
  int rc = entries_of(txn, tables.webhook_events, events);
  if (rc == MDB_SUCCESS) rc = entries_of(txn, tables.webhook_event_times, indexed);
  if (rc != MDB_SUCCESS || events == indexed) return rc;
  rc = mdb_drop(txn, tables.webhook_event_times, 0);
  lmdb_cursor cursor;
  if (rc == MDB_SUCCESS) rc = cursor.open(txn, tables.webhook_events);
  std::string_view key, value;
  for (auto op = MDB_FIRST; rc == MDB_SUCCESS; op = MDB_NEXT) {
    rc = cursor.get(key, value, op);
    if (rc != MDB_SUCCESS) break;
    auto event = decode_webhook_event(value);
    if (!event || event->event_id != key) continue;
    rc = lmdb_put(txn, tables.webhook_event_times,
                  webhook_event_time_key(event->processed_at, event->event_id), {});
  }
  return rc == MDB_NOTFOUND ? MDB_SUCCESS : rc;
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
