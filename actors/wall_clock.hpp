// The ledger's time in Unix seconds (ledger_clock.hpp: the system clock's time, but never
// backwards and never a jump), read only at the edges of the actor system (timers, the
// facade's callers); the engine never reads a clock, it is handed `now`.
// Thread affinity: none.
#pragma once

#include <cstdint>

#include "actors/ledger_clock.hpp"

namespace escrowd::actors {

[[nodiscard]] inline std::int64_t unix_now() {
  return process_ledger_clock().now_ns() / 1'000'000'000;
}

// Whole seconds of ledger time `delay_ms` from now, rounded up.
[[nodiscard]] inline std::int64_t unix_seconds_after_ms(std::int64_t delay_ms) {
  const std::int64_t due_ns = process_ledger_clock().now_ns() + delay_ms * 1'000'000;
  return (due_ns + 999'999'999) / 1'000'000'000;
}

}  // namespace escrowd::actors
