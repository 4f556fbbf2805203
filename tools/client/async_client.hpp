// The pipelined client of escrowd's v1 API, for load generation: up to connections_count
// keep-alive connections, each carrying up to pipeline_depth requests written ahead of their
// answers, with the same key and retry behaviour as the synchronous client (client.hpp). Calls
// beyond what the connections carry wait in a backlog, in order; retries go to its front.
//
// Thread affinity: single-threaded. Construct it, call send() and close(), and receive every
// completion on the one thread that runs the io_context. Shard across io_contexts (one client
// each) to use more threads.
// Lifetimes: completions run from the io_context. close() completes every call still owed
// (answered == false, "client closed") and lets io_context::run() return once in-flight
// socket operations have unwound. Destroy the client before its io_context; destruction
// closes it without running the completions still owed.
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <memory>

#include "tools/client/api_call.hpp"
#include "tools/client/client_config.hpp"

namespace escrowd::client {

namespace detail {
class async_core;
}  // namespace detail

struct async_client_stats {
  std::uint64_t connections_opened = 0;
  std::uint64_t retries = 0;
  std::uint64_t timeouts = 0;  // attempts abandoned for want of an answer
  std::uint64_t backlog_peak = 0;
};

class async_client {
 public:
  using completion = std::function<void(api_result)>;

  async_client(boost::asio::io_context& io, client_config config);
  ~async_client();

  async_client(const async_client&) = delete;
  async_client& operator=(const async_client&) = delete;

  // Queues the request; `done` runs once with its final result. A write without a key gets a
  // fresh one here, reused by every retry.
  void send(api_request request, completion done);

  // Calls written or queued and not yet completed.
  [[nodiscard]] std::size_t outstanding() const;
  [[nodiscard]] async_client_stats stats() const;

  void close();

 private:
  std::shared_ptr<detail::async_core> core_;
};

}  // namespace escrowd::client
