#include "engine/processor_operation.hpp"

#include <utility>

#include "engine/error_message.hpp"
#include "engine/id.hpp"
#include "engine/money.hpp"

namespace escrowd {
namespace {

error invalid_transition() {
  return error{error_code::invalid_state_transition, {}};
}

processor_outcome unchanged(const processor_operation& current) {
  return processor_outcome{current, false, {}, {}};
}

processor_outcome moved(const processor_operation& current, processor_status to, std::int64_t now) {
  processor_outcome outcome{current, true, {}, {}};
  outcome.operation.status = to;
  outcome.operation.updated_at = now;
  return outcome;
}

// Cut before a character, never inside one: the text is shown in JSON answers, and half a
// UTF-8 sequence would make them invalid.
std::string bounded(std::string text) {
  if (text.size() <= failure_text_length_max) return text;
  // A character has at most three continuation bytes; text that is not UTF-8 is cut at most
  // three bytes short of the bound.
  std::size_t end = failure_text_length_max;
  while (end > failure_text_length_max - 3 &&
         (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
    --end;
  text.resize(end);
  return text;
}

status validate_request(const processor_request_command& command, std::string_view instrument,
                        std::size_t instrument_length_max) {
  if (!is_valid_id(command.id)) return error{error_code::id_invalid, "id"};
  if (!is_valid_amount(command.amount)) return error{error_code::amount_invalid, "amount"};
  if (command.instrument.empty())
    return error{error_code::parameter_missing, std::string(instrument)};
  if (command.instrument.size() > instrument_length_max)
    return too_long(instrument, instrument_length_max);
  return {};
}

processor_operation new_operation(processor_kind kind, const account& owner,
                                  const processor_request_command& command, std::int64_t now) {
  processor_operation operation;
  operation.kind = kind;
  operation.id = command.id;
  operation.account_id = owner.id;
  operation.amount = command.amount;
  operation.currency = owner.currency;
  operation.instrument = command.instrument;
  operation.created_at = now;
  operation.updated_at = now;
  return operation;
}

// The hold of an open withdrawal goes back to available (failed or cancelled).
void return_hold(processor_outcome& outcome, std::int64_t now) {
  const auto& held = outcome.operation;
  outcome.entry = transfer_entry(entry_kind::withdrawal_returned, held.id, now,
                                 pending_withdrawal_book(held.account_id, held.currency),
                                 available_book(held.account_id, held.currency), held.amount);
  outcome.deltas = {{held.account_id, balance_field::pending_withdrawal, -held.amount},
                    {held.account_id, balance_field::available, held.amount}};
}

result<processor_outcome> settle_topup(const processor_operation& current, processor_status verdict,
                                       std::int64_t now) {
  if (verdict == processor_status::succeeded) {
    if (current.status == processor_status::succeeded) return unchanged(current);
    if (!is_open(current.status)) return invalid_transition();
    auto outcome = moved(current, processor_status::succeeded, now);
    outcome.entry = transfer_entry(
        entry_kind::topup_succeeded, current.id, now, clearing_book(current.currency),
        available_book(current.account_id, current.currency), current.amount);
    outcome.deltas = {{current.account_id, balance_field::pending_topup, -current.amount},
                      {current.account_id, balance_field::available, current.amount}};
    return outcome;
  }
  if (verdict != processor_status::failed) return error{error_code::parameter_invalid, "status"};
  if (current.status == processor_status::failed) return unchanged(current);
  if (!is_open(current.status)) return invalid_transition();
  auto outcome = moved(current, processor_status::failed, now);
  outcome.deltas = {{current.account_id, balance_field::pending_topup, -current.amount}};
  return outcome;
}

result<processor_outcome> settle_withdrawal(const processor_operation& current,
                                            processor_status verdict, std::int64_t now) {
  if (verdict == processor_status::paid) {
    if (current.status == processor_status::paid) return unchanged(current);
    if (!is_open(current.status)) return invalid_transition();
    auto outcome = moved(current, processor_status::paid, now);
    outcome.entry = transfer_entry(entry_kind::withdrawal_paid, current.id, now,
                                   pending_withdrawal_book(current.account_id, current.currency),
                                   clearing_book(current.currency), current.amount);
    outcome.deltas = {{current.account_id, balance_field::pending_withdrawal, -current.amount}};
    return outcome;
  }
  if (verdict != processor_status::failed) return error{error_code::parameter_invalid, "status"};
  if (current.status == processor_status::failed) return unchanged(current);
  if (current.status == processor_status::paid) {
    // A paid payout bounced later: the money comes back from the processor.
    auto outcome = moved(current, processor_status::failed, now);
    outcome.entry = transfer_entry(
        entry_kind::withdrawal_reversed, current.id, now, clearing_book(current.currency),
        available_book(current.account_id, current.currency), current.amount);
    outcome.deltas = {{current.account_id, balance_field::available, current.amount}};
    return outcome;
  }
  if (!is_open(current.status)) return invalid_transition();
  auto outcome = moved(current, processor_status::failed, now);
  return_hold(outcome, now);
  return outcome;
}

}  // namespace

bool is_open(processor_status status) {
  return status == processor_status::pending || status == processor_status::requires_reconciliation;
}

std::string_view to_string(processor_status status) {
  switch (status) {
    case processor_status::pending:
      return "pending";
    case processor_status::succeeded:
      return "succeeded";
    case processor_status::paid:
      return "paid";
    case processor_status::failed:
      return "failed";
    case processor_status::requires_reconciliation:
      return "requires_reconciliation";
    case processor_status::cancelled:
      return "cancelled";
  }
  return "unknown";
}

std::string_view to_string(processor_kind kind) {
  return kind == processor_kind::topup ? "topup" : "withdrawal";
}

std::string processor_idempotency_key(processor_kind kind, std::string_view operation_id) {
  const std::string_view step = kind == processor_kind::topup ? "charge" : "payout";
  std::string key(to_string(kind));
  key.append(":").append(operation_id).append(":").append(step);
  return key;
}

std::string processor_idempotency_key(const processor_operation& operation) {
  return processor_idempotency_key(operation.kind, operation.id);
}

result<processor_outcome> request_topup(const account& owner,
                                        const processor_request_command& command,
                                        std::int64_t now) {
  if (auto valid = validate_request(command, "payment_method", payment_method_length_max); !valid)
    return valid.failure();
  // Refused before the card is charged: once it is, a credit that cannot be applied would
  // leave the top-up charged and pending until the balance made room.
  const auto after_pending = checked_add(owner.available, owner.pending_topup);
  if (!after_pending || !checked_add(*after_pending, command.amount))
    return rejection(error_code::balance_overflow, "amount",
                     "The balance with its pending top-ups and this amount would pass the "
                     "largest balance an account may hold.");
  processor_outcome outcome{
      new_operation(processor_kind::topup, owner, command, now), true, {}, {}};
  outcome.deltas = {{owner.id, balance_field::pending_topup, command.amount}};
  return outcome;
}

result<processor_outcome> request_withdrawal(const account& owner,
                                             const processor_request_command& command,
                                             std::int64_t now) {
  if (auto valid = validate_request(command, "destination", destination_length_max); !valid)
    return valid.failure();
  if (owner.available < command.amount)
    return insufficient_funds("The available balance", owner.available, command.amount);
  processor_outcome outcome{
      new_operation(processor_kind::withdrawal, owner, command, now), true, {}, {}};
  outcome.entry = transfer_entry(entry_kind::withdrawal_hold, command.id, now,
                                 available_book(owner.id, owner.currency),
                                 pending_withdrawal_book(owner.id, owner.currency), command.amount);
  outcome.deltas = {{owner.id, balance_field::available, -command.amount},
                    {owner.id, balance_field::pending_withdrawal, command.amount}};
  return outcome;
}

result<processor_outcome> settle(const processor_operation& current, const settlement& verdict,
                                 std::int64_t now) {
  auto outcome = current.kind == processor_kind::topup
                     ? settle_topup(current, verdict.status, now)
                     : settle_withdrawal(current, verdict.status, now);
  if (!outcome || !outcome->changed) return outcome;
  // Cut, it would name another object, which later lookups would then ask for.
  if (verdict.processor_object_id.size() > processor_object_id_length_max)
    return rejection(error_code::parameter_invalid, "processor_object_id",
                     "The processor's object id is longer than " +
                         std::to_string(processor_object_id_length_max) + " characters.");
  auto& settled = outcome->operation;
  if (!verdict.processor_object_id.empty())
    settled.processor_object_id = verdict.processor_object_id;
  settled.failure_code = bounded(verdict.failure_code);
  settled.failure_message = bounded(verdict.failure_message);
  return outcome;
}

result<processor_outcome> require_reconciliation(const processor_operation& current,
                                                 std::string reason, std::int64_t now,
                                                 std::string_view code) {
  if (current.status == processor_status::requires_reconciliation) return unchanged(current);
  if (current.status != processor_status::pending) return invalid_transition();
  auto outcome = moved(current, processor_status::requires_reconciliation, now);
  outcome.operation.failure_message = bounded(std::move(reason));
  outcome.operation.failure_code = bounded(std::string(code));
  return outcome;
}

result<processor_outcome> retry_operation(const processor_operation& current, std::int64_t now) {
  if (current.status == processor_status::pending) return unchanged(current);
  if (current.status != processor_status::requires_reconciliation) return invalid_transition();
  auto outcome = moved(current, processor_status::pending, now);
  outcome.operation.failure_code.clear();
  outcome.operation.failure_message.clear();
  return outcome;
}

result<processor_outcome> cancel_operation(const processor_operation& current, std::int64_t now) {
  if (current.status == processor_status::cancelled) return unchanged(current);
  if (current.status != processor_status::requires_reconciliation) return invalid_transition();
  auto outcome = moved(current, processor_status::cancelled, now);
  if (current.kind == processor_kind::topup)
    outcome.deltas = {{current.account_id, balance_field::pending_topup, -current.amount}};
  else
    return_hold(outcome, now);
  return outcome;
}

}  // namespace escrowd
