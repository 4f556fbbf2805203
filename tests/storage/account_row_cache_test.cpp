// Unit tests of the writer's account row cache: a transaction's rows are seen by the same
// transaction at once, become committed only on commit, vanish on abort, and the cache
// starts over instead of growing past its bound.
#include "storage/account_row_cache.hpp"

#include <gtest/gtest.h>

namespace escrowd::storage {
namespace {

account_row row(const std::string& id, std::int64_t available) {
  account_row out;
  out.data.id = id;
  out.data.available = available;
  return out;
}

TEST(account_row_cache, a_staged_row_is_found_before_commit_and_kept_after) {
  account_row_cache cache(16);
  EXPECT_EQ(cache.find("a"), nullptr);
  cache.stage(row("a", 5));
  ASSERT_NE(cache.find("a"), nullptr);
  EXPECT_EQ(cache.find("a")->data.available, 5);
  EXPECT_EQ(cache.size(), 0u);  // not committed yet
  cache.commit();
  ASSERT_NE(cache.find("a"), nullptr);
  EXPECT_EQ(cache.find("a")->data.available, 5);
  EXPECT_EQ(cache.size(), 1u);
}

TEST(account_row_cache, an_aborted_transaction_leaves_the_committed_row) {
  account_row_cache cache(16);
  cache.stage(row("a", 5));
  cache.commit();
  cache.stage(row("a", 7));
  cache.stage(row("b", 1));
  EXPECT_EQ(cache.find("a")->data.available, 7);
  cache.abort();
  EXPECT_EQ(cache.find("a")->data.available, 5);
  EXPECT_EQ(cache.find("b"), nullptr);
}

TEST(account_row_cache, the_last_stage_of_a_row_wins) {
  account_row_cache cache(16);
  cache.stage(row("a", 1));
  cache.stage(row("a", 2));
  cache.commit();
  EXPECT_EQ(cache.find("a")->data.available, 2);
}

TEST(account_row_cache, it_starts_over_rather_than_outgrow_its_bound) {
  account_row_cache cache(2);
  cache.stage(row("a", 1));
  cache.stage(row("b", 2));
  cache.commit();
  EXPECT_EQ(cache.size(), 2u);
  cache.stage(row("c", 3));
  cache.commit();
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.find("a"), nullptr);
  EXPECT_EQ(cache.find("c")->data.available, 3);
}

TEST(account_row_cache, clear_forgets_everything) {
  account_row_cache cache(16);
  cache.stage(row("a", 1));
  cache.commit();
  cache.stage(row("b", 1));
  cache.clear();
  EXPECT_EQ(cache.find("a"), nullptr);
  EXPECT_EQ(cache.find("b"), nullptr);
}

}  // namespace
}  // namespace escrowd::storage
