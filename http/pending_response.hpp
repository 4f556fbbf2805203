// The shared state behind a `responder`: which connection and which slot of its pipeline an
// answer belongs to, and whether it was answered. Internal to the transport; Beast-free.
//
// Thread affinity: any thread. `complete` may race with the connection closing and with
// server::stop(): the connection is held weakly, and the `response_gate` (closed by stop()
// before the io_context goes away) guarantees nothing is posted to a dead io_context.
// Lifetimes: one per request; lives as long as the longest-lived responder copy.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <shared_mutex>

#include "http/request.hpp"

namespace escrowd::http::detail {

// Something that accepts the answer to its request number `sequence` from any thread: a
// session, which posts it onto its strand.
class response_target {
 public:
  virtual void deliver(std::uint64_t sequence, response answer) = 0;

 protected:
  ~response_target() = default;
};

// Open while the server's io_context can take posted work. Readers: every completion
// (shared lock, so completions on many actor threads do not serialize). Writer: stop().
struct response_gate {
  std::shared_mutex mutex;
  bool open = true;  // guarded by mutex
};

class pending_response {
 public:
  pending_response(std::shared_ptr<response_gate> gate, std::weak_ptr<response_target> target,
                   std::uint64_t sequence);
  // Answers 500 if no responder copy answered: see `responder`.
  ~pending_response();

  pending_response(const pending_response&) = delete;
  pending_response& operator=(const pending_response&) = delete;

  // The first call delivers; later calls return without effect.
  void complete(response answer);

 private:
  void deliver(response answer);

  std::shared_ptr<response_gate> gate_;
  std::weak_ptr<response_target> target_;
  std::uint64_t sequence_;
  std::atomic<bool> answered_{false};
};

}  // namespace escrowd::http::detail
