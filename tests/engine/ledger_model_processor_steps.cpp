// The ledger property model's processor steps: accounts, top-ups and withdrawals requested,
// settled, sent to reconciliation, retried and cancelled, each against its prediction.
#include <string>

#include "tests/engine/ledger_model.hpp"

namespace escrowd::property_testing {

void ledger_model::create_account_step() {
  operation_ = "create_account";
  create_account_command command{fresh_id("acct_"), random_.pick(currencies_), "owner"};
  if (random_.chance(1, 50)) command.owner = std::string(owner_length_max + 1, 'o');
  if (accounts_.count(command.id) != 0) return;  // storage would answer already_exists
  std::vector<error_code> faults;
  if (!is_valid_id(command.id)) faults.push_back(error_code::id_invalid);
  if (command.owner.size() > owner_length_max) faults.push_back(error_code::parameter_invalid);
  auto created = create_account(command, clock_.now());
  if (!faults.empty()) {
    ASSERT_FALSE(created) << where();
    ASSERT_NE(std::find(faults.begin(), faults.end(), created.code()), faults.end())
        << where() << " unexpected code " << describe(created.code()).code;
    return count("rejected");
  }
  ASSERT_TRUE(created) << where() << " " << describe(created.code()).code;
  ASSERT_EQ(*created, (account{command.id, command.currency, command.owner, clock_.now()}))
      << where();
  accounts_.emplace(command.id, *created);
  account_ids_.push_back(command.id);
  account_ids_by_currency_[command.currency.packed()].push_back(command.id);
  count("create_account");
}

void ledger_model::request_topup_step() {
  operation_ = "request_topup";
  account* owner = random_account();
  if (owner == nullptr) return;
  processor_request_command command{fresh_id("top_"), random_amount(50'000), "pm_card_visa"};
  if (random_.chance(1, 40)) command.instrument = "";
  if (random_.chance(1, 40)) command.instrument = std::string(payment_method_length_max + 1, 'p');
  if (operations_.count(command.id) != 0) return;
  prediction expected = decide(false, true, request_faults(command, payment_method_length_max));
  expected.to_status = processor_status::pending;
  expect_field(expected, owner->id, balance_field::pending_topup, command.amount);
  const auto outcome = request_topup(*owner, command, clock_.now());
  if (const auto* done = accept(expected, outcome, false)) commit_operation(expected, *done);
}

void ledger_model::request_withdrawal_step() {
  operation_ = "request_withdrawal";
  account* owner = random_account();
  if (owner == nullptr) return;
  bool stale = false;
  const account view = view_of(*owner, stale);
  // Often the whole balance or near it, so both sides of the funds check are exercised.
  const std::int64_t amount = random_.chance(1, 4) && view.available > 0
                                  ? view.available + random_.between(-2, 1)
                                  : random_amount(20'000);
  processor_request_command command{fresh_id("wd_"), amount, "ba_checking"};
  if (random_.chance(1, 40)) command.instrument = "";
  if (random_.chance(1, 40)) command.instrument = std::string(destination_length_max + 1, 'd');
  if (operations_.count(command.id) != 0) return;
  auto faults = request_faults(command, destination_length_max);
  if (is_valid_amount(amount) && view.available < amount)
    faults.push_back(error_code::insufficient_funds);
  prediction expected = decide(false, true, faults);
  expected.to_status = processor_status::pending;
  expected.entry = entry_kind::withdrawal_hold;
  move_money(expected, available_book(owner->id, owner->currency),
             pending_withdrawal_book(owner->id, owner->currency), amount);
  const auto outcome = request_withdrawal(view, command, clock_.now());
  if (const auto* done = accept(expected, outcome, stale)) commit_operation(expected, *done);
}

void ledger_model::settle_step(processor_kind kind) {
  operation_ = kind == processor_kind::topup ? "settle_topup" : "settle_withdrawal";
  processor_operation* current = random_operation(kind);
  if (current == nullptr) return;
  const processor_status success =
      kind == processor_kind::topup ? processor_status::succeeded : processor_status::paid;
  const processor_status wrong =
      kind == processor_kind::topup ? processor_status::paid : processor_status::succeeded;
  const std::uint64_t roll = random_.below(20);
  const processor_status said = roll < 10   ? success
                                : roll < 18 ? processor_status::failed
                                : roll < 19 ? wrong
                                            : processor_status::pending;
  const prediction expected = predict_settle(*current, said);
  const settlement verdict{said, "obj_" + current->id,
                           said == processor_status::failed ? "declined" : "", ""};
  const auto outcome = settle(*current, verdict, clock_.now());
  if (const auto* done = accept(expected, outcome, false)) commit_operation(expected, *done);
}

void ledger_model::reconcile_step() {
  processor_operation* current =
      random_operation(random_.chance(1, 2) ? processor_kind::topup : processor_kind::withdrawal);
  if (current == nullptr) return;
  const std::uint64_t roll = random_.below(3);
  if (roll == 0) {
    operation_ = "require_reconciliation";
    prediction expected = decide(current->status == processor_status::requires_reconciliation,
                                 current->status == processor_status::pending, {});
    expected.to_status = processor_status::requires_reconciliation;
    const auto outcome = require_reconciliation(*current, "gave up", clock_.now());
    if (const auto* done = accept(expected, outcome, false)) commit_operation(expected, *done);
  } else if (roll == 1) {
    operation_ = "retry_operation";
    prediction expected = decide(current->status == processor_status::pending,
                                 current->status == processor_status::requires_reconciliation, {});
    expected.to_status = processor_status::pending;
    const auto outcome = retry_operation(*current, clock_.now());
    if (const auto* done = accept(expected, outcome, false)) commit_operation(expected, *done);
  } else {
    operation_ = "cancel_operation";
    const prediction expected = predict_cancel_operation(*current);
    const auto outcome = cancel_operation(*current, clock_.now());
    if (const auto* done = accept(expected, outcome, false)) commit_operation(expected, *done);
  }
}

}  // namespace escrowd::property_testing
