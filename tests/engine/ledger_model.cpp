// The ledger property model's run loop, its choice of operation per step, and its random
// arguments (mostly plausible, sometimes invalid, sometimes a stale view of an account).
#include "tests/engine/ledger_model.hpp"

#include <algorithm>
#include <string>

namespace escrowd::property_testing {

void ledger_model::run(long steps) {
  const long full_check_every_steps = std::max(1'000L, steps / full_checks_per_run_min);
  const long replay_every_steps = std::max(10'000L, steps / replays_per_run_min);
  for (step_ = 1; step_ <= steps; ++step_) {
    clock_.advance(random_.between(0, 20));
    step();
    if (::testing::Test::HasFailure()) return;
    if (step_ % full_check_every_steps == 0) full_check();
    if (step_ % replay_every_steps == 0) replay_check();
    if (::testing::Test::HasFailure()) return;
  }
  operation_ = "final check";
  replay_check();
  full_check();
}

void ledger_model::step() {
  const bool room_for_accounts = accounts_.size() < accounts_max;
  const bool room_for_tasks = live_task_ids_.size() < live_tasks_max;
  if (accounts_.size() < 10) return create_account_step();
  const std::uint64_t roll = random_.below(100);
  if (roll < 3) return room_for_accounts ? create_account_step() : request_topup_step();
  if (roll < 15) return request_topup_step();
  if (roll < 25) return settle_step(processor_kind::topup);
  if (roll < 30) return reconcile_step();
  if (roll < 36) return request_withdrawal_step();
  if (roll < 42) return settle_step(processor_kind::withdrawal);
  if (roll < 50) return room_for_tasks ? create_task_step(false) : fund_step();
  if (roll < 56) return room_for_tasks ? create_task_step(true) : submit_step();
  if (roll < 60) return assign_step();
  if (roll < 67) return fund_step();
  if (roll < 75) return submit_step();
  if (roll < 81) return approve_step();
  if (roll < 85) return dispute_step();
  if (roll < 89) return resolve_step();
  if (roll < 93) return cancel_step();
  return lapse_step();
}

std::string ledger_model::fresh_id(std::string_view prefix) {
  switch (random_.below(40)) {
    case 0:
      return "";
    case 1:
      return std::string(prefix) + "bad id";
    case 2:
      return std::string(prefix) + std::string(id_length_max, 'x');  // too long
    case 3:
      return make_id(prefix, random_.next(), random_.next());
    default:
      return std::string(prefix) + std::to_string(next_id_++);
  }
}

std::int64_t ledger_model::random_amount(std::int64_t typical_max) {
  switch (random_.below(50)) {
    case 0:
      return 0;
    case 1:
      return -random_.between(1, 1'000);
    case 2:
      return amount_max + 1;
    case 3:
      return amount_max;
    default:
      return random_.between(1, typical_max);
  }
}

account* ledger_model::random_account() {
  if (account_ids_.empty()) return nullptr;
  return &accounts_.at(random_.pick(account_ids_));
}

// Mostly an account of the given currency (a plausible worker), sometimes any account.
account* ledger_model::random_account_in(currency ccy) {
  const auto found = account_ids_by_currency_.find(ccy.packed());
  if (found == account_ids_by_currency_.end() || random_.chance(1, 5)) return random_account();
  return &accounts_.at(random_.pick(found->second));
}

// Mostly a live task in one of the states where the operation is legal, so that long
// lifecycles happen; sometimes any task at all, so that illegal transitions happen too.
task* ledger_model::random_task(std::initializer_list<task_state> preferred) {
  if (task_ids_.empty()) return nullptr;
  if (!live_task_ids_.empty() && random_.chance(9, 10)) {
    for (int attempt = 0; attempt < 8; ++attempt) {
      task& candidate = tasks_.at(random_.pick(live_task_ids_));
      if (std::find(preferred.begin(), preferred.end(), candidate.state) != preferred.end())
        return &candidate;
    }
  }
  return &tasks_.at(random_.pick(task_ids_));
}

processor_operation* ledger_model::random_operation(processor_kind kind) {
  const auto& ids = kind == processor_kind::topup ? topup_ids_ : withdrawal_ids_;
  if (ids.empty()) return nullptr;
  if (random_.chance(3, 4)) {
    for (int attempt = 0; attempt < 4; ++attempt) {
      processor_operation& candidate = operations_.at(random_.pick(ids));
      if (is_open(candidate.status)) return &candidate;
    }
  }
  return &operations_.at(random_.pick(ids));
}

// The account as the deciding actor sees it: sometimes stale, showing more available than
// the account really holds, so the engine accepts and the account must refuse the deltas.
account ledger_model::view_of(const account& real, bool& stale) {
  account view = real;
  stale = random_.chance(1, 10);
  if (stale) view.available += random_.between(1, 5'000);
  return view;
}

}  // namespace escrowd::property_testing
