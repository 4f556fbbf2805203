// Tests engine/task.hpp as a whole: every transition from every state (changed,
// natural-idempotency no-op, or the exact rejection code), the history limit, full
// lifecycles applying the deltas to real accounts, and the names and on-disk numbers.
#include <functional>
#include <optional>
#include <tuple>
#include <vector>

#include "tests/engine/task_fixture.hpp"

namespace escrowd {
namespace {

using namespace task_testing;

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
      {"submit", [&](const task& c) { return submit_task(c, "done", worker.id, now); },
       task_state::submitted},
      {"approve", [&](const task& c) { return approve_task(c, payer.id, now); },
       task_state::released},
      {"dispute", [&](const task& c) { return dispute_task(c, "not done", payer.id, now); },
       task_state::disputed},
      {"resolve", [&](const task& c) { return resolve_task(c, 400, "arbiter", now); },
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
