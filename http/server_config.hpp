// Every bound of the HTTP transport in one place (style.md "Limits"), with the defaults the
// server runs with. Thread affinity: none; a value copied into the server at construction.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/result.hpp"

namespace escrowd::http {

namespace defaults {
using std::chrono::milliseconds;
inline constexpr std::size_t request_header_bytes_max = 16 * 1024;
inline constexpr std::size_t request_body_bytes_max = 1024 * 1024;
// POST /v1/batch carries up to 8,190 operations (api.md): at ~140 bytes for a small task
// creation that alone passes 1 MiB.
inline constexpr std::size_t batch_body_bytes_max = 8 * 1024 * 1024;
inline constexpr std::size_t pipelined_requests_max = 64;
inline constexpr std::size_t connections_max = 1024;
inline constexpr std::size_t rejected_connections_max = 64;
inline constexpr milliseconds waiting_evictable_after_ms{1'000};
inline constexpr std::size_t answer_bytes_owed_max = 256 * 1024;
inline constexpr std::size_t linger_bytes_max = 1024 * 1024;
inline constexpr milliseconds header_timeout_ms{10'000};
inline constexpr milliseconds body_timeout_ms{30'000};
inline constexpr milliseconds idle_timeout_ms{60'000};
inline constexpr milliseconds write_timeout_ms{30'000};
inline constexpr milliseconds linger_timeout_ms{1'000};
inline constexpr milliseconds stop_timeout_ms{5'000};

// The header limit counts the request line, so it must leave room for the longest target
// the API uses; and a body bigger than the headers is the whole point of a JSON API.
static_assert(request_header_bytes_max >= 4 * 1024);
static_assert(request_body_bytes_max >= request_header_bytes_max);
static_assert(batch_body_bytes_max >= request_body_bytes_max);
// Lingering must at least swallow one maximal rejected body, or the 413 reaching the client
// is raced by a reset (the reason lingering exists; see session.hpp).
static_assert(linger_bytes_max >= request_body_bytes_max);
static_assert(header_timeout_ms <= body_timeout_ms);
}  // namespace defaults

struct server_config {
  std::string listen_address = "127.0.0.1";  // an IPv4 or IPv6 literal; no name lookup
  std::uint16_t port = 8080;                 // 0 picks a free port; start() returns it
  // One I/O thread parses and writes about 100k small requests/s; the actors and a load
  // generator need the other core of a 2-core machine more than a second I/O thread does.
  std::size_t io_threads_count = 1;
  std::size_t listen_backlog_max = 1024;

  // Connections served at once. Over the cap, up to rejected_connections_max more are
  // accepted, read one request header, answered 503 `overloaded` with Connection: close and
  // closed (a client learns why, instead of seeing a bare reset); beyond that, accepted
  // connections are closed at once.
  std::size_t connections_max = defaults::connections_max;
  std::size_t rejected_connections_max = defaults::rejected_connections_max;
  // At the cap, a new connection takes the place of the served one that has waited longest
  // for a whole request with nothing owed to it (idle keep-alive, or a header or body still
  // trickling in), if it has waited this long: idle or slow connections cannot lock others
  // out. The price: under a flood of new connections, idle keep-alive clients are closed
  // and reconnect.
  std::chrono::milliseconds waiting_evictable_after_ms = defaults::waiting_evictable_after_ms;

  // Requests read ahead of their responses on one connection; reading pauses at the cap.
  std::size_t pipelined_requests_max = defaults::pipelined_requests_max;
  // Reading also pauses while the answers ready but not yet written on one connection hold
  // this many body bytes (a client that pipelines without reading cannot pile up answers).
  std::size_t answer_bytes_owed_max = defaults::answer_bytes_owed_max;
  std::size_t request_header_bytes_max = defaults::request_header_bytes_max;  // 431 above
  std::size_t request_body_bytes_max = defaults::request_body_bytes_max;      // 413 above
  std::size_t batch_body_bytes_max = defaults::batch_body_bytes_max;  // the same, for batch_path
  std::string batch_path = "/v1/batch";

  // Deadlines. header: from a request's first byte to its last header byte. body: from the
  // end of the header to the end of the body; a new connection's wait for its first byte
  // too. idle: a keep-alive connection that owes no response and has no request started.
  // write: one batch of responses to the socket.
  // A connection that misses a deadline is closed without an answer (it is too slow to
  // read one anyway).
  std::chrono::milliseconds header_timeout_ms = defaults::header_timeout_ms;
  std::chrono::milliseconds body_timeout_ms = defaults::body_timeout_ms;
  std::chrono::milliseconds idle_timeout_ms = defaults::idle_timeout_ms;
  std::chrono::milliseconds write_timeout_ms = defaults::write_timeout_ms;

  // After a response with Connection: close, unread request bytes are read and discarded
  // for this long (or this many bytes) before closing, so the kernel does not answer them
  // with a reset that destroys the response in the client's receive buffer.
  std::chrono::milliseconds linger_timeout_ms = defaults::linger_timeout_ms;
  std::size_t linger_bytes_max = defaults::linger_bytes_max;

  // How long stop() waits for answers already promised to be written before it closes.
  std::chrono::milliseconds stop_timeout_ms = defaults::stop_timeout_ms;
};

// ok, or parameter_invalid with the offending field's name as `param`.
[[nodiscard]] status validate(const server_config& config);

}  // namespace escrowd::http
