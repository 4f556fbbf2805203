// Every named bound of the storage layer, in one place (style.md "Limits"). Units last.
// Relations between bounds are static_asserted here so a change that breaks one fails to
// compile instead of failing on disk. Thread affinity: none; constants.
#pragma once

#include <cstddef>
#include <cstdint>

#include "engine/id.hpp"
#include "engine/task.hpp"

namespace escrowd::storage {

// Group commit: the largest batch one write transaction takes, and how many records may
// wait for the writer before submitters are pushed back.
inline constexpr std::size_t batch_records_max = 4096;
inline constexpr std::size_t queue_records_max = 4 * batch_records_max;
static_assert(queue_records_max >= batch_records_max, "a full batch must fit in the queue");

// Map: start large (sparse file, costs nothing until used), grow by doubling on
// MDB_MAP_FULL up to the ceiling; past the ceiling a batch fails with storage_full.
inline constexpr std::uint64_t map_size_bytes_initial_default = std::uint64_t{1} << 30;  // 1 GiB
inline constexpr std::uint64_t map_size_bytes_max_default = std::uint64_t{64} << 30;     // 64 GiB
inline constexpr std::uint64_t map_size_bytes_min = std::uint64_t{64} << 10;             // 64 KiB
static_assert(map_size_bytes_initial_default <= map_size_bytes_max_default);
static_assert(map_size_bytes_min <= map_size_bytes_initial_default);
// Map growths per batch: doubling from the minimum reaches 2^64 in fewer steps than this.
inline constexpr int map_growths_per_batch_max = 64;

// LMDB reports a short write as EIO; if the filesystem then has less than this free, the
// failure is taken as disk full (storage_full) rather than an I/O error.
inline constexpr std::uint64_t disk_free_bytes_full_max = std::uint64_t{1} << 20;  // 1 MiB
// After a full filesystem failed a batch, the store reopens itself (recover_from_failure)
// only once the filesystem has this much free again: less would fail the next batches
// again at once, turning /readyz on and off. A filesystem smaller than eight times this
// needs an eighth of its size (at least 2 MiB) instead (commit_batch.cpp).
inline constexpr std::uint64_t recovery_free_bytes_min_default = std::uint64_t{16} << 20;  // 16 MiB

// LMDB reader slots (one per concurrent read transaction) and named tables.
inline constexpr unsigned readers_max = 512;
inline constexpr unsigned tables_max = 16;
// Ended read transactions kept for reuse (storage/read_txn_pool.hpp): about one per thread
// that reads (I/O threads, actor workers, writer, gateway), far below readers_max.
inline constexpr std::size_t read_txns_kept_max = 32;
// Rows of each kind the writer keeps decoded (committed_rows.hpp): ~16 MiB of account
// rows and ~5 MiB of task standings at most.
inline constexpr std::size_t writer_kept_rows_max = 65'536;

// Strings inside stored values. A response body of a large batch request is the biggest.
inline constexpr std::size_t stored_string_bytes_max = std::size_t{64} << 20;  // 64 MiB
inline constexpr std::size_t short_string_bytes_max = 4096;  // ids, owners, reasons, codes
inline constexpr std::size_t legs_per_entry_max = 64;
static_assert(task_history_max <= 0xffff, "history count is a u16 on disk");
static_assert(legs_per_entry_max <= 0xffff, "leg count is a u16 on disk");

// Keys. LMDB's default maximum key size is 511 bytes.
inline constexpr std::size_t lmdb_key_bytes_max = 511;
inline constexpr std::size_t idempotency_scope_bytes_max = 128;
inline constexpr std::size_t idempotency_key_bytes_max = 255;
inline constexpr std::size_t outbox_key_bytes_max = 300;
inline constexpr std::size_t webhook_event_id_bytes_max = 255;
static_assert(1 + idempotency_scope_bytes_max + idempotency_key_bytes_max <= lmdb_key_bytes_max);
static_assert(8 + 1 + idempotency_scope_bytes_max + idempotency_key_bytes_max <= lmdb_key_bytes_max,
              "the expiry index key is a timestamp plus the record key");
static_assert(id_length_max + 1 + 8 <= lmdb_key_bytes_max);
static_assert(outbox_key_bytes_max <= lmdb_key_bytes_max);
static_assert(webhook_event_id_bytes_max <= lmdb_key_bytes_max);

// Reads and maintenance: bounded work per call.
inline constexpr std::size_t list_limit_max = 100;
inline constexpr std::size_t scan_limit_max = 10'000;
inline constexpr std::size_t reap_records_per_call_max = 1000;
inline constexpr std::size_t verify_problems_max = 100;
static_assert(list_limit_max <= scan_limit_max);

}  // namespace escrowd::storage
