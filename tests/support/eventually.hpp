// true_within: waits for something another thread (an actor, a server) brings about,
// polling every 20 ms. A bound, not a measurement: tests assert what happened, never how
// fast (style.md "Tests and benchmarks").
// Thread affinity: the test's thread.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace escrowd::testing {

// Whether `condition` held at some poll before `deadline` passed (or at the last one).
inline bool true_within(std::chrono::milliseconds deadline,
                        const std::function<bool()>& condition) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return condition();
}

}  // namespace escrowd::testing
