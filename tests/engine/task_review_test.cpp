// Tests engine/task.hpp's transitions once work is under way: submit, approve, dispute,
// resolve, cancel and the lapse of the review window. Each is checked exactly: the next
// task (state, escrow, deadline, history), its one journal entry and its account deltas.
#include <limits>

#include "tests/engine/task_fixture.hpp"

namespace escrowd {
namespace {

using namespace task_testing;

// ---- submit ----------------------------------------------------------------------------

TEST_F(task_test, submit_starts_the_review_window_without_moving_money) {
  const task before = funded_task();
  clock.advance(100);
  auto outcome = submit_task(before, "https://example.com/work", worker.id, clock.now());
  ASSERT_TRUE(outcome);
  EXPECT_EQ(outcome->task.state, task_state::submitted);
  EXPECT_EQ(outcome->task.last_transition, task_transition::submit);
  EXPECT_EQ(outcome->task.submission, "https://example.com/work");
  // The second of `now` may have begun up to a second before the submission: one more
  // second so that the payer always has the whole window.
  EXPECT_EQ(outcome->task.review_deadline, clock.now() + window_s + 1);
  EXPECT_EQ(outcome->task.escrow, amount);
  expect_recorded(*outcome, before, task_transition::submit, worker.id, clock.now());
  expect_no_money_moved(*outcome);
}

TEST_F(task_test, submit_on_submitted_is_a_noop) {
  const task submitted = submitted_task();
  clock.advance(50);
  expect_noop(submit_task(submitted, "done", worker.id, clock.now()), submitted);
}

// Not a repeat: another decision, which a 200 would claim was applied.
TEST_F(task_test, submit_on_submitted_with_another_submission_is_invalid) {
  const auto outcome = submit_task(submitted_task(), "done, corrected", worker.id, clock.now());
  expect_rejected(outcome, {error_code::invalid_state_transition, "submission"});
  EXPECT_NE(outcome.failure().message.find("another submission"), std::string::npos)
      << outcome.failure().message;
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
  expect_noop(dispute_task(disputed, "not done", payer.id, clock.now()), disputed);
}

TEST_F(task_test, dispute_on_disputed_with_another_reason_is_invalid) {
  expect_rejected(dispute_task(disputed_task(), "late too", payer.id, clock.now()),
                  {error_code::invalid_state_transition, "reason"});
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

// Two arbiters deciding differently: the second learns the split that was applied.
TEST_F(task_test, resolve_on_resolved_with_another_split_is_invalid) {
  const auto outcome = resolve_task(resolved_task(), 900, "arbiter", clock.now());
  expect_rejected(outcome, {error_code::invalid_state_transition, "worker_amount"});
  EXPECT_NE(outcome.failure().message.find("worker_amount 400"), std::string::npos)
      << outcome.failure().message;
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

// A clock stepped back (between two runs of the server) stamps a transition before the last
// one: history keeps its order, the item takes the last one's time.
TEST_F(task_test, history_never_goes_back_in_time) {
  clock.advance(3'600);
  const task submitted = submitted_task();
  const std::int64_t earlier = clock.now() - 3'000;
  const auto approved = must(approve_task(submitted, payer.id, earlier)).task;
  ASSERT_EQ(approved.history.size(), submitted.history.size() + 1);
  EXPECT_EQ(approved.history.back().transition, task_transition::approve);
  EXPECT_EQ(approved.history.back().time, submitted.history.back().time);
  const auto later = must(approve_task(submitted, payer.id, clock.now() + 5)).task;
  EXPECT_EQ(later.history.back().time, clock.now() + 5);
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

}  // namespace
}  // namespace escrowd
