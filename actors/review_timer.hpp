// review_timer: releases submitted tasks whose review window lapsed (api.md "Review
// window": the worker is protected from silence). It scans storage's deadline index, not
// memory, so windows that lapsed while the server was down are released after a restart.
// Each due task gets one lapse command through the directory; the task actor decides (a
// task approved or disputed meanwhile just answers invalid_state_transition).
// Lifetime: one per actor system, owned by the ledger facade; the store outlives it.
#pragma once

#include <caf/typed_event_based_actor.hpp>
#include <chrono>
#include <string>
#include <unordered_set>

#include "actors/actors.hpp"

namespace escrowd::storage {
class ledger_store;
}
namespace escrowd::actors::telemetry {
class metrics;
}

namespace escrowd::actors {

struct review_timer_state {
  storage::ledger_store* store = nullptr;
  directory_actor directory;
  std::chrono::milliseconds interval{0};
  std::unordered_set<std::string> lapsing;  // lapse commands still out
  telemetry::metrics* metrics = nullptr;    // may be null
  static inline const char* name = "review_timer";
};

review_timer_actor::behavior_type review_timer(
    review_timer_actor::stateful_pointer<review_timer_state> self, storage::ledger_store* store,
    directory_actor directory, std::chrono::milliseconds interval, telemetry::metrics* metrics);

}  // namespace escrowd::actors
