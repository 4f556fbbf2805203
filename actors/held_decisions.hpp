// held_decisions: the decisions an entity actor holds while it cannot decide (stale, or a
// cross-actor decision out), run in arrival order when it can again; a decision retried
// after a reload goes back to the front (push_front). Most entities never hold one, hence
// a head_vector rather than a std::deque.
// Thread affinity: the owning actor's handlers only.
#pragma once

#include <functional>

#include "actors/head_vector.hpp"

namespace escrowd::actors {

using held_decisions = head_vector<std::function<void()>>;

}  // namespace escrowd::actors
