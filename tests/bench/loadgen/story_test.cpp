// The workload's stories: every kind runs its steps in order with the right principal (payer,
// worker or arbiter key), a failed or rejected step ends the story, and the source draws ids,
// parties and amounts within the mix's rules. Seeds are fixed per test, so runs repeat.
#include "bench/loadgen/story.hpp"

#include <gtest/gtest.h>

#include <set>
#include <vector>

namespace escrowd::loadgen {
namespace {

plan small_plan() {
  plan run;
  run.run_id = "lgtest";
  run.admin_key = "admin-key";
  run.arbiter_key = "arbiter-key";
  for (int index = 0; index < 10; ++index) {
    run.accounts.push_back("acct" + std::to_string(index));
    run.keys.push_back("key" + std::to_string(index));
  }
  run.hot_accounts = 2;
  return run;
}

op_result answered(unsigned status) {
  op_result result;
  result.answered = true;
  result.status = status;
  return result;
}

// Runs a story to its end with every step answered 200; returns the operations.
std::vector<operation> run_through(story& current, const plan& run) {
  std::vector<operation> ops;
  while (auto op = current.next(run)) {
    ops.push_back(*op);
    current.on_result(answered(200));
  }
  EXPECT_TRUE(current.over());
  return ops;
}

TEST(Story, ReleaseIsCreateFundedSubmitApprove) {
  const auto run = small_plan();
  story current{story_kind::release, 1, 2, "t1", 500, 0};
  const auto ops = run_through(current, run);
  ASSERT_EQ(ops.size(), 3u);
  EXPECT_EQ(ops[0].kind, op_kind::create_task);
  EXPECT_TRUE(ops[0].fund);
  EXPECT_EQ(ops[0].payer, "acct1");
  EXPECT_EQ(ops[0].worker, "acct2");
  EXPECT_EQ(ops[0].amount, 500);
  EXPECT_EQ(ops[0].principal, "key1");
  EXPECT_EQ(ops[1].kind, op_kind::submit_task);
  EXPECT_EQ(ops[1].principal, "key2");  // the worker submits
  EXPECT_EQ(ops[2].kind, op_kind::approve_task);
  EXPECT_EQ(ops[2].principal, "key1");
  for (const auto& op : ops) EXPECT_EQ(op.task, "t1");
}

TEST(Story, CreateThenFundFundsInItsOwnStep) {
  const auto run = small_plan();
  story current{story_kind::create_then_fund, 1, 2, "t2", 500, 0};
  const auto ops = run_through(current, run);
  ASSERT_EQ(ops.size(), 4u);
  EXPECT_FALSE(ops[0].fund);
  EXPECT_EQ(ops[1].kind, op_kind::fund_task);
  EXPECT_EQ(ops[1].principal, "key1");
}

TEST(Story, DisputeIsResolvedByTheArbiter) {
  const auto run = small_plan();
  story current{story_kind::dispute, 3, 4, "t3", 900, 250};
  const auto ops = run_through(current, run);
  ASSERT_EQ(ops.size(), 4u);
  EXPECT_EQ(ops[2].kind, op_kind::dispute_task);
  EXPECT_EQ(ops[2].principal, "key3");
  EXPECT_EQ(ops[3].kind, op_kind::resolve_task);
  EXPECT_EQ(ops[3].principal, "arbiter-key");
  EXPECT_EQ(ops[3].worker_amount, 250);
}

TEST(Story, CancelWithdrawAndTopUpAreShort) {
  const auto run = small_plan();
  story cancel{story_kind::cancel, 1, 2, "t4", 100, 0};
  const auto cancelled = run_through(cancel, run);
  ASSERT_EQ(cancelled.size(), 2u);
  EXPECT_EQ(cancelled[1].kind, op_kind::cancel_task);
  story withdraw{story_kind::withdraw, 1, 2, {}, 300, 0};
  const auto withdrawn = run_through(withdraw, run);
  ASSERT_EQ(withdrawn.size(), 1u);
  EXPECT_EQ(withdrawn[0].account, "acct2");  // workers withdraw what they earned
  EXPECT_EQ(withdrawn[0].principal, "key2");
  story topup{story_kind::topup, 5, 2, {}, 1000, 0};
  const auto topped = run_through(topup, run);
  ASSERT_EQ(topped.size(), 1u);
  EXPECT_EQ(topped[0].account, "acct5");
  EXPECT_EQ(topped[0].principal, "key5");
}

TEST(Story, ARejectedStepEndsTheStory) {
  const auto run = small_plan();
  story current{story_kind::release, 1, 2, "t5", 500, 0};
  ASSERT_TRUE(current.next(run));
  current.on_result(answered(409));  // insufficient funds: nothing to submit
  EXPECT_TRUE(current.over());
  EXPECT_FALSE(current.next(run));
  story unanswered{story_kind::release, 1, 2, "t6", 500, 0};
  unanswered.on_result(op_result{});
  EXPECT_TRUE(unanswered.over());
}

TEST(StorySource, DrawsDistinctTasksBetweenDistinctParties) {
  const auto run = small_plan();
  story_source source{run, *mix_named("escrow"), 3, 42};
  std::set<std::string> tasks;
  for (int draw = 0; draw < 2'000; ++draw) {
    auto current = source.draw();
    const auto op = current.next(run);
    ASSERT_TRUE(op);
    if (op->kind != op_kind::create_task) continue;
    EXPECT_NE(op->payer, op->worker);
    EXPECT_GE(op->amount, 100);
    EXPECT_LE(op->amount, 10'000);
    EXPECT_EQ(op->task.rfind("lgtest-3-", 0), 0u) << op->task;
    EXPECT_TRUE(tasks.insert(op->task).second) << "task id drawn twice: " << op->task;
  }
  EXPECT_GT(tasks.size(), 1'000u);  // about 80% of escrow stories create a task
}

TEST(StorySource, HotPayersComeFromTheHotSet) {
  const auto run = small_plan();
  story_source source{run, *mix_named("hot"), 0, 7};
  for (int draw = 0; draw < 500; ++draw) {
    auto current = source.draw();
    const auto op = current.next(run);
    ASSERT_TRUE(op);
    ASSERT_EQ(op->kind, op_kind::create_task);
    EXPECT_TRUE(op->payer == "acct0" || op->payer == "acct1") << op->payer;
    EXPECT_LE(op->amount, 100);
  }
}

TEST(StorySource, FundStoriesAreOneFundedCreationEach) {
  const auto run = small_plan();
  story_source source{run, *mix_named("fund"), 2, 11};
  std::set<std::string> tasks;
  for (int draw = 0; draw < 500; ++draw) {
    auto current = source.draw();
    const auto op = current.next(run);
    ASSERT_TRUE(op);
    ASSERT_EQ(op->kind, op_kind::create_task);
    EXPECT_TRUE(op->fund);
    EXPECT_NE(op->payer, op->worker);
    EXPECT_GE(op->amount, 1);
    EXPECT_LE(op->amount, 100);
    EXPECT_TRUE(tasks.insert(op->task).second) << "task id drawn twice: " << op->task;
    current.on_result(answered(200));
    EXPECT_TRUE(current.over());
  }
}

TEST(StorySource, ReadTasksReadRememberedTasksAsTheirPayer) {
  const auto run = small_plan();
  story_source source{run, *mix_named("read"), 0, 9};
  story created{story_kind::release, 4, 5, "remembered", 100, 0};
  source.remember_task(created);
  int task_reads = 0;
  for (int draw = 0; draw < 300; ++draw) {
    auto current = source.draw();
    const auto op = current.next(run);
    ASSERT_TRUE(op);
    if (op->kind != op_kind::get_task) continue;
    ++task_reads;
    EXPECT_EQ(op->task, "remembered");
    EXPECT_EQ(op->principal, "key4");
  }
  EXPECT_GT(task_reads, 50);
}

TEST(StorySource, AMixWithoutTopUpsNeverDrawsOne) {
  const auto run = small_plan();
  story_source source{run, without(*mix_named("escrow"), story_kind::topup), 0, 13};
  std::set<story_kind> drawn;
  for (int draw = 0; draw < 2'000; ++draw) drawn.insert(source.draw().kind());
  EXPECT_FALSE(drawn.contains(story_kind::topup));
  EXPECT_TRUE(drawn.contains(story_kind::withdraw));  // only the top-ups are left out
  EXPECT_TRUE(drawn.contains(story_kind::release));
}

TEST(Mix, KnowsItsNames) {
  EXPECT_TRUE(mix_named("escrow"));
  EXPECT_TRUE(mix_named("hot"));
  EXPECT_TRUE(mix_named("read"));
  EXPECT_TRUE(mix_named("fund"));
  EXPECT_TRUE(mix_named("batch"));
  EXPECT_FALSE(mix_named("bogus"));
}

}  // namespace
}  // namespace escrowd::loadgen
