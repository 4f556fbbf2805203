// fake_clock: test time that moves only when the test says so. The engine takes time as an
// argument (Unix seconds), so tests pass `clock.now()` and step it explicitly to reach
// deadlines such as a task's review window.
// Thread affinity: none; one test owns it. Lifetime: a plain value.
#pragma once

#include <cassert>
#include <cstdint>

namespace escrowd::testing {

class fake_clock {
 public:
  // 2023-11-14T22:13:20Z: a realistic Unix time, far from both ends of int64.
  static constexpr std::int64_t start_default_s = 1'700'000'000;

  explicit fake_clock(std::int64_t start_s = start_default_s) : now_s_(start_s) {}

  std::int64_t now() const { return now_s_; }

  // Time never runs backwards, as with a monotonic source.
  void advance(std::int64_t seconds) {
    assert(seconds >= 0);
    now_s_ += seconds;
  }

  void set(std::int64_t now_s) {
    assert(now_s >= now_s_);
    now_s_ = now_s;
  }

 private:
  std::int64_t now_s_;
};

}  // namespace escrowd::testing
