// Tests the ledger's clock (actors/ledger_clock.hpp) on scripted readings of the elapsed
// time and the system clock: it starts at the system clock, follows it while the two agree,
// never goes backwards when the system clock is stepped back, absorbs a step forward
// instead of jumping, and meets a stepped clock again at the bounded rate.
#include "actors/ledger_clock.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>

namespace escrowd::actors::testing {
namespace {

constexpr std::int64_t second = 1'000'000'000;
constexpr std::int64_t hour = 3'600 * second;
constexpr std::int64_t start = 1'800'000'000 * second;

class ledger_clock_test : public ::testing::Test {
 protected:
  // Real time passes: both readings move on.
  void pass(std::int64_t ns) {
    elapsed_ += ns;
    system_ += ns;
  }
  void step_system_clock(std::int64_t ns) { system_ += ns; }

  std::int64_t elapsed_ = 5 * second;
  std::int64_t system_ = start;
  ledger_clock clock_{[this] { return elapsed_; }, [this] { return system_; }};
};

TEST_F(ledger_clock_test, follows_the_system_clock_while_it_is_not_stepped) {
  EXPECT_EQ(clock_.now_ns(), start);
  for (int i = 0; i < 100; ++i) {
    pass(37 * second / 10);
    EXPECT_EQ(clock_.now_ns(), system_);
  }
}

TEST_F(ledger_clock_test, a_step_forward_is_absorbed_not_jumped) {
  (void)clock_.now_ns();
  step_system_clock(25 * hour);  // past a day's idempotency retention
  pass(12 * second);
  const auto after = clock_.now_ns();
  // 12 s passed: at most 12 s + 5% of them.
  EXPECT_GE(after, start + 12 * second);
  EXPECT_LE(after, start + 12 * second + 12 * second / ledger_clock::drift_divisor);
}

TEST_F(ledger_clock_test, a_step_back_never_turns_time_back) {
  (void)clock_.now_ns();
  pass(10 * second);
  const auto before_step = clock_.now_ns();
  step_system_clock(-hour);
  std::int64_t last = before_step;
  for (int i = 0; i < 1'000; ++i) {
    pass(second);
    const auto now = clock_.now_ns();
    EXPECT_GE(now, last);
    // Time runs at least 95% of real time: a review window still lapses.
    EXPECT_GE(now - last, second - second / ledger_clock::drift_divisor);
    last = now;
  }
}

TEST_F(ledger_clock_test, meets_a_stepped_clock_again_at_the_bounded_rate) {
  (void)clock_.now_ns();
  step_system_clock(hour);
  // 20 hours of real time close a 1 hour step (5% of the time elapsed); then they agree.
  for (int i = 0; i < 20 * 60; ++i) pass(60 * second);
  EXPECT_EQ(clock_.now_ns(), system_);
  pass(second);
  EXPECT_EQ(clock_.now_ns(), system_);
}

TEST_F(ledger_clock_test, elapsed_time_that_goes_backwards_counts_as_none) {
  (void)clock_.now_ns();
  pass(second);
  const auto now = clock_.now_ns();
  elapsed_ -= 3 * second;  // cannot happen with CLOCK_BOOTTIME; must not turn time back
  EXPECT_GE(clock_.now_ns(), now);
}

TEST(process_ledger_clock, starts_at_the_system_clock) {
  const auto ledger_s = process_ledger_clock().now_ns() / second;
  EXPECT_LE(std::abs(ledger_s - system_unix_now()), 1);
}

}  // namespace
}  // namespace escrowd::actors::testing
