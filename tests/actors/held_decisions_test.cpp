// Tests the queue an entity actor holds decisions in (actors/held_decisions.hpp): arrival
// order, a retried decision put first, and a queue that never empties keeping only about
// the slots it holds.
#include "actors/held_decisions.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace escrowd::actors {
namespace {

TEST(held_decisions, runs_in_arrival_order_with_a_retried_one_first) {
  held_decisions held;
  EXPECT_TRUE(held.empty());
  std::vector<int> ran;
  for (int i = 1; i <= 3; ++i) held.push_back([&ran, i] { ran.push_back(i); });
  held.pop_front()();  // 1 runs, then is put back first, as a decision retried after a reload
  held.push_front([&ran] { ran.push_back(10); });
  held.push_front([&ran] { ran.push_back(0); });  // no taken slot left: inserted at the front
  while (!held.empty()) held.pop_front()();
  EXPECT_EQ(ran, (std::vector<int>{1, 0, 10, 2, 3}));
  EXPECT_EQ(held.slots(), 0u);
}

TEST(held_decisions, a_queue_that_never_empties_reuses_its_slots) {
  held_decisions held;
  std::vector<int> ran;
  int next = 0;
  for (; next < 8; ++next) held.push_back([&ran, next] { ran.push_back(next); });
  for (int round = 0; round < 100'000; ++round) {
    held.pop_front()();
    held.push_back([&ran, id = next++] { ran.push_back(id); });
    ASSERT_EQ(held.size(), 8u);
    ASSERT_LE(held.slots(), 80u) << "round " << round;
  }
  while (!held.empty()) held.pop_front()();
  ASSERT_EQ(ran.size(), static_cast<std::size_t>(next));
  for (int i = 0; i < next; ++i) ASSERT_EQ(ran[static_cast<std::size_t>(i)], i);
}

}  // namespace
}  // namespace escrowd::actors
