// What the tests of engine/task.hpp share: accounts in two currencies, a fake clock, a task
// in each state reached through the legal transitions, and the expectations every
// transition is checked with (its one journal entry, its history item, a no-op, a rejection).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "engine/task.hpp"
#include "tests/support/engine_expectations.hpp"
#include "tests/support/engine_printers.hpp"
#include "tests/support/fake_clock.hpp"

namespace escrowd::task_testing {

using escrowd::testing::must;
using escrowd::testing::sorted;

inline const currency usd = *currency::parse("usd");
inline const currency eur = *currency::parse("eur");
constexpr std::int64_t amount = 1'000;
constexpr std::int64_t window_s = 3'600;

inline account make_account(const std::string& id, currency ccy, std::int64_t available) {
  account made = must(create_account({id, ccy, "owner of " + id}, 1'600'000'000));
  made.available = available;
  return made;
}

inline void expect_entry(const task_outcome& outcome, entry_kind kind, std::int64_t time,
                         const std::vector<leg>& legs) {
  ASSERT_TRUE(outcome.entry.has_value()) << "a money movement without a journal entry";
  EXPECT_EQ(outcome.entry->kind, kind);
  EXPECT_EQ(outcome.entry->reference, outcome.task.id);
  EXPECT_EQ(outcome.entry->time, time);
  EXPECT_EQ(sorted(outcome.entry->legs), sorted(legs));
  EXPECT_TRUE(is_balanced(*outcome.entry));
}

inline void expect_no_money_moved(const task_outcome& outcome) {
  EXPECT_FALSE(outcome.entry.has_value());
  EXPECT_TRUE(outcome.deltas.empty());
}

inline void expect_noop(const result<task_outcome>& outcome, const task& current) {
  ASSERT_TRUE(outcome) << describe(outcome.code()).code;
  EXPECT_FALSE(outcome->changed);
  EXPECT_EQ(outcome->task, current);
  expect_no_money_moved(*outcome);
}

inline void expect_rejected(const result<task_outcome>& outcome, const error& expected) {
  ASSERT_FALSE(outcome) << "accepted; expected " << describe(expected.code).code;
  EXPECT_EQ(outcome.failure(), expected);
}

// The newest history item of a single transition.
inline void expect_recorded(const task_outcome& outcome, const task& before,
                            task_transition transition, const std::string& actor,
                            std::int64_t time) {
  EXPECT_TRUE(outcome.changed);
  ASSERT_EQ(outcome.task.history.size(), before.history.size() + 1);
  EXPECT_EQ(outcome.task.history.back(),
            (task_history_item{transition, outcome.task.state, time, actor}));
  EXPECT_EQ(outcome.task.escrow, escrow_by_state(outcome.task));
}

class task_test : public ::testing::Test {
 protected:
  account payer = make_account("acct_payer", usd, 10'000);
  account worker = make_account("acct_worker", usd, 0);
  account other_worker = make_account("acct_other", usd, 0);
  account euro_worker = make_account("acct_euro", eur, 0);
  testing::fake_clock clock;

  create_task_command command(const std::string& worker_id = "acct_worker") const {
    return {"task_1", worker_id, amount, usd, window_s, payer.id};
  }
  task open_task() const { return must(create_task(command(), payer, &worker, clock.now())).task; }
  task funded_task() const {
    return must(fund_task(open_task(), payer, payer.id, clock.now())).task;
  }
  task submitted_task() const {
    return must(submit_task(funded_task(), "done", worker.id, clock.now())).task;
  }
  task approved_task() const {
    return must(approve_task(submitted_task(), payer.id, clock.now())).task;
  }
  task lapsed_task() const {
    const task submitted = submitted_task();
    return must(lapse_review_window(submitted, submitted.review_deadline)).task;
  }
  task disputed_task() const {
    return must(dispute_task(submitted_task(), "not done", payer.id, clock.now())).task;
  }
  task resolved_task() const {
    return must(resolve_task(disputed_task(), 400, "arbiter", clock.now())).task;
  }
  task cancelled_open_task() const {
    return must(cancel_task(open_task(), payer.id, clock.now())).task;
  }
  task cancelled_funded_task() const {
    return must(cancel_task(funded_task(), payer.id, clock.now())).task;
  }
};

}  // namespace escrowd::task_testing
