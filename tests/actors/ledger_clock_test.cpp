// Tests the ledger's clock (actors/ledger_clock.hpp) on scripted readings of the elapsed
// time and the system clock: it starts at the system clock, follows it while the two agree,
// never goes backwards when the system clock is stepped back, absorbs a step forward
// instead of jumping, and meets a stepped clock again at the bounded rate; a checkpoint
// resumes it across a restart (actors/clock_checkpoint.hpp).
#include "actors/ledger_clock.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "actors/clock_checkpoint.hpp"

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

// A restart on the same boot resumes from the checkpoint plus the time elapsed since: a step
// of the system clock before the restart is absorbed as if the server had run through it.
TEST_F(ledger_clock_test, resumes_from_a_checkpoint_of_the_same_boot) {
  const clock_reading saved = clock_.checkpoint();
  EXPECT_EQ(saved.ledger_ns, start);
  EXPECT_EQ(saved.elapsed_ns, elapsed_);
  ledger_clock restarted{[this] { return elapsed_; }, [this] { return system_; }};
  pass(10 * second);
  step_system_clock(25 * hour);
  restarted.resume(saved, true);
  EXPECT_EQ(restarted.now_ns(), start + 10 * second);
  pass(second);
  EXPECT_LE(restarted.now_ns(), start + 11 * second + second / ledger_clock::drift_divisor);
}

// After a reboot the elapsed readings are not comparable: the saved time is a floor.
TEST_F(ledger_clock_test, after_a_reboot_the_checkpoint_is_a_floor) {
  const clock_reading saved{3 * second, start + hour};  // saved an hour ahead of now
  ledger_clock behind{[this] { return elapsed_; }, [this] { return system_; }};
  behind.resume(saved, false);
  EXPECT_EQ(behind.now_ns(), start + hour);
  ledger_clock ahead{[this] { return elapsed_; }, [this] { return system_; }};
  ahead.resume({3 * second, start - hour}, false);
  EXPECT_EQ(ahead.now_ns(), start);  // the system clock, later than the floor
}

TEST_F(ledger_clock_test, a_resume_never_turns_the_clock_back) {
  pass(hour);
  const auto before = clock_.now_ns();
  clock_.resume({elapsed_ - hour, start - hour}, true);  // a stale checkpoint
  EXPECT_GE(clock_.now_ns(), before);
  EXPECT_EQ(clock_.offset_ns(), 0);
}

TEST(clock_checkpoint, saves_and_loads_a_reading_and_refuses_anything_else) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("escrowd-clock-" + std::to_string(::getpid()) + "-" +
                    std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
  std::filesystem::create_directories(dir);
  const auto file = dir / clock_checkpoint_name;
  EXPECT_FALSE(load_clock_checkpoint(file).has_value());  // missing
  ASSERT_TRUE(save_clock_checkpoint(file, {"boot-1", {12, 1'800'000'000'000'000'000}}));
  const auto loaded = load_clock_checkpoint(file);
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(loaded->boot_id, "boot-1");
  EXPECT_EQ(loaded->reading.elapsed_ns, 12);
  EXPECT_EQ(loaded->reading.ledger_ns, 1'800'000'000'000'000'000);
  std::ofstream(file) << "something else\n";
  EXPECT_FALSE(load_clock_checkpoint(file).has_value());
  std::ofstream(file) << "escrowd ledger clock 1\nboot-1\n12\n";  // torn
  EXPECT_FALSE(load_clock_checkpoint(file).has_value());
  // Not a time this server wrote: ignored rather than trusted (nor overflowing a resume).
  for (const char* reading : {"12 9223372036854775807", "12 -5", "-1 1800000000000000000", "12 100",
                              "12 7300000000000000000"}) {
    std::ofstream(file) << "escrowd ledger clock 1\nboot-1\n" << reading << "\n";
    EXPECT_FALSE(load_clock_checkpoint(file).has_value()) << reading;
  }
  EXPECT_FALSE(current_boot_id().empty());
  std::filesystem::remove_all(dir);
}

TEST(process_ledger_clock, starts_at_the_system_clock) {
  const auto ledger_s = process_ledger_clock().now_ns() / second;
  EXPECT_LE(std::abs(ledger_s - system_unix_now()), 1);
}

}  // namespace
}  // namespace escrowd::actors::testing
