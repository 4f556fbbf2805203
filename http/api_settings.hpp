// The API's own bounds and retention, above the transport's (server_config.hpp).
// Thread affinity: none; copied into the router at construction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace escrowd::http {

inline constexpr std::int64_t idempotency_retention_s_default = 24 * 60 * 60;
inline constexpr std::size_t batch_operations_max_default = 8190;
inline constexpr std::size_t idempotency_key_length_max = 255;

// api.md: 1..255 printable ASCII characters (the header's, and a batch operation's own).
inline bool is_valid_idempotency_key(std::string_view key) {
  if (key.empty() || key.size() > idempotency_key_length_max) return false;
  for (char c : key)
    if (c < 0x20 || c > 0x7e) return false;
  return true;
}
// Text fields are bounded by the engine's limits (owner_length_max, submission_length_max,
// dispute_reason_length_max), checked here too so that a too-long field is refused before
// execution and not stored under the request's Idempotency-Key.

// A batch's reads may answer far more than its request carries (8,190 entry listings of
// 100 entries each: 230 MB from a 600 KB request), and the answer is built in memory.
// Reads past these bounds answer an error instead: one batch's answer, and the answers of
// all batches in flight together (the server's memory, whoever sends them).
inline constexpr std::size_t batch_answer_bytes_max_default = 32 << 20;
inline constexpr std::size_t batch_answers_in_flight_bytes_max_default = 256 << 20;

struct api_settings {
  std::int64_t idempotency_retention_s = idempotency_retention_s_default;
  std::size_t batch_operations_max = batch_operations_max_default;
  std::size_t batch_answer_bytes_max = batch_answer_bytes_max_default;
  std::size_t batch_answers_in_flight_bytes_max = batch_answers_in_flight_bytes_max_default;
};

}  // namespace escrowd::http
