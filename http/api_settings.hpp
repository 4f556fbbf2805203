// The API's own bounds and retention, above the transport's (server_config.hpp).
// Thread affinity: none; copied into the router at construction.
#pragma once

#include <cstddef>
#include <cstdint>

namespace escrowd::http {

inline constexpr std::int64_t idempotency_retention_s_default = 24 * 60 * 60;
inline constexpr std::size_t batch_operations_max_default = 8190;
inline constexpr std::size_t idempotency_key_length_max = 255;
inline constexpr std::size_t owner_length_max = 255;
inline constexpr std::size_t submission_length_max = 64 * 1024;
inline constexpr std::size_t reason_length_max = 4 * 1024;

struct api_settings {
  std::int64_t idempotency_retention_s = idempotency_retention_s_default;
  std::size_t batch_operations_max = batch_operations_max_default;
};

}  // namespace escrowd::http
