// The ledger property model's task steps: create (open or funded), assign, fund, submit,
// approve, dispute, resolve, cancel and the lapse of the review window, each against its
// prediction.
#include <string>

#include "tests/engine/ledger_model.hpp"

namespace escrowd::property_testing {

void ledger_model::create_task_step(bool funded) {
  operation_ = funded ? "create_funded_task" : "create_task";
  account* payer = random_account();
  if (payer == nullptr) return;
  bool stale = false;
  const account view = view_of(*payer, stale);
  // Short review windows mostly, so that some submitted tasks outlive them and lapse.
  const std::int64_t window = random_.between(1, random_.chance(1, 2) ? 60 : 2'000);
  create_task_command command{fresh_id("task_"), "",     random_amount(5'000),
                              payer->currency,   window, payer->id};
  if (random_.chance(1, 10)) command.currency = random_.pick(currencies_);
  const std::uint64_t window_roll = random_.below(20);
  if (window_roll == 0) command.review_window_s.reset();
  if (window_roll == 1)
    command.review_window_s = random_.chance(1, 2) ? 0 : review_window_s_max + 1;
  const account* worker = nullptr;
  const std::uint64_t worker_roll = random_.below(20);
  if (worker_roll == 0) {
    command.worker = "acct_missing";
  } else if (worker_roll == 1) {
    worker = payer;
  } else if (worker_roll > 3) {
    worker = random_account_in(command.currency);
  }
  if (worker != nullptr) command.worker = worker->id;
  if (tasks_.count(command.id) != 0) return;

  std::vector<error_code> faults;
  if (!is_valid_id(command.id)) faults.push_back(error_code::id_invalid);
  if (!is_valid_amount(command.amount)) faults.push_back(error_code::amount_invalid);
  if (command.currency != payer->currency) faults.push_back(error_code::currency_mismatch);
  const std::int64_t window_s = command.review_window_s.value_or(review_window_s_default);
  if (window_s < 1 || window_s > review_window_s_max)
    faults.push_back(error_code::parameter_invalid);
  if (!command.worker.empty() && worker == nullptr) faults.push_back(error_code::not_found);
  if (worker != nullptr && worker->id == payer->id) faults.push_back(error_code::parameter_invalid);
  if (worker != nullptr && worker->currency != command.currency)
    faults.push_back(error_code::currency_mismatch);
  if (funded && is_valid_amount(command.amount) && view.available < command.amount)
    faults.push_back(error_code::insufficient_funds);

  prediction expected = decide(false, true, faults);
  expected.to_state = funded ? task_state::funded : task_state::open;
  expected.transition = funded ? task_transition::fund : task_transition::create;
  if (funded) {
    task shape;
    shape.id = command.id;
    shape.payer = payer->id;
    shape.amount = command.amount;
    shape.currency = command.currency;
    fund_from_payer(expected, shape);
  }
  const auto outcome = funded ? create_funded_task(command, view, worker, clock_.now())
                              : create_task(command, view, worker, clock_.now());
  if (const auto* done = accept(expected, outcome, stale)) commit_task(expected, *done);
}

void ledger_model::assign_step() {
  operation_ = "assign_task";
  task* current = random_task({task_state::open, task_state::funded});
  if (current == nullptr) return;
  const account* worker = random_account_in(current->currency);
  if (random_.chance(1, 10)) worker = &accounts_.at(current->payer);
  if (random_.chance(1, 5) && !current->worker.empty()) worker = &accounts_.at(current->worker);
  const bool state_ok = current->state == task_state::open || current->state == task_state::funded;
  std::vector<error_code> faults;
  if (worker->id == current->payer) faults.push_back(error_code::parameter_invalid);
  if (worker->currency != current->currency) faults.push_back(error_code::currency_mismatch);
  prediction expected = decide(state_ok && worker->id == current->worker, state_ok, faults,
                               current->history.size() >= task_assignments_history_max);
  expected.to_state = current->state;
  expected.transition = task_transition::assign;
  const auto outcome = assign_task(*current, *worker, current->payer, clock_.now());
  if (const auto* done = accept(expected, outcome, false)) commit_task(expected, *done);
}

void ledger_model::fund_step() {
  operation_ = "fund_task";
  task* current = random_task({task_state::open});
  if (current == nullptr) return;
  bool stale = false;
  account view = view_of(accounts_.at(current->payer), stale);
  if (random_.chance(1, 20)) {
    view = *random_account();
    stale = false;
  }
  std::vector<error_code> faults;
  if (view.id != current->payer) faults.push_back(error_code::parameter_invalid);
  if (view.currency != current->currency) faults.push_back(error_code::currency_mismatch);
  if (view.available < current->amount) faults.push_back(error_code::insufficient_funds);
  prediction expected =
      decide(current->state == task_state::funded, current->state == task_state::open, faults,
             /*history_full=*/false);
  expected.to_state = task_state::funded;
  expected.transition = task_transition::fund;
  fund_from_payer(expected, *current);
  const auto outcome = fund_task(*current, view, current->payer, clock_.now());
  if (const auto* done = accept(expected, outcome, stale)) commit_task(expected, *done);
}

void ledger_model::submit_step() {
  operation_ = "submit_task";
  task* current = random_task({task_state::funded});
  if (current == nullptr) return;
  // Two texts, so that repeats on a submitted task come with the same one and with another.
  std::string submission =
      random_.chance(1, 4) ? "https://example.com/v2" : "https://example.com/v1";
  if (random_.chance(1, 40)) submission.assign(submission_length_max + 1, 's');
  std::vector<error_code> faults;
  if (submission.size() > submission_length_max) faults.push_back(error_code::parameter_invalid);
  // A repeat with another submission is another decision, not the natural no-op.
  const bool noop = current->state == task_state::submitted && submission == current->submission;
  prediction expected =
      decide(noop, current->state == task_state::funded && !current->worker.empty(), faults,
             /*history_full=*/false);
  expected.to_state = task_state::submitted;
  expected.transition = task_transition::submit;
  const auto outcome = submit_task(*current, std::move(submission), current->worker, clock_.now());
  if (const auto* done = accept(expected, outcome, false)) commit_task(expected, *done);
}

void ledger_model::approve_step() {
  operation_ = "approve_task";
  task* current = random_task({task_state::submitted});
  if (current == nullptr) return;
  const bool noop = current->state == task_state::released &&
                    current->last_transition == task_transition::approve;
  prediction expected = decide(noop, current->state == task_state::submitted, {},
                               /*history_full=*/false);
  expected.to_state = task_state::released;
  expected.transition = task_transition::approve;
  pay_out(expected, entry_kind::task_release, *current, current->amount);
  const auto outcome = approve_task(*current, current->payer, clock_.now());
  if (const auto* done = accept(expected, outcome, false)) commit_task(expected, *done);
}

void ledger_model::dispute_step() {
  operation_ = "dispute_task";
  task* current = random_task({task_state::submitted});
  if (current == nullptr) return;
  std::string reason = random_.chance(1, 4) ? "late" : "not what was asked";
  if (random_.chance(1, 40)) reason.assign(dispute_reason_length_max + 1, 'r');
  std::vector<error_code> faults;
  if (reason.size() > dispute_reason_length_max) faults.push_back(error_code::parameter_invalid);
  // Past its review deadline the task is the worker's, released or not yet.
  const bool window_open = current->review_deadline == 0 || clock_.now() < current->review_deadline;
  const bool noop = current->state == task_state::disputed && reason == current->dispute_reason;
  prediction expected = decide(noop, current->state == task_state::submitted && window_open, faults,
                               /*history_full=*/false);
  expected.to_state = task_state::disputed;
  expected.transition = task_transition::dispute;
  const auto outcome = dispute_task(*current, std::move(reason), current->payer, clock_.now());
  if (const auto* done = accept(expected, outcome, false)) commit_task(expected, *done);
}

void ledger_model::resolve_step() {
  operation_ = "resolve_task";
  task* current = random_task({task_state::disputed});
  if (current == nullptr) return;
  const std::int64_t amount = current->amount;
  std::int64_t worker_amount = 0;
  switch (random_.below(10)) {
    case 0:
    case 1:
      worker_amount = 0;
      break;
    case 2:
    case 3:
      worker_amount = amount;
      break;
    case 4:
      worker_amount = -random_.between(1, 100);
      break;
    case 5:
      worker_amount = amount + random_.between(1, 100);
      break;
    default:
      worker_amount = random_.between(0, amount);
      break;
  }
  std::vector<error_code> faults;
  if (worker_amount < 0 || worker_amount > amount) faults.push_back(error_code::parameter_invalid);
  prediction expected =
      decide(current->state == task_state::resolved && worker_amount == current->worker_amount,
             current->state == task_state::disputed, faults,
             /*history_full=*/false);
  expected.to_state = task_state::resolved;
  expected.transition = task_transition::resolve;
  if (expected.may_change) pay_out(expected, entry_kind::task_resolve, *current, worker_amount);
  const auto outcome = resolve_task(*current, worker_amount, "arbiter", clock_.now());
  if (const auto* done = accept(expected, outcome, false)) {
    count(worker_amount == 0        ? "resolve_to_payer"
          : worker_amount == amount ? "resolve_to_worker"
                                    : "resolve_split");
    commit_task(expected, *done);
  }
}

void ledger_model::cancel_step() {
  operation_ = "cancel_task";
  task* current = random_task({task_state::open, task_state::funded});
  if (current == nullptr) return;
  prediction expected =
      decide(current->state == task_state::cancelled,
             current->state == task_state::open || current->state == task_state::funded, {},
             /*history_full=*/false);
  expected.to_state = task_state::cancelled;
  expected.transition = task_transition::cancel;
  if (current->state == task_state::funded) pay_out(expected, entry_kind::task_refund, *current, 0);
  const auto outcome = cancel_task(*current, current->payer, clock_.now());
  if (const auto* done = accept(expected, outcome, false)) commit_task(expected, *done);
}

void ledger_model::lapse_step() {
  operation_ = "lapse_review_window";
  task* current = random_task({task_state::submitted});
  if (current == nullptr) return;
  const bool noop = current->state == task_state::released &&
                    current->last_transition == task_transition::review_window_lapsed;
  std::vector<error_code> faults;
  if (clock_.now() < current->review_deadline) faults.push_back(error_code::review_window_open);
  prediction expected = decide(noop, current->state == task_state::submitted, faults,
                               /*history_full=*/false);
  expected.to_state = task_state::released;
  expected.transition = task_transition::review_window_lapsed;
  pay_out(expected, entry_kind::task_release, *current, current->amount);
  const auto outcome = lapse_review_window(*current, clock_.now());
  if (const auto* done = accept(expected, outcome, false)) commit_task(expected, *done);
}

}  // namespace escrowd::property_testing
