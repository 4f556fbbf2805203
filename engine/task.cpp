#include "engine/task.hpp"

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>

#include "engine/error_message.hpp"
#include "engine/id.hpp"

namespace escrowd {
namespace {

error invalid_transition(const task& current, task_transition transition) {
  const std::string state(to_string(current.state));
  if (transition == task_transition::review_window_lapsed)
    return rejection(error_code::invalid_state_transition, {},
                     "The review window of a task that is " + state + " cannot lapse.");
  if (transition == task_transition::submit && current.state == task_state::funded)
    return rejection(error_code::invalid_state_transition, {},
                     "The task has no worker to submit it: assign one first.");
  return rejection(
      error_code::invalid_state_transition, {},
      "Cannot " + std::string(to_string(transition)) + " a task that is " + state + ".");
}

task_outcome unchanged(const task& current) {
  return task_outcome{current, false, {}, {}};
}

// A repeat of the transition that produced the state, with another value of `param`.
error decided_otherwise(const task& current, std::string_view param, std::string_view applied) {
  return rejection(error_code::invalid_state_transition, param,
                   "The task is already " + std::string(to_string(current.state)) + " with " +
                       std::string(applied) + ": a repeat with another " + std::string(param) +
                       " changes nothing.");
}

// The outcome of moving a copy of `current` to `to` by `transition` (recorded in its
// history), then letting `adjust` change the rest: the fields the transition sets, its
// entry and deltas. Built in place and returned from one return statement, so the task
// (~270 bytes of strings and a vector, ~250 instructions a move) is copied once and never
// moved; callers return it as a prvalue for the same reason.
template <class Adjust>
result<task_outcome> transitioned(const task& current, task_transition transition, task_state to,
                                  const std::string& actor, std::int64_t now, Adjust&& adjust) {
  result<task_outcome> outcome(std::in_place);
  task& next = outcome->task;
  // Room for the item added below: a plain copy's history is exactly full, and the push
  // would allocate and move it again. Copy assignment keeps the reserved capacity.
  next.history.reserve(current.history.size() + 1);
  next = current;
  next.state = to;
  if (current.state != to) next.last_transition = transition;
  // History reads in order even if the clock that stamped an earlier item was ahead (a
  // clock stepped back while the server was down).
  const std::int64_t at =
      current.history.empty() ? now : std::max(now, current.history.back().time);
  next.history.push_back({transition, to, at, actor});
  outcome->changed = true;
  adjust(*outcome);
  return outcome;
}

// Escrow leaves the task: to the worker and/or back to the payer, in one entry.
void pay_out_escrow(task_outcome& outcome, entry_kind kind, std::int64_t to_worker,
                    std::int64_t to_payer, std::int64_t now) {
  task& paid = outcome.task;
  journal_entry entry{kind, paid.id, now, {}};
  entry.legs.reserve(3);
  outcome.deltas.reserve(outcome.deltas.size() + 3);
  entry.legs.push_back({escrow_book(paid.id, paid.currency), -paid.escrow});
  if (to_worker > 0) {
    entry.legs.push_back({available_book(paid.worker, paid.currency), to_worker});
    outcome.deltas.push_back({paid.worker, balance_field::available, to_worker});
  }
  if (to_payer > 0) {
    entry.legs.push_back({available_book(paid.payer, paid.currency), to_payer});
    outcome.deltas.push_back({paid.payer, balance_field::available, to_payer});
  }
  outcome.deltas.push_back({paid.payer, balance_field::escrowed, -paid.escrow});
  outcome.entry = std::move(entry);
  paid.escrow = 0;
}

status check_worker(const std::string& payer, const currency& task_currency,
                    const account& worker) {
  if (worker.id == payer)
    return rejection(error_code::parameter_invalid, "worker",
                     "The worker must be another account than the task's payer.");
  // Which currency the worker's account holds is not the payer's to learn (api.md: reveal
  // nothing of an object the principal may not see), so only the task's is named.
  if (worker.currency != task_currency)
    return rejection(
        error_code::currency_mismatch, "worker",
        "The worker's account is not in the task's currency, " + task_currency.str() + ".");
  return {};
}

// The open task create_task makes, after its checks passed.
result<task_outcome> created_task(const create_task_command& command, const account& payer,
                                  std::int64_t window, std::int64_t now) {
  result<task_outcome> outcome(std::in_place);
  task& created = outcome->task;
  created.id = command.id;
  created.payer = payer.id;
  created.worker = command.worker;
  created.amount = command.amount;
  created.currency = command.currency;
  created.review_window_s = window;
  created.created_at = now;
  created.history.push_back({task_transition::create, task_state::open, now, command.actor});
  outcome->changed = true;
  return outcome;
}

}  // namespace

std::string_view to_string(task_state state) {
  switch (state) {
    case task_state::open:
      return "open";
    case task_state::funded:
      return "funded";
    case task_state::submitted:
      return "submitted";
    case task_state::released:
      return "released";
    case task_state::disputed:
      return "disputed";
    case task_state::resolved:
      return "resolved";
    case task_state::cancelled:
      return "cancelled";
  }
  return "unknown";
}

std::string_view to_string(task_transition transition) {
  switch (transition) {
    case task_transition::create:
      return "create";
    case task_transition::assign:
      return "assign";
    case task_transition::fund:
      return "fund";
    case task_transition::submit:
      return "submit";
    case task_transition::approve:
      return "approve";
    case task_transition::dispute:
      return "dispute";
    case task_transition::resolve:
      return "resolve";
    case task_transition::cancel:
      return "cancel";
    case task_transition::review_window_lapsed:
      return "review_window_lapsed";
  }
  return "unknown";
}

bool is_settled(task_state state) {
  return state == task_state::released || state == task_state::resolved ||
         state == task_state::cancelled;
}

std::int64_t escrow_by_state(const task& current) {
  switch (current.state) {
    case task_state::funded:
    case task_state::submitted:
    case task_state::disputed:
      return current.amount;
    default:
      return 0;
  }
}

result<task_outcome> create_task(const create_task_command& command, const account& payer,
                                 const account* worker, std::int64_t now) {
  if (!is_valid_id(command.id)) return error{error_code::id_invalid, "id"};
  if (!is_valid_amount(command.amount)) return error{error_code::amount_invalid, "amount"};
  if (payer.currency != command.currency)
    return rejection(error_code::currency_mismatch, "currency",
                     "The payer's account is in " + payer.currency.str() + ", the task in " +
                         command.currency.str() + ".");
  const std::int64_t window = command.review_window_s.value_or(review_window_s_default);
  if (window < 1 || window > review_window_s_max)
    return rejection(
        error_code::parameter_invalid, "review_window_s",
        "review_window_s is 1 to " + std::to_string(review_window_s_max) + " seconds.");

  if (!command.worker.empty()) {
    if (worker == nullptr || worker->id != command.worker)
      return error{error_code::not_found, "worker"};
    if (auto checked = check_worker(payer.id, command.currency, *worker); !checked)
      return checked.failure();
  }
  return created_task(command, payer, window, now);
}

result<task_outcome> assign_task(const task& current, const account& worker,
                                 const std::string& actor, std::int64_t now) {
  if (current.state != task_state::open && current.state != task_state::funded)
    return invalid_transition(current, task_transition::assign);
  if (auto checked = check_worker(current.payer, current.currency, worker); !checked)
    return checked.failure();
  if (current.worker == worker.id) return unchanged(current);
  if (current.history.size() >= task_assignments_history_max)
    return error{error_code::task_history_full, {}};
  return transitioned(current, task_transition::assign, current.state, actor, now,
                      [&](task_outcome& outcome) { outcome.task.worker = worker.id; });
}

result<task_outcome> fund_task(const task& current, const account& payer, const std::string& actor,
                               std::int64_t now) {
  if (current.state == task_state::funded) return unchanged(current);
  if (current.state != task_state::open) return invalid_transition(current, task_transition::fund);
  if (payer.id != current.payer) return error{error_code::parameter_invalid, "payer"};
  if (payer.currency != current.currency) return error{error_code::currency_mismatch, {}};
  if (payer.available < current.amount)
    return insufficient_funds("The payer's available balance", payer.available, current.amount);

  return transitioned(
      current, task_transition::fund, task_state::funded, actor, now, [&](task_outcome& outcome) {
        outcome.task.escrow = current.amount;
        outcome.entry = transfer_entry(entry_kind::task_fund, current.id, now,
                                       available_book(current.payer, current.currency),
                                       escrow_book(current.id, current.currency), current.amount);
        outcome.deltas = {{current.payer, balance_field::available, -current.amount},
                          {current.payer, balance_field::escrowed, current.amount}};
      });
}

result<task_outcome> create_funded_task(const create_task_command& command, const account& payer,
                                        const account* worker, std::int64_t now) {
  auto created = create_task(command, payer, worker, now);
  if (!created) return created;
  return fund_task(created->task, payer, command.actor, now);
}

result<task_outcome> submit_task(const task& current, std::string submission,
                                 const std::string& actor, std::int64_t now) {
  if (current.state == task_state::submitted) {
    if (submission == current.submission) return unchanged(current);
    return decided_otherwise(current, "submission", "another submission");
  }
  if (current.state != task_state::funded || current.worker.empty())
    return invalid_transition(current, task_transition::submit);
  if (submission.size() > submission_length_max)
    return too_long("submission", submission_length_max);
  auto deadline = checked_add(now, current.review_window_s + 1);
  if (!deadline) return error{error_code::parameter_invalid, "review_window_s"};

  return transitioned(current, task_transition::submit, task_state::submitted, actor, now,
                      [&](task_outcome& outcome) {
                        outcome.task.submission = std::move(submission);
                        outcome.task.review_deadline = *deadline;
                      });
}

result<task_outcome> approve_task(const task& current, const std::string& actor, std::int64_t now) {
  if (current.state == task_state::released && current.last_transition == task_transition::approve)
    return unchanged(current);
  if (current.state != task_state::submitted)
    return invalid_transition(current, task_transition::approve);
  return transitioned(current, task_transition::approve, task_state::released, actor, now,
                      [&](task_outcome& outcome) {
                        outcome.task.review_deadline = 0;
                        pay_out_escrow(outcome, entry_kind::task_release, current.amount, 0, now);
                      });
}

result<task_outcome> dispute_task(const task& current, std::string reason, const std::string& actor,
                                  std::int64_t now) {
  if (current.state == task_state::disputed) {
    if (reason == current.dispute_reason) return unchanged(current);
    return decided_otherwise(current, "reason", "another reason");
  }
  if (current.state != task_state::submitted)
    return invalid_transition(current, task_transition::dispute);
  // Past the deadline the work is the worker's (api.md: protected from silence), even in
  // the moment before the review timer has released it.
  if (current.review_deadline != 0 && now >= current.review_deadline)
    return rejection(error_code::invalid_state_transition, {},
                     "The review window lapsed at " + std::to_string(current.review_deadline) +
                         ": the task is released to the worker and can no longer be disputed.");
  if (reason.size() > dispute_reason_length_max)
    return too_long("reason", dispute_reason_length_max);
  return transitioned(current, task_transition::dispute, task_state::disputed, actor, now,
                      [&](task_outcome& outcome) {
                        outcome.task.dispute_reason = std::move(reason);
                        outcome.task.review_deadline = 0;
                      });
}

result<task_outcome> resolve_task(const task& current, std::int64_t worker_amount,
                                  const std::string& actor, std::int64_t now) {
  if (current.state == task_state::resolved) {
    if (worker_amount == current.worker_amount) return unchanged(current);
    return decided_otherwise(current, "worker_amount",
                             "worker_amount " + std::to_string(current.worker_amount));
  }
  if (current.state != task_state::disputed)
    return invalid_transition(current, task_transition::resolve);
  if (worker_amount < 0 || worker_amount > current.amount)
    return rejection(
        error_code::parameter_invalid, "worker_amount",
        "worker_amount is 0 to the task's amount, " + std::to_string(current.amount) + ".");
  return transitioned(current, task_transition::resolve, task_state::resolved, actor, now,
                      [&](task_outcome& outcome) {
                        outcome.task.worker_amount = worker_amount;
                        pay_out_escrow(outcome, entry_kind::task_resolve, worker_amount,
                                       current.amount - worker_amount, now);
                      });
}

result<task_outcome> cancel_task(const task& current, const std::string& actor, std::int64_t now) {
  if (current.state == task_state::cancelled) return unchanged(current);
  if (current.state != task_state::open && current.state != task_state::funded)
    return invalid_transition(current, task_transition::cancel);
  return transitioned(current, task_transition::cancel, task_state::cancelled, actor, now,
                      [&](task_outcome& outcome) {
                        if (current.state == task_state::funded)
                          pay_out_escrow(outcome, entry_kind::task_refund, 0, current.amount, now);
                      });
}

result<task_outcome> lapse_review_window(const task& current, std::int64_t now) {
  if (current.state == task_state::released &&
      current.last_transition == task_transition::review_window_lapsed)
    return unchanged(current);
  if (current.state != task_state::submitted)
    return invalid_transition(current, task_transition::review_window_lapsed);
  if (now < current.review_deadline) return error{error_code::review_window_open, {}};
  return transitioned(current, task_transition::review_window_lapsed, task_state::released,
                      "system", now, [&](task_outcome& outcome) {
                        outcome.task.review_deadline = 0;
                        pay_out_escrow(outcome, entry_kind::task_release, current.amount, 0, now);
                      });
}

}  // namespace escrowd
