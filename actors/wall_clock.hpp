// The wall clock in Unix seconds, read only at the edges of the actor system (timers, the
// facade's callers); the engine never reads a clock, it is handed `now`.
// Thread affinity: none.
#pragma once

#include <chrono>
#include <cstdint>

namespace escrowd::actors {

[[nodiscard]] inline std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace escrowd::actors
