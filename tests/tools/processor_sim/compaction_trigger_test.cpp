// Tests the rule that decides when the state file is compacted while the simulator runs
// (compaction_trigger): byte counts in, "due" out, at the exact boundaries of the floor, the
// growth factor and the wait after a failed rewrite, and without wrapping on huge settings.
#include "compaction_trigger.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace escrowd::processor_sim {
namespace {

TEST(compaction_trigger, a_small_file_is_due_only_once_larger_than_the_floor) {
  compaction_trigger trigger({.floor_bytes = 1000, .growth_factor = 4});
  trigger.compacted(100);
  trigger.appended(900);
  EXPECT_FALSE(trigger.due()) << "exactly the floor";
  trigger.appended(1);
  EXPECT_TRUE(trigger.due());
  EXPECT_EQ(trigger.file_bytes(), 1001u);
  EXPECT_EQ(trigger.compacted_bytes(), 100u);
}

TEST(compaction_trigger, a_large_file_is_due_once_larger_than_growth_times_its_compacted_size) {
  compaction_trigger trigger({.floor_bytes = 1000, .growth_factor = 4});
  trigger.compacted(10'000);
  trigger.appended(30'000);
  EXPECT_FALSE(trigger.due()) << "exactly four times";
  trigger.appended(1);
  EXPECT_TRUE(trigger.due());
}

// After failing at size S, the next attempt waits until the file is larger than
// S + max(floor, compacted size): the compacted size for a large file, the floor for a small.
TEST(compaction_trigger, a_failed_rewrite_waits_for_growth_by_the_floor_or_the_compacted_size) {
  struct example {
    std::uint64_t compacted_bytes, failed_at_bytes, step_bytes;
  };
  for (const auto& [compacted, failed_at, step] :
       {example{10'000, 40'001, 10'000}, example{100, 1'001, 1'000}}) {
    compaction_trigger trigger({.floor_bytes = 1000, .growth_factor = 4});
    trigger.compacted(compacted);
    trigger.appended(failed_at - compacted);
    ASSERT_TRUE(trigger.due()) << compacted;
    trigger.failed();
    EXPECT_FALSE(trigger.due()) << compacted;
    trigger.appended(step);
    EXPECT_FALSE(trigger.due()) << "grown by exactly the step after " << compacted;
    trigger.appended(1);
    EXPECT_TRUE(trigger.due()) << compacted;
  }
}

TEST(compaction_trigger, a_rewrite_starts_the_count_over_from_its_own_size) {
  compaction_trigger trigger({.floor_bytes = 0, .growth_factor = 2});
  trigger.compacted(100);
  trigger.appended(200);
  trigger.failed();
  trigger.compacted(300);
  EXPECT_EQ(trigger.file_bytes(), 300u);
  EXPECT_FALSE(trigger.due());
  trigger.appended(301);
  EXPECT_TRUE(trigger.due());
}

TEST(compaction_trigger, huge_settings_mean_never_rather_than_wrapping_to_always) {
  constexpr std::uint64_t huge = std::numeric_limits<std::uint64_t>::max();
  compaction_trigger growth_only({.floor_bytes = 0, .growth_factor = huge});
  growth_only.compacted(10);
  growth_only.appended(std::uint64_t{1} << 50);
  EXPECT_FALSE(growth_only.due());

  compaction_trigger floor_only({.floor_bytes = huge - 5, .growth_factor = 1});
  floor_only.compacted(10);
  floor_only.appended(huge - 20);
  floor_only.failed();
  floor_only.appended(5);
  EXPECT_FALSE(floor_only.due());
}

}  // namespace
}  // namespace escrowd::processor_sim
