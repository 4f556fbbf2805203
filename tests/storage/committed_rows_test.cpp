// Unit tests of the rows the writer keeps: a transaction's rows are seen by the same
// transaction at once, become committed only on commit, vanish on abort, a forgotten row
// leaves with its commit, and a cache starts over instead of growing past its bound.
#include "storage/committed_rows.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace escrowd::storage {
namespace {

account_row row(const std::string& id, std::int64_t available) {
  account_row out;
  out.data.id = id;
  out.data.available = available;
  return out;
}

void stage(committed_rows<account_row>& cache, const account_row& row) {
  cache.stage(row.data.id, row);
}

// The row's balance, or nothing when the cache has no row `id`.
std::optional<std::int64_t> available_in(const committed_rows<account_row>& cache,
                                         const std::string& id) {
  const auto* found = cache.find(id);
  if (found == nullptr) return std::nullopt;
  return found->data.available;
}

TEST(committed_rows, a_staged_row_is_found_before_commit_and_kept_after) {
  committed_rows<account_row> cache(16);
  EXPECT_EQ(cache.find("a"), nullptr);
  stage(cache, row("a", 5));
  EXPECT_EQ(available_in(cache, "a"), 5);
  EXPECT_EQ(cache.size(), 0u);  // not committed yet
  cache.commit();
  EXPECT_EQ(available_in(cache, "a"), 5);
  EXPECT_EQ(cache.size(), 1u);
}

TEST(committed_rows, an_aborted_transaction_leaves_the_committed_row) {
  committed_rows<account_row> cache(16);
  stage(cache, row("a", 5));
  cache.commit();
  stage(cache, row("a", 7));
  stage(cache, row("b", 1));
  EXPECT_EQ(available_in(cache, "a"), 7);
  cache.abort();
  EXPECT_EQ(available_in(cache, "a"), 5);
  EXPECT_EQ(cache.find("b"), nullptr);
}

TEST(committed_rows, the_last_stage_of_a_row_wins) {
  committed_rows<account_row> cache(16);
  stage(cache, row("a", 1));
  stage(cache, row("a", 2));
  cache.commit();
  EXPECT_EQ(available_in(cache, "a"), 2);
}

TEST(committed_rows, a_forgotten_row_is_gone_once_committed_and_back_on_abort) {
  committed_rows<account_row> cache(16);
  stage(cache, row("a", 1));
  stage(cache, row("b", 2));
  cache.commit();
  cache.forget("a");
  EXPECT_EQ(cache.find("a"), nullptr);  // the open transaction's last write is on disk only
  cache.abort();
  EXPECT_EQ(available_in(cache, "a"), 1);
  stage(cache, row("a", 3));
  cache.forget("a");
  stage(cache, row("c", 4));
  cache.commit();
  EXPECT_EQ(cache.find("a"), nullptr);
  EXPECT_EQ(cache.size(), 2u);  // b and c
  cache.forget("never_kept");
  cache.commit();
  EXPECT_EQ(cache.size(), 2u);
}

TEST(committed_rows, a_row_written_by_many_transactions_counts_once) {
  committed_rows<account_row> cache(16);
  for (int round = 1; round <= 3; ++round) {
    stage(cache, row("a", round));
    cache.commit();
  }
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(available_in(cache, "a"), 3);
  stage(cache, row("a", 4));
  cache.abort();
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(available_in(cache, "a"), 3);
  cache.forget("a");
  cache.commit();
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.find("a"), nullptr);
}

TEST(committed_rows, it_starts_over_rather_than_outgrow_its_bound) {
  committed_rows<account_row> cache(2);
  stage(cache, row("a", 1));
  stage(cache, row("b", 2));
  cache.commit();
  EXPECT_EQ(cache.size(), 2u);
  stage(cache, row("c", 3));
  cache.commit();
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.find("a"), nullptr);
  EXPECT_EQ(available_in(cache, "c"), 3);
}

TEST(committed_rows, clear_forgets_everything) {
  committed_rows<account_row> cache(16);
  stage(cache, row("a", 1));
  cache.commit();
  stage(cache, row("b", 1));
  cache.clear();
  EXPECT_EQ(cache.find("a"), nullptr);
  EXPECT_EQ(cache.find("b"), nullptr);
}

TEST(committed_rows, the_writer_moves_accounts_and_tasks_together) {
  writer_rows kept(16);
  kept.accounts.stage("a", row("a", 1));
  kept.tasks.stage("t", task_standing{5, task_state::funded, 0});
  kept.commit();
  kept.tasks.stage("t", task_standing{0, task_state::released, 0});
  kept.abort();
  const auto* task = kept.tasks.find("t");
  ASSERT_NE(task, nullptr);
  EXPECT_EQ(task->escrow, 5);
  EXPECT_EQ(available_in(kept.accounts, "a"), 1);
  kept.clear();
  EXPECT_EQ(kept.tasks.find("t"), nullptr);
  EXPECT_EQ(kept.accounts.find("a"), nullptr);
}

}  // namespace
}  // namespace escrowd::storage
