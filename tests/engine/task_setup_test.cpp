// Tests engine/task.hpp's transitions that set a task up before work starts: create (open or
// funded in one step), assign and fund. Each is checked exactly: the next task, its one
// journal entry and its account deltas, or the exact rejection code.
#include <limits>
#include <string>

#include "tests/engine/task_fixture.hpp"

namespace escrowd {
namespace {

using namespace task_testing;

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

}  // namespace
}  // namespace escrowd
