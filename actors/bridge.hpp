// bridge: turns a facade call (command + completion callback) into a request to the
// directory, and calls the completion with the answer (protocol: bridge_actor). It lets
// non-actor threads (HTTP I/O) use the actors without blocking on them.
// Lifetime: one per actor system, owned by the ledger facade.
#pragma once

#include <caf/typed_event_based_actor.hpp>

#include "actors/actors.hpp"

namespace escrowd::actors {

struct bridge_state {
  // Declared so the state is no aggregate: CAF 0.17 constructs a state from the self
  // pointer when it can, and an aggregate whose first member is a handle qualifies.
  bridge_state() = default;
  directory_actor directory;
  static inline const char* name = "bridge";
};

bridge_actor::behavior_type bridge(bridge_actor::stateful_pointer<bridge_state> self,
                                   directory_actor directory);

}  // namespace escrowd::actors
