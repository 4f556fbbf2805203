// Tests engine/task.hpp, the escrow state machine of api.md. Each legal transition is checked
// exactly: the next task (state, escrow, deadline, history), its event, its one journal entry
// (books, signs, amounts) and its account deltas. A matrix runs every transition from every
// state and checks the outcome (changed, natural-idempotency no-op, or the exact rejection
// code), and full lifecycles apply the deltas to real accounts to check the balances.
#include "engine/task.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "tests/support/engine_expectations.hpp"
#include "tests/support/engine_printers.hpp"
#include "tests/support/fake_clock.hpp"

namespace escrowd {
namespace {

using testing::must;
using testing::sorted;

const currency usd = *currency::parse("usd");
const currency eur = *currency::parse("eur");
constexpr std::int64_t amount = 1'000;
constexpr std::int64_t window_s = 3'600;

account make_account(const std::string& id, currency ccy, std::int64_t available) {
  account made = must(create_account({id, ccy, "owner of " + id}, 1'600'000'000));
  made.available = available;
  return made;
}

void expect_entry(const task_outcome& outcome, entry_kind kind, std::int64_t time,
                  const std::vector<leg>& legs) {
  ASSERT_TRUE(outcome.entry.has_value()) << "a money movement without a journal entry";
  EXPECT_EQ(outcome.entry->kind, kind);
  EXPECT_EQ(outcome.entry->reference, outcome.task.id);
  EXPECT_EQ(outcome.entry->time, time);
  EXPECT_EQ(sorted(outcome.entry->legs), sorted(legs));
  EXPECT_TRUE(is_balanced(*outcome.entry));
}

void expect_no_money_moved(const task_outcome& outcome) {
  EXPECT_FALSE(outcome.entry.has_value());
  EXPECT_TRUE(outcome.deltas.empty());
}

void expect_noop(const result<task_outcome>& outcome, const task& current) {
  ASSERT_TRUE(outcome) << describe(outcome.code()).code;
  EXPECT_FALSE(outcome->changed);
  EXPECT_EQ(outcome->task, current);
  expect_no_money_moved(*outcome);
}

void expect_rejected(const result<task_outcome>& outcome, const error& expected) {
  ASSERT_FALSE(outcome) << "accepted; expected " << describe(expected.code).code;
  EXPECT_EQ(outcome.failure(), expected);
}

// The newest history item of a single transition.
void expect_recorded(const task_outcome& outcome, const task& before, task_transition transition,
                     const std::string& actor, std::int64_t time) {
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

// ---- create ----------------------------------------------------------------------------

TEST_F(task_test, create_opens_a_task_without_moving_money) {
  auto outcome = create_task(command(), payer, &worker, clock.now());
  ASSERT_TRUE(outcome);
  const task& created = outcome->task;
  EXPECT_EQ(created.id, "task_1");
  EXPECT_EQ(created.payer, "acct_payer");
  EXPECT_EQ(created.worker, "acct_worker");
  EXPECT_EQ(created.amount, amount);
  EXPECT_EQ(created.currency, usd);
  EXPECT_EQ(created.review_window_s, window_s);
  EXPECT_EQ(created.created_at, clock.now());
  EXPECT_EQ(created.state, task_state::open);
  EXPECT_EQ(created.last_transition, task_transition::create);
  EXPECT_EQ(created.escrow, 0);
  EXPECT_EQ(created.review_deadline, 0);
  EXPECT_EQ(created.worker_amount, 0);
  EXPECT_EQ(created.history,
            (std::vector<task_history_item>{
                {task_transition::create, task_state::open, clock.now(), "acct_payer"}}));
  EXPECT_TRUE(outcome->changed);
  expect_no_money_moved(*outcome);
}

TEST_F(task_test, create_without_worker_leaves_it_empty_and_uses_the_default_window) {
  create_task_command without = command("");
  without.review_window_s.reset();
  auto outcome = create_task(without, payer, nullptr, clock.now());
  ASSERT_TRUE(outcome);
  EXPECT_TRUE(outcome->task.worker.empty());
  EXPECT_EQ(outcome->task.review_window_s, review_window_s_default);
}

TEST_F(task_test, create_rejects_invalid_ids) {
  for (const std::string& id : {std::string(), std::string(65, 't'), std::string("task 1")}) {
    create_task_command bad = command();
    bad.id = id;
    expect_rejected(create_task(bad, payer, &worker, clock.now()), {error_code::id_invalid, "id"});
  }
}

TEST_F(task_test, create_accepts_amounts_one_through_ten_to_the_fifteenth) {
  for (std::int64_t valid : {std::int64_t{1}, amount_max}) {
    create_task_command good = command();
    good.amount = valid;
    auto outcome = create_task(good, payer, &worker, clock.now());
    ASSERT_TRUE(outcome) << valid;
    EXPECT_EQ(outcome->task.amount, valid);
  }
}

TEST_F(task_test, create_rejects_zero_negative_and_too_large_amounts) {
  for (std::int64_t invalid : {std::int64_t{0}, std::int64_t{-1}, amount_max + 1,
                               std::numeric_limits<std::int64_t>::min()}) {
    create_task_command bad = command();
    bad.amount = invalid;
    expect_rejected(create_task(bad, payer, &worker, clock.now()),
                    {error_code::amount_invalid, "amount"});
  }
}

TEST_F(task_test, create_rejects_a_currency_other_than_the_payers) {
  create_task_command bad = command("");
  bad.currency = eur;
  expect_rejected(create_task(bad, payer, nullptr, clock.now()),
                  {error_code::currency_mismatch, "currency"});
}

TEST_F(task_test, create_bounds_the_review_window) {
  for (std::int64_t valid : {std::int64_t{1}, review_window_s_max}) {
    create_task_command good = command();
    good.review_window_s = valid;
    auto outcome = create_task(good, payer, &worker, clock.now());
    ASSERT_TRUE(outcome) << valid;
    EXPECT_EQ(outcome->task.review_window_s, valid);
  }
  for (std::int64_t invalid : {std::int64_t{0}, std::int64_t{-1}, review_window_s_max + 1}) {
    create_task_command bad = command();
    bad.review_window_s = invalid;
    expect_rejected(create_task(bad, payer, &worker, clock.now()),
                    {error_code::parameter_invalid, "review_window_s"});
  }
}

TEST_F(task_test, create_with_a_worker_that_was_not_found) {
  expect_rejected(create_task(command(), payer, nullptr, clock.now()),
                  {error_code::not_found, "worker"});
  // The caller looked up another account than the one named: treated as not found.
  expect_rejected(create_task(command(), payer, &other_worker, clock.now()),
                  {error_code::not_found, "worker"});
}

TEST_F(task_test, create_rejects_the_payer_as_its_own_worker) {
  expect_rejected(create_task(command(payer.id), payer, &payer, clock.now()),
                  {error_code::parameter_invalid, "worker"});
}

TEST_F(task_test, create_rejects_a_worker_in_another_currency) {
  expect_rejected(create_task(command(euro_worker.id), payer, &euro_worker, clock.now()),
                  {error_code::currency_mismatch, "worker"});
}

// ---- create funded ---------------------------------------------------------------------

TEST_F(task_test, create_funded_is_one_step_with_one_entry) {
  auto outcome = create_funded_task(command(), payer, &worker, clock.now());
  ASSERT_TRUE(outcome);
  const task& funded = outcome->task;
  EXPECT_EQ(funded.state, task_state::funded);
  EXPECT_EQ(funded.last_transition, task_transition::fund);
  EXPECT_EQ(funded.escrow, amount);
  EXPECT_TRUE(outcome->changed);
  EXPECT_EQ(funded.history,
            (std::vector<task_history_item>{
                {task_transition::create, task_state::open, clock.now(), payer.id},
                {task_transition::fund, task_state::funded, clock.now(), payer.id}}));
  expect_entry(*outcome, entry_kind::task_fund, clock.now(),
               {{available_book(payer.id, usd), -amount}, {escrow_book("task_1", usd), amount}});
  EXPECT_EQ(sorted(outcome->deltas), sorted({{payer.id, balance_field::available, -amount},
                                             {payer.id, balance_field::escrowed, amount}}));
}

TEST_F(task_test, create_funded_needs_the_whole_amount_available) {
  payer.available = amount - 1;
  expect_rejected(create_funded_task(command(), payer, &worker, clock.now()),
                  {error_code::insufficient_funds, {}});
  payer.available = amount;
  EXPECT_TRUE(create_funded_task(command(), payer, &worker, clock.now()));
}

TEST_F(task_test, create_funded_validates_like_create) {
  create_task_command bad = command();
  bad.amount = 0;
  expect_rejected(create_funded_task(bad, payer, &worker, clock.now()),
                  {error_code::amount_invalid, "amount"});
  expect_rejected(create_funded_task(command(payer.id), payer, &payer, clock.now()),
                  {error_code::parameter_invalid, "worker"});
}

// ---- assign ----------------------------------------------------------------------------

TEST_F(task_test, assign_on_open_changes_the_worker_only) {
  const task before = open_task();
  clock.advance(5);
  auto outcome = assign_task(before, other_worker, payer.id, clock.now());
  ASSERT_TRUE(outcome);
  EXPECT_EQ(outcome->task.worker, other_worker.id);
  EXPECT_EQ(outcome->task.state, task_state::open);
  EXPECT_EQ(outcome->task.last_transition, task_transition::create);
  expect_recorded(*outcome, before, task_transition::assign, payer.id, clock.now());
  expect_no_money_moved(*outcome);
}

TEST_F(task_test, assign_names_the_worker_of_a_task_created_without_one) {
  const task before = must(create_task(command(""), payer, nullptr, clock.now())).task;
  auto outcome = assign_task(before, worker, payer.id, clock.now());
  ASSERT_TRUE(outcome);
  EXPECT_EQ(outcome->task.worker, worker.id);
}

TEST_F(task_test, assign_on_funded_keeps_the_escrow_and_fund_stays_idempotent) {
  const task before = funded_task();
  auto outcome = assign_task(before, other_worker, payer.id, clock.now());
  ASSERT_TRUE(outcome);
  EXPECT_EQ(outcome->task.worker, other_worker.id);
  EXPECT_EQ(outcome->task.state, task_state::funded);
  EXPECT_EQ(outcome->task.escrow, amount);
  EXPECT_EQ(outcome->task.last_transition, task_transition::fund);
  expect_recorded(*outcome, before, task_transition::assign, payer.id, clock.now());
  expect_no_money_moved(*outcome);
  // The assignment did not change which transition produced "funded".
  expect_noop(fund_task(outcome->task, payer, payer.id, clock.now()), outcome->task);
}

TEST_F(task_test, assign_of_the_same_worker_is_a_noop) {
  const task open = open_task();
  expect_noop(assign_task(open, worker, payer.id, clock.now()), open);
  const task funded = funded_task();
  expect_noop(assign_task(funded, worker, payer.id, clock.now()), funded);
}

TEST_F(task_test, assign_rejects_the_payer_and_other_currencies) {
  expect_rejected(assign_task(open_task(), payer, payer.id, clock.now()),
                  {error_code::parameter_invalid, "worker"});
  expect_rejected(assign_task(open_task(), euro_worker, payer.id, clock.now()),
                  {error_code::currency_mismatch, "worker"});
}

// ---- fund ------------------------------------------------------------------------------

TEST_F(task_test, fund_moves_the_amount_from_payer_available_to_escrow) {
  const task before = open_task();
  clock.advance(10);
  auto outcome = fund_task(before, payer, payer.id, clock.now());
  ASSERT_TRUE(outcome);
  EXPECT_EQ(outcome->task.state, task_state::funded);
  EXPECT_EQ(outcome->task.last_transition, task_transition::fund);
  EXPECT_EQ(outcome->task.escrow, amount);
  expect_recorded(*outcome, before, task_transition::fund, payer.id, clock.now());
  expect_entry(*outcome, entry_kind::task_fund, clock.now(),
               {{available_book(payer.id, usd), -amount}, {escrow_book("task_1", usd), amount}});
  EXPECT_EQ(sorted(outcome->deltas), sorted({{payer.id, balance_field::available, -amount},
                                             {payer.id, balance_field::escrowed, amount}}));
}

TEST_F(task_test, fund_needs_the_whole_amount_available) {
  payer.available = amount - 1;
  expect_rejected(fund_task(open_task(), payer, payer.id, clock.now()),
                  {error_code::insufficient_funds, {}});
  payer.available = amount;
  EXPECT_TRUE(fund_task(open_task(), payer, payer.id, clock.now()));
}

TEST_F(task_test, fund_rejects_an_account_that_is_not_the_payer) {
  other_worker.available = 1'000'000;
  expect_rejected(fund_task(open_task(), other_worker, other_worker.id, clock.now()),
                  {error_code::parameter_invalid, "payer"});
}

TEST_F(task_test, fund_rejects_a_payer_in_another_currency) {
  const task open = open_task();
  account changed_payer = payer;
  changed_payer.currency = eur;
  expect_rejected(fund_task(open, changed_payer, payer.id, clock.now()),
                  {error_code::currency_mismatch, {}});
}

TEST_F(task_test, fund_on_funded_is_a_noop_even_without_money) {
  const task funded = funded_task();
  payer.available = 0;
  expect_noop(fund_task(funded, payer, payer.id, clock.now()), funded);
  payer.available = amount;
  const task created_funded = must(create_funded_task(command(), payer, &worker, clock.now())).task;
  payer.available = 0;
  expect_noop(fund_task(created_funded, payer, payer.id, clock.now()), created_funded);
}

// ---- submit ----------------------------------------------------------------------------

TEST_F(task_test, submit_starts_the_review_window_without_moving_money) {
  const task before = funded_task();
  clock.advance(100);
  auto outcome = submit_task(before, "https://example.com/work", worker.id, clock.now());
  ASSERT_TRUE(outcome);
  EXPECT_EQ(outcome->task.state, task_state::submitted);
  EXPECT_EQ(outcome->task.last_transition, task_transition::submit);
  EXPECT_EQ(outcome->task.submission, "https://example.com/work");
  EXPECT_EQ(outcome->task.review_deadline, clock.now() + window_s);
  EXPECT_EQ(outcome->task.escrow, amount);
  expect_recorded(*outcome, before, task_transition::submit, worker.id, clock.now());
  expect_no_money_moved(*outcome);
}

TEST_F(task_test, submit_on_submitted_is_a_noop) {
  const task submitted = submitted_task();
  clock.advance(50);
  expect_noop(submit_task(submitted, "again", worker.id, clock.now()), submitted);
}

TEST_F(task_test, submit_needs_a_worker) {
  const task open = must(create_task(command(""), payer, nullptr, clock.now())).task;
  const task funded = must(fund_task(open, payer, payer.id, clock.now())).task;
  expect_rejected(submit_task(funded, "done", worker.id, clock.now()),
                  {error_code::invalid_state_transition, {}});
}

TEST_F(task_test, submit_bounds_the_submission) {
  EXPECT_TRUE(
      submit_task(funded_task(), std::string(submission_length_max, 's'), worker.id, clock.now()));
  expect_rejected(submit_task(funded_task(), std::string(submission_length_max + 1, 's'), worker.id,
                              clock.now()),
                  {error_code::parameter_invalid, "submission"});
}

TEST_F(task_test, submit_rejects_a_deadline_past_the_end_of_time) {
  const std::int64_t end_of_time = std::numeric_limits<std::int64_t>::max() - 10;
  expect_rejected(submit_task(funded_task(), "done", worker.id, end_of_time),
                  {error_code::parameter_invalid, "review_window_s"});
}

// ---- approve ---------------------------------------------------------------------------

TEST_F(task_test, approve_releases_the_escrow_to_the_worker) {
  const task before = submitted_task();
  clock.advance(200);
  auto outcome = approve_task(before, payer.id, clock.now());
  ASSERT_TRUE(outcome);
  EXPECT_EQ(outcome->task.state, task_state::released);
  EXPECT_EQ(outcome->task.last_transition, task_transition::approve);
  EXPECT_EQ(outcome->task.escrow, 0);
  EXPECT_EQ(outcome->task.review_deadline, 0);
  expect_recorded(*outcome, before, task_transition::approve, payer.id, clock.now());
  expect_entry(*outcome, entry_kind::task_release, clock.now(),
               {{escrow_book("task_1", usd), -amount}, {available_book(worker.id, usd), amount}});
  EXPECT_EQ(sorted(outcome->deltas), sorted({{worker.id, balance_field::available, amount},
                                             {payer.id, balance_field::escrowed, -amount}}));
}

TEST_F(task_test, approve_on_approved_is_a_noop) {
  const task released = approved_task();
  expect_noop(approve_task(released, payer.id, clock.now() + 1), released);
}

TEST_F(task_test, approve_on_a_task_released_by_the_lapsed_window_is_invalid) {
  expect_rejected(approve_task(lapsed_task(), payer.id, clock.now()),
                  {error_code::invalid_state_transition, {}});
}

// ---- dispute ---------------------------------------------------------------------------

TEST_F(task_test, dispute_keeps_the_funds_in_escrow) {
  const task before = submitted_task();
  clock.advance(300);
  auto outcome = dispute_task(before, "the work is missing", payer.id, clock.now());
  ASSERT_TRUE(outcome);
  EXPECT_EQ(outcome->task.state, task_state::disputed);
  EXPECT_EQ(outcome->task.last_transition, task_transition::dispute);
  EXPECT_EQ(outcome->task.dispute_reason, "the work is missing");
  EXPECT_EQ(outcome->task.escrow, amount);
  EXPECT_EQ(outcome->task.review_deadline, 0);
  expect_recorded(*outcome, before, task_transition::dispute, payer.id, clock.now());
  expect_no_money_moved(*outcome);
}

TEST_F(task_test, dispute_on_disputed_is_a_noop) {
  const task disputed = disputed_task();
  expect_noop(dispute_task(disputed, "again", payer.id, clock.now()), disputed);
}

TEST_F(task_test, dispute_bounds_the_reason) {
  EXPECT_TRUE(dispute_task(submitted_task(), std::string(dispute_reason_length_max, 'r'), payer.id,
                           clock.now()));
  expect_rejected(dispute_task(submitted_task(), std::string(dispute_reason_length_max + 1, 'r'),
                               payer.id, clock.now()),
                  {error_code::parameter_invalid, "reason"});
}

// The audit's race: the review timer releases overdue tasks in batches, so a task may
// still read submitted for a moment after its deadline. The payer can no longer dispute it.
TEST_F(task_test, a_task_past_its_review_deadline_cannot_be_disputed) {
  const task submitted = submitted_task();
  ASSERT_NE(submitted.review_deadline, 0);
  EXPECT_TRUE(dispute_task(submitted, "late", payer.id, submitted.review_deadline - 1));
  const auto late = dispute_task(submitted, "late", payer.id, submitted.review_deadline);
  expect_rejected(late, {error_code::invalid_state_transition, {}});
  EXPECT_NE(late.failure().message.find("lapsed"), std::string::npos);
  // What the timer then does still holds.
  EXPECT_EQ(must(lapse_review_window(submitted, submitted.review_deadline)).task.state,
            task_state::released);
}

TEST_F(task_test, a_disputed_task_does_not_lapse) {
  const task disputed = disputed_task();
  const std::int64_t long_after = clock.now() + 10 * window_s;
  expect_rejected(lapse_review_window(disputed, long_after),
                  {error_code::invalid_state_transition, {}});
}

// ---- resolve ---------------------------------------------------------------------------

TEST_F(task_test, resolve_with_nothing_to_the_worker_refunds_the_payer) {
  const task before = disputed_task();
  auto outcome = resolve_task(before, 0, "arbiter", clock.now());
  ASSERT_TRUE(outcome);
  EXPECT_EQ(outcome->task.state, task_state::resolved);
  EXPECT_EQ(outcome->task.worker_amount, 0);
  EXPECT_EQ(outcome->task.escrow, 0);
  expect_recorded(*outcome, before, task_transition::resolve, "arbiter", clock.now());
  expect_entry(*outcome, entry_kind::task_resolve, clock.now(),
               {{escrow_book("task_1", usd), -amount}, {available_book(payer.id, usd), amount}});
  EXPECT_EQ(sorted(outcome->deltas), sorted({{payer.id, balance_field::available, amount},
                                             {payer.id, balance_field::escrowed, -amount}}));
}

TEST_F(task_test, resolve_with_a_partial_split_pays_both) {
  const task before = disputed_task();
  auto outcome = resolve_task(before, 400, "arbiter", clock.now());
  ASSERT_TRUE(outcome);
  EXPECT_EQ(outcome->task.state, task_state::resolved);
  EXPECT_EQ(outcome->task.worker_amount, 400);
  expect_recorded(*outcome, before, task_transition::resolve, "arbiter", clock.now());
  expect_entry(*outcome, entry_kind::task_resolve, clock.now(),
               {{escrow_book("task_1", usd), -amount},
                {available_book(worker.id, usd), 400},
                {available_book(payer.id, usd), 600}});
  EXPECT_EQ(sorted(outcome->deltas), sorted({{worker.id, balance_field::available, 400},
                                             {payer.id, balance_field::available, 600},
                                             {payer.id, balance_field::escrowed, -amount}}));
}

TEST_F(task_test, resolve_with_everything_to_the_worker_pays_the_worker) {
  auto outcome = resolve_task(disputed_task(), amount, "arbiter", clock.now());
  ASSERT_TRUE(outcome);
  EXPECT_EQ(outcome->task.worker_amount, amount);
  expect_entry(*outcome, entry_kind::task_resolve, clock.now(),
               {{escrow_book("task_1", usd), -amount}, {available_book(worker.id, usd), amount}});
  EXPECT_EQ(sorted(outcome->deltas), sorted({{worker.id, balance_field::available, amount},
                                             {payer.id, balance_field::escrowed, -amount}}));
}

TEST_F(task_test, resolve_rejects_splits_outside_zero_to_amount) {
  for (std::int64_t invalid :
       {std::int64_t{-1}, amount + 1, std::numeric_limits<std::int64_t>::min(),
        std::numeric_limits<std::int64_t>::max()}) {
    expect_rejected(resolve_task(disputed_task(), invalid, "arbiter", clock.now()),
                    {error_code::parameter_invalid, "worker_amount"});
  }
}

TEST_F(task_test, resolve_on_resolved_is_a_noop) {
  const task resolved = resolved_task();
  expect_noop(resolve_task(resolved, 400, "arbiter", clock.now()), resolved);
}

// ---- cancel ----------------------------------------------------------------------------

TEST_F(task_test, cancel_from_open_moves_no_money) {
  const task before = open_task();
  auto outcome = cancel_task(before, payer.id, clock.now());
  ASSERT_TRUE(outcome);
  EXPECT_EQ(outcome->task.state, task_state::cancelled);
  EXPECT_EQ(outcome->task.last_transition, task_transition::cancel);
  expect_recorded(*outcome, before, task_transition::cancel, payer.id, clock.now());
  expect_no_money_moved(*outcome);
}

TEST_F(task_test, cancel_from_funded_refunds_the_payer) {
  const task before = funded_task();
  auto outcome = cancel_task(before, payer.id, clock.now());
  ASSERT_TRUE(outcome);
  EXPECT_EQ(outcome->task.state, task_state::cancelled);
  EXPECT_EQ(outcome->task.escrow, 0);
  expect_recorded(*outcome, before, task_transition::cancel, payer.id, clock.now());
  expect_entry(*outcome, entry_kind::task_refund, clock.now(),
               {{escrow_book("task_1", usd), -amount}, {available_book(payer.id, usd), amount}});
  EXPECT_EQ(sorted(outcome->deltas), sorted({{payer.id, balance_field::available, amount},
                                             {payer.id, balance_field::escrowed, -amount}}));
}

TEST_F(task_test, cancel_on_cancelled_is_a_noop) {
  const task from_open = cancelled_open_task();
  expect_noop(cancel_task(from_open, payer.id, clock.now()), from_open);
  const task from_funded = cancelled_funded_task();
  expect_noop(cancel_task(from_funded, payer.id, clock.now()), from_funded);
}

// ---- lapse of the review window --------------------------------------------------------

TEST_F(task_test, lapse_before_the_deadline_is_review_window_open) {
  const task submitted = submitted_task();
  expect_rejected(lapse_review_window(submitted, submitted.review_deadline - 1),
                  {error_code::review_window_open, {}});
  expect_rejected(lapse_review_window(submitted, clock.now()),
                  {error_code::review_window_open, {}});
}

TEST_F(task_test, lapse_at_or_after_the_deadline_releases_to_the_worker) {
  const task before = submitted_task();
  for (std::int64_t when : {before.review_deadline, before.review_deadline + 86'400}) {
    auto outcome = lapse_review_window(before, when);
    ASSERT_TRUE(outcome) << when;
    EXPECT_EQ(outcome->task.state, task_state::released);
    EXPECT_EQ(outcome->task.last_transition, task_transition::review_window_lapsed);
    EXPECT_EQ(outcome->task.escrow, 0);
    EXPECT_EQ(outcome->task.review_deadline, 0);
    expect_recorded(*outcome, before, task_transition::review_window_lapsed, "system", when);
    expect_entry(*outcome, entry_kind::task_release, when,
                 {{escrow_book("task_1", usd), -amount}, {available_book(worker.id, usd), amount}});
    EXPECT_EQ(sorted(outcome->deltas), sorted({{worker.id, balance_field::available, amount},
                                               {payer.id, balance_field::escrowed, -amount}}));
  }
}

TEST_F(task_test, lapse_on_a_lapsed_task_is_a_noop) {
  const task lapsed = lapsed_task();
  expect_noop(lapse_review_window(lapsed, clock.now() + 10 * window_s), lapsed);
}

TEST_F(task_test, lapse_on_an_approved_task_is_invalid) {
  expect_rejected(lapse_review_window(approved_task(), clock.now() + 10 * window_s),
                  {error_code::invalid_state_transition, {}});
}

// ---- every transition from every state -------------------------------------------------

enum class expect_kind { changed, noop, invalid };

struct matrix_column {
  const char* name;
  std::function<result<task_outcome>(const task&)> apply;
  std::optional<task_state> to;  // when changed; empty: the state stays (assign)
};

TEST_F(task_test, every_transition_from_every_state) {
  const std::int64_t now = clock.now();
  const std::int64_t late = now + 100 * window_s;
  const std::vector<matrix_column> columns = {
      {"assign", [&](const task& c) { return assign_task(c, other_worker, payer.id, now); },
       std::nullopt},
      {"fund", [&](const task& c) { return fund_task(c, payer, payer.id, now); },
       task_state::funded},
      {"submit", [&](const task& c) { return submit_task(c, "s", worker.id, now); },
       task_state::submitted},
      {"approve", [&](const task& c) { return approve_task(c, payer.id, now); },
       task_state::released},
      {"dispute", [&](const task& c) { return dispute_task(c, "r", payer.id, now); },
       task_state::disputed},
      {"resolve", [&](const task& c) { return resolve_task(c, 500, "arbiter", now); },
       task_state::resolved},
      {"cancel", [&](const task& c) { return cancel_task(c, payer.id, now); },
       task_state::cancelled},
      {"lapse", [&](const task& c) { return lapse_review_window(c, late); }, task_state::released},
  };
  struct matrix_row {
    const char* name;
    task current;
    std::vector<expect_kind> expected;  // one per column, in column order
  };
  constexpr expect_kind c = expect_kind::changed;
  constexpr expect_kind n = expect_kind::noop;
  constexpr expect_kind x = expect_kind::invalid;
  // clang-format off
  const std::vector<matrix_row> rows = {
      //                                     assign fund submit approve dispute resolve cancel lapse
      {"open", open_task(),                   {c,    c,   x,     x,      x,      x,      c,     x}},
      {"funded", funded_task(),               {c,    n,   c,     x,      x,      x,      c,     x}},
      {"submitted", submitted_task(),         {x,    x,   n,     c,      c,      x,      x,     c}},
      {"approved", approved_task(),           {x,    x,   x,     n,      x,      x,      x,     x}},
      {"lapsed", lapsed_task(),               {x,    x,   x,     x,      x,      x,      x,     n}},
      {"disputed", disputed_task(),           {x,    x,   x,     x,      n,      c,      x,     x}},
      {"resolved", resolved_task(),           {x,    x,   x,     x,      x,      n,      x,     x}},
      {"cancelled_open", cancelled_open_task(), {x,  x,   x,     x,      x,      x,      n,     x}},
      {"cancelled_funded", cancelled_funded_task(),
                                              {x,    x,   x,     x,      x,      x,      n,     x}},
  };
  // clang-format on
  for (const auto& row : rows) {
    ASSERT_EQ(row.expected.size(), columns.size());
    for (std::size_t i = 0; i < columns.size(); ++i) {
      SCOPED_TRACE(std::string(row.name) + " --" + columns[i].name + "-->");
      auto outcome = columns[i].apply(row.current);
      switch (row.expected[i]) {
        case expect_kind::changed: {
          ASSERT_TRUE(outcome) << describe(outcome.code()).code;
          EXPECT_TRUE(outcome->changed);
          EXPECT_EQ(outcome->task.state, columns[i].to.value_or(row.current.state));
          EXPECT_EQ(outcome->task.escrow, escrow_by_state(outcome->task));
          EXPECT_EQ(outcome->entry.has_value(), row.current.escrow != outcome->task.escrow);
          break;
        }
        case expect_kind::noop:
          expect_noop(outcome, row.current);
          break;
        case expect_kind::invalid:
          expect_rejected(outcome, {error_code::invalid_state_transition, {}});
          break;
      }
    }
  }
}

// ---- history limit ---------------------------------------------------------------------

// Regression: a payer who filled the history with reassignments used to make submit,
// cancel, approve and the lapse fail with task_history_full, locking the escrow forever.
TEST_F(task_test, a_full_history_refuses_reassignment_but_never_locks_the_escrow) {
  task current = funded_task();
  while (current.history.size() < task_assignments_history_max) {
    const account& next = current.worker == worker.id ? other_worker : worker;
    current = must(assign_task(current, next, payer.id, clock.now())).task;
  }
  const account& next = current.worker == worker.id ? other_worker : worker;
  expect_rejected(assign_task(current, next, payer.id, clock.now()),
                  {error_code::task_history_full, {}});
  expect_noop(fund_task(current, payer, payer.id, clock.now()), current);
  const auto cancelled = must(cancel_task(current, payer.id, clock.now()));
  EXPECT_EQ(cancelled.task.state, task_state::cancelled);
  ASSERT_TRUE(cancelled.entry.has_value());
  EXPECT_EQ(cancelled.task.escrow, 0);
  const auto submitted = must(submit_task(current, "s", current.worker, clock.now()));
  const auto released = must(lapse_review_window(submitted.task, submitted.task.review_deadline));
  EXPECT_EQ(released.task.state, task_state::released);
  EXPECT_LE(released.task.history.size(), task_history_max);
}

// ---- whole lifecycles on real accounts -------------------------------------------------

void apply_to(account& target, const std::vector<account_delta>& deltas) {
  target = must(apply_deltas(target, deltas));
}

TEST_F(task_test, lifecycle_fund_submit_approve_moves_money_from_payer_to_worker) {
  auto funded = must(create_funded_task(command(), payer, &worker, clock.now()));
  apply_to(payer, funded.deltas);
  apply_to(worker, funded.deltas);
  EXPECT_EQ(payer.available, 9'000);
  EXPECT_EQ(payer.escrowed, amount);
  EXPECT_EQ(worker.available, 0);

  clock.advance(60);
  auto submitted = must(submit_task(funded.task, "done", worker.id, clock.now()));
  clock.advance(60);
  auto approved = must(approve_task(submitted.task, payer.id, clock.now()));
  apply_to(payer, approved.deltas);
  apply_to(worker, approved.deltas);
  EXPECT_EQ(payer.available, 9'000);
  EXPECT_EQ(payer.escrowed, 0);
  EXPECT_EQ(worker.available, amount);
  EXPECT_EQ(worker.escrowed, 0);
}

TEST_F(task_test, lifecycle_dispute_and_split_returns_the_rest_to_the_payer) {
  auto funded = must(create_funded_task(command(), payer, &worker, clock.now()));
  apply_to(payer, funded.deltas);
  auto submitted = must(submit_task(funded.task, "done", worker.id, clock.now()));
  auto disputed = must(dispute_task(submitted.task, "half done", payer.id, clock.now()));
  auto resolved = must(resolve_task(disputed.task, 250, "arbiter", clock.now()));
  apply_to(payer, resolved.deltas);
  apply_to(worker, resolved.deltas);
  EXPECT_EQ(payer.available, 9'750);
  EXPECT_EQ(payer.escrowed, 0);
  EXPECT_EQ(worker.available, 250);
}

TEST_F(task_test, lifecycle_fund_then_cancel_restores_the_payer) {
  auto funded = must(fund_task(open_task(), payer, payer.id, clock.now()));
  apply_to(payer, funded.deltas);
  auto cancelled = must(cancel_task(funded.task, payer.id, clock.now()));
  apply_to(payer, cancelled.deltas);
  EXPECT_EQ(payer.available, 10'000);
  EXPECT_EQ(payer.escrowed, 0);
}

// ---- names and on-disk numbers ---------------------------------------------------------

TEST(task_values, escrow_by_state_and_settled_states) {
  task probe;
  probe.amount = 77;
  const std::tuple<task_state, std::int64_t, bool> expected[] = {
      {task_state::open, 0, false},       {task_state::funded, 77, false},
      {task_state::submitted, 77, false}, {task_state::released, 0, true},
      {task_state::disputed, 77, false},  {task_state::resolved, 0, true},
      {task_state::cancelled, 0, true},
  };
  for (const auto& [state, escrow, settled] : expected) {
    probe.state = state;
    EXPECT_EQ(escrow_by_state(probe), escrow) << to_string(state);
    EXPECT_EQ(is_settled(state), settled) << to_string(state);
  }
}

TEST(task_values, names_and_on_disk_numbers_are_stable) {
  const std::pair<task_state, const char*> states[] = {
      {task_state::open, "open"},           {task_state::funded, "funded"},
      {task_state::submitted, "submitted"}, {task_state::released, "released"},
      {task_state::disputed, "disputed"},   {task_state::resolved, "resolved"},
      {task_state::cancelled, "cancelled"}};
  int number = 1;
  for (const auto& [state, name] : states) {
    EXPECT_EQ(static_cast<int>(state), number++);
    EXPECT_EQ(to_string(state), name);
  }
  const std::pair<task_transition, const char*> transitions[] = {
      {task_transition::create, "create"},
      {task_transition::assign, "assign"},
      {task_transition::fund, "fund"},
      {task_transition::submit, "submit"},
      {task_transition::approve, "approve"},
      {task_transition::dispute, "dispute"},
      {task_transition::resolve, "resolve"},
      {task_transition::cancel, "cancel"},
      {task_transition::review_window_lapsed, "review_window_lapsed"}};
  number = 1;
  for (const auto& [transition, name] : transitions) {
    EXPECT_EQ(static_cast<int>(transition), number++);
    EXPECT_EQ(to_string(transition), name);
  }
}

}  // namespace
}  // namespace escrowd
