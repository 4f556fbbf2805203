// When to retry a request and how long to wait first: the decisions Stripe's client libraries
// make (processor-notes.md "How Stripe's own client libraries retry"), adapted to escrowd's
// codes. Pure functions: no clock, no randomness of their own, so they are tested directly.
// Thread affinity: none.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "tools/client/client_config.hpp"

namespace escrowd::client {

// What one attempt produced.
struct attempt_outcome {
  bool answered = false;   // an HTTP answer arrived
  bool timed_out = false;  // meaningful when !answered
  unsigned status = 0;
  std::string_view body;
  std::optional<std::chrono::milliseconds> retry_after;  // parsed Retry-After, if any
};

struct retry_decision {
  bool retry = false;
  retry_reason reason = retry_reason::transport;
  // The server's own Retry-After (429 or 503), which replaces the jittered backoff.
  std::optional<std::chrono::milliseconds> server_delay;
};

// Retried: no answer (connection error or timeout), any 5xx, 429 and 409
// `idempotency_key_in_use`. Never any other 4xx: a business rejection such as 409
// `insufficient_funds` is the stored, final answer to that key, and a 400 will not improve.
[[nodiscard]] retry_decision decide_retry(const attempt_outcome& outcome);

// Full jitter: uniform in [0, min(retry_delay_ms_max, retry_delay_ms_initial * 2^retry_index)]
// from `random_bits` (uniformly distributed). retry_index counts retries from 0.
[[nodiscard]] std::chrono::milliseconds backoff_delay(unsigned retry_index,
                                                      const client_config& config,
                                                      std::uint64_t random_bits);

// The wait before the next attempt: the server's Retry-After (cut to retry_after_ms_max) when
// it gave one, the jittered backoff otherwise.
[[nodiscard]] std::chrono::milliseconds retry_delay(const retry_decision& decision,
                                                    unsigned retry_index,
                                                    const client_config& config,
                                                    std::uint64_t random_bits);

// Retry-After as delta-seconds ("2"); nullopt for anything else, HTTP-dates included (escrowd
// never sends them, and a wrong guess at the clock would be worse than the backoff).
[[nodiscard]] std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value);

}  // namespace escrowd::client
