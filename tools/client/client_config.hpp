// The client library's settings and every bound it works within (style.md "Limits"), shared
// by the synchronous client (client.hpp) and the pipelined one (async_client.hpp).
// Thread affinity: none; a value copied into a client at construction.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace escrowd::client {

namespace defaults {
using std::chrono::milliseconds;
// Four retries after the first attempt: with the delays below a request gives up after
// roughly 1.5 s of backoff on a server that keeps failing, long enough to ride out a restart
// of the storage writer, short enough for a load test to notice a dead server.
inline constexpr std::size_t retries_max = 4;
inline constexpr milliseconds retry_delay_ms_initial{50};
inline constexpr milliseconds retry_delay_ms_max{2'000};
// A Retry-After longer than this is cut to it: a load generator must not sleep for minutes.
inline constexpr milliseconds retry_after_ms_max{10'000};
inline constexpr milliseconds request_timeout_ms{10'000};
inline constexpr milliseconds connect_timeout_ms{2'000};
// A /v1/batch answer of 8,190 operations runs to a few MiB; nothing else comes close.
inline constexpr std::size_t response_body_bytes_max = 64 * 1024 * 1024;
inline constexpr std::size_t response_header_bytes_max = 16 * 1024;
inline constexpr std::size_t connections_max = 4096;
// escrowd reads at most 64 requests ahead of its answers on one connection (server_config).
inline constexpr std::size_t pipeline_depth_max = 64;
// Calls queued in an async_client beyond what its connections carry; past this the client
// answers at once with a transport error instead of growing without bound.
inline constexpr std::size_t backlog_calls_max = 1'000'000;

static_assert(retry_delay_ms_initial <= retry_delay_ms_max);
static_assert(connect_timeout_ms <= request_timeout_ms);
}  // namespace defaults

// Why a call is being retried; passed to the retry observer.
enum class retry_reason : std::uint8_t {
  transport,               // connection refused, reset or closed before an answer
  timeout,                 // no answer within request_timeout_ms
  server_error,            // 5xx: nothing was committed (api.md)
  rate_limited,            // 429
  idempotency_key_in_use,  // 409: the first attempt with this key is still running
};

std::string_view to_string(retry_reason reason);

struct retry_event {
  unsigned attempt = 0;  // the attempt that failed, counted from 1
  retry_reason reason = retry_reason::transport;
  std::chrono::milliseconds delay{0};  // how long the client waits before the next attempt
  std::string_view idempotency_key;    // empty on GET
};

struct client_config {
  std::string host = "127.0.0.1";  // an IP literal or a name resolved once, at construction
  std::uint16_t port = 8080;
  // Sent as "Authorization: Bearer <api_key>" unless a request names its own key.
  std::string api_key;

  std::size_t retries_max = defaults::retries_max;
  // Full jitter (the AWS architecture blog's name): retry n (from 0) waits a uniformly random
  // time in [0, min(retry_delay_ms_max, retry_delay_ms_initial * 2^n)].
  std::chrono::milliseconds retry_delay_ms_initial = defaults::retry_delay_ms_initial;
  std::chrono::milliseconds retry_delay_ms_max = defaults::retry_delay_ms_max;
  std::chrono::milliseconds retry_after_ms_max = defaults::retry_after_ms_max;
  std::chrono::milliseconds request_timeout_ms = defaults::request_timeout_ms;
  std::chrono::milliseconds connect_timeout_ms = defaults::connect_timeout_ms;
  std::size_t response_body_bytes_max = defaults::response_body_bytes_max;

  // The pipelined client only: how many connections it keeps open and how many requests it
  // writes ahead of their answers on each.
  std::size_t connections_count = 1;
  std::size_t pipeline_depth = 1;

  // Called before every retry's wait, on the thread running the request. Optional.
  std::function<void(const retry_event&)> on_retry;
};

}  // namespace escrowd::client
