// Plain counters of the storage layer, read by the metrics layer (style.md: engine and
// storage return stats structs; only actors/http touch prometheus).
// Thread affinity: none; a snapshot copied out under the store's lock.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>

#include "engine/error_code.hpp"

namespace escrowd::storage {

// Batch sizes in power-of-two buckets: bucket i counts batches of 2^i .. 2^(i+1)-1 records;
// the last bucket also takes everything larger.
inline constexpr std::size_t batch_size_buckets = 14;

[[nodiscard]] inline std::size_t batch_size_bucket(std::size_t records) {
  if (records == 0) return 0;
  const auto bucket = std::size_t(std::bit_width(records)) - 1;
  return bucket < batch_size_buckets ? bucket : batch_size_buckets - 1;
}

struct storage_stats {
  std::uint64_t batches = 0;           // committed write transactions (each one sync)
  std::uint64_t syncs = 0;             // durable commits: LMDB fdatasync + meta page write
  std::uint64_t records_applied = 0;   // records that committed
  std::uint64_t records_rejected = 0;  // records refused (insufficient_funds, ...)
  std::uint64_t batches_failed = 0;    // batches lost to storage_full / storage_failed
  std::array<std::uint64_t, batch_size_buckets> batch_size_counts{};
  std::uint64_t commit_ns_total = 0;  // time in commit_batch of committed batches
  std::uint64_t commit_ns_max = 0;
  std::uint64_t map_size_bytes = 0;
  std::uint64_t map_used_bytes = 0;  // pages in use (last page number times page size)
  std::uint64_t map_growths = 0;
  std::uint64_t last_sequence = 0;
  std::uint64_t idempotency_reaped = 0;
  std::uint64_t webhook_events_reaped = 0;
  bool failed = false;           // sticky: writes refused until reload
  std::uint64_t recoveries = 0;  // reopenings that cleared a sticky failure
  error_code failure = error_code::ok;
  int failure_system_code = 0;  // the LMDB / errno code behind `failure`, for the logs
};

}  // namespace escrowd::storage
