// The HTTP/1.1 transport the v1 API runs on: owns the io_context and its I/O threads, accepts
// connections and hands every complete request to one request_handler (request.hpp).
// Routing and endpoints live above it; Beast and Asio stay behind the pimpl, so includers
// of this header compile without them.
//
// Thread affinity: construct, start(), stop() and destroy from one controlling thread (the
// composition root). The handler is called on the I/O threads.
// Lifetimes: the handler must outlive the server. After stop() returns no handler call is
// in progress and no more are made; responders called later do nothing.
#pragma once

#include <cstdint>
#include <memory>

#include "engine/result.hpp"
#include "http/request.hpp"
#include "http/server_config.hpp"

namespace escrowd::http {

class server {
 public:
  server(server_config config, request_handler& handler);
  ~server();  // stop()s if still running

  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // Validates the config, binds (port 0 picks a free port) and starts io_threads_count I/O
  // threads. Returns the bound port, or parameter_invalid / internal with the config field
  // to blame as `param`. Call at most once.
  [[nodiscard]] result<std::uint16_t> start();

  // Stops accepting and reading new requests; waits up to stop_timeout_ms for the answers
  // still owed to be handed back and written; then closes every connection and joins the
  // I/O threads. Idempotent.
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace escrowd::http
