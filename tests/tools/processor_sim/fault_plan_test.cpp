// Tests fault_plan: the same seed gives the same faults, probabilities 0 and 1 are absolute,
// the observed rate is near the configured one, and webhook draws do not shift request draws.
#include "fault_plan.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace escrowd::processor_sim {
namespace {

fault_options half_of_everything() {
  fault_options options;
  options.rate_limit = options.lock_timeout = options.fail_before_effect = 0.5;
  options.fail_after_effect = options.drop_after_effect = options.slow = 0.5;
  options.webhook_duplicate = 0.5;
  return options;
}

std::vector<int> signature(fault_plan& plan, int draws) {
  std::vector<int> out;
  for (int i = 0; i < draws; ++i) {
    auto d = plan.draw();
    out.push_back(d.rate_limit | d.lock_timeout << 1 | d.fail_before_effect << 2 |
                  d.fail_after_effect << 3 | d.drop_after_effect << 4 | d.slow << 5);
  }
  return out;
}

TEST(fault_plan, same_seed_same_faults) {
  fault_plan a(half_of_everything(), 42);
  fault_plan b(half_of_everything(), 42);
  fault_plan c(half_of_everything(), 43);
  auto first = signature(a, 200);
  EXPECT_EQ(first, signature(b, 200));
  EXPECT_NE(first, signature(c, 200));
}

TEST(fault_plan, webhook_draws_do_not_shift_request_draws) {
  fault_plan a(half_of_everything(), 7);
  fault_plan b(half_of_everything(), 7);
  for (int i = 0; i < 50; ++i) (void)b.draw_webhook_duplicate();
  EXPECT_EQ(signature(a, 100), signature(b, 100));
}

TEST(fault_plan, zero_never_and_one_always) {
  fault_options options;
  options.drop_after_effect = 1.0;
  fault_plan plan(options, 1);
  for (int i = 0; i < 1000; ++i) {
    auto d = plan.draw();
    ASSERT_TRUE(d.drop_after_effect);
    ASSERT_FALSE(d.rate_limit || d.lock_timeout || d.fail_before_effect || d.fail_after_effect ||
                 d.slow);
  }
}

TEST(fault_plan, rate_is_close_to_probability) {
  fault_options options;
  options.slow = 0.25;
  fault_plan plan(options, 2024);
  int hits = 0;
  for (int i = 0; i < 10000; ++i) hits += plan.draw().slow ? 1 : 0;
  EXPECT_NEAR(hits, 2500, 200);  // about 4.6 standard deviations
}

}  // namespace
}  // namespace escrowd::processor_sim
