// bridge: turns a facade call (command + completion callback) into a request to the
// directory, and calls the completion with the answer (protocol: bridge_actor). It lets
// non-actor threads (HTTP I/O) use the actors without blocking on them.
// Every request is answered within request_deadline: the bridge keeps its unanswered
// requests in order of age and answers `timeout` for those past it at its periodic sweep
// (a late answer then finds nothing and is dropped). One timer for the bridge instead of
// one CAF request timeout per request: CAF 0.17 sends each of those through its clock
// thread twice (set, then cancel), which cost ~9% of the server's CPU under load.
// Lifetime: one per actor system, owned by the ledger facade.
#pragma once

#include <caf/typed_event_based_actor.hpp>
#include <chrono>
#include <cstdint>
#include <map>

#include "actors/actors.hpp"

namespace escrowd::actors {

// How long a request may take end to end before the caller hears `timeout`; generous
// because a commit under a full disk or a slow fsync can take long, and the client retries
// with its idempotency key anyway.
inline constexpr auto request_deadline = std::chrono::seconds(60);
inline constexpr auto bridge_sweep_interval = std::chrono::seconds(1);

struct unanswered_request {
  std::chrono::steady_clock::time_point deadline;
  completion_handle done;
  response_renderer render;  // renders the timeout in the request's own shape
};

struct bridge_state {
  // Declared so the state is no aggregate: CAF 0.17 constructs a state from the self
  // pointer when it can, and an aggregate whose first member is a handle qualifies.
  bridge_state() = default;
  directory_actor directory;
  std::chrono::steady_clock::duration deadline = request_deadline;
  // By sequence number, which is also the order of their deadlines.
  std::map<std::uint64_t, unanswered_request> unanswered;
  std::uint64_t next_sequence = 0;
  static inline const char* name = "bridge";
};

// `deadline`: request_deadline outside tests.
bridge_actor::behavior_type bridge(bridge_actor::stateful_pointer<bridge_state> self,
                                   directory_actor directory,
                                   std::chrono::steady_clock::duration deadline);

}  // namespace escrowd::actors
