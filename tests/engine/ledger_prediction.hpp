// The ledger property test's predictions: what the model accepts as the engine's answer to
// one operation (acceptable rejections, a no-op, or a change with the exact net movement
// of every book and account field), written from the contract, never from the engine.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/account.hpp"
#include "engine/id.hpp"
#include "engine/journal.hpp"
#include "engine/processor_operation.hpp"
#include "engine/task.hpp"

namespace escrowd::property_testing {

struct book_key {
  book_kind kind = book_kind::available;
  std::string owner;
  std::uint32_t currency = 0;
  auto operator<=>(const book_key&) const = default;
};

struct book_key_hash {
  std::size_t operator()(const book_key& key) const {
    return std::hash<std::string>{}(key.owner) ^ (std::size_t(key.kind) << 56) ^
           (std::size_t(key.currency) * 0x9e3779b97f4a7c15ULL);
  }
};
using book_balances = std::unordered_map<book_key, std::int64_t, book_key_hash>;

inline book_key key_of(const book_account& book) {
  return {book.kind, book.owner, book.currency.packed()};
}

using field_key = std::pair<std::string, balance_field>;
using book_moves = std::map<book_key, std::int64_t>;
using field_moves = std::map<field_key, std::int64_t>;

// What the model accepts as the engine's answer to one operation.
struct prediction {
  std::vector<error_code> rejections;  // acceptable rejection codes
  bool may_noop = false;               // the natural-idempotency no-op
  bool may_change = false;
  // When it changes: the entry's kind (none: no entry), the net movement of each book and
  // of each account field, and where the object ends up.
  std::optional<entry_kind> entry;
  book_moves books;
  field_moves fields;
  std::optional<task_state> to_state;
  std::optional<task_transition> transition;
  std::optional<processor_status> to_status;
};

// The contract's order of concerns: repeating the transition that produced the state is a
// no-op; any other out-of-state transition is invalid_state_transition; then the argument
// faults; then the history limit. Where the engine may reasonably check in another order,
// every applicable code is accepted.
inline prediction decide(bool noop, bool state_ok, std::vector<error_code> faults,
                         bool history_full = false) {
  prediction made;
  if (noop) {
    made.may_noop = true;
    made.rejections = std::move(faults);
  } else if (!state_ok) {
    made.rejections = std::move(faults);
    made.rejections.push_back(error_code::invalid_state_transition);
  } else if (!faults.empty()) {
    made.rejections = std::move(faults);
  } else if (history_full) {
    made.rejections = {error_code::task_history_full};
  } else {
    made.may_change = true;
  }
  return made;
}

// A transfer of `amount` from one book to another, mirrored on the account fields that the
// books are (available, pending_withdrawal); escrow and clearing have no account field.
inline void move_money(prediction& made, const book_account& from, const book_account& to,
                       std::int64_t amount) {
  made.books[key_of(from)] -= amount;
  made.books[key_of(to)] += amount;
  for (const auto& [book, sign] : {std::pair{&from, -1}, std::pair{&to, 1}}) {
    if (book->kind == book_kind::available)
      made.fields[{book->owner, balance_field::available}] += sign * amount;
    if (book->kind == book_kind::pending_withdrawal)
      made.fields[{book->owner, balance_field::pending_withdrawal}] += sign * amount;
  }
}

inline void expect_field(prediction& made, const std::string& account_id, balance_field field,
                         std::int64_t amount) {
  made.fields[{account_id, field}] += amount;
}

// The escrow leaves a task: `to_worker` to the worker, the rest back to the payer.
inline void pay_out(prediction& made, entry_kind kind, const task& held, std::int64_t to_worker) {
  made.entry = kind;
  const auto escrow = escrow_book(held.id, held.currency);
  if (to_worker > 0)
    move_money(made, escrow, available_book(held.worker, held.currency), to_worker);
  if (held.amount - to_worker > 0)
    move_money(made, escrow, available_book(held.payer, held.currency), held.amount - to_worker);
  expect_field(made, held.payer, balance_field::escrowed, -held.amount);
}

inline void fund_from_payer(prediction& made, const task& held) {
  made.entry = entry_kind::task_fund;
  move_money(made, available_book(held.payer, held.currency), escrow_book(held.id, held.currency),
             held.amount);
  expect_field(made, held.payer, balance_field::escrowed, held.amount);
}

inline prediction predict_settle(const processor_operation& current, processor_status said) {
  const bool is_topup = current.kind == processor_kind::topup;
  const processor_status success = is_topup ? processor_status::succeeded : processor_status::paid;
  if (said != success && said != processor_status::failed)
    return decide(false, true, {error_code::parameter_invalid});
  const bool reversal =
      !is_topup && said == processor_status::failed && current.status == processor_status::paid;
  prediction made = decide(current.status == said, is_open(current.status) || reversal, {});
  made.to_status = said;
  const std::string& owner = current.account_id;
  const currency ccy = current.currency;
  const std::int64_t amount = current.amount;
  if (is_topup && said == success) {
    made.entry = entry_kind::topup_succeeded;
    move_money(made, clearing_book(ccy), available_book(owner, ccy), amount);
    expect_field(made, owner, balance_field::pending_topup, -amount);
  } else if (is_topup) {
    expect_field(made, owner, balance_field::pending_topup, -amount);
  } else if (said == success) {
    made.entry = entry_kind::withdrawal_paid;
    move_money(made, pending_withdrawal_book(owner, ccy), clearing_book(ccy), amount);
  } else if (reversal) {
    made.entry = entry_kind::withdrawal_reversed;
    move_money(made, clearing_book(ccy), available_book(owner, ccy), amount);
  } else {
    made.entry = entry_kind::withdrawal_returned;
    move_money(made, pending_withdrawal_book(owner, ccy), available_book(owner, ccy), amount);
  }
  return made;
}

inline prediction predict_cancel_operation(const processor_operation& current) {
  prediction made = decide(current.status == processor_status::cancelled,
                           current.status == processor_status::requires_reconciliation, {});
  made.to_status = processor_status::cancelled;
  if (current.kind == processor_kind::topup) {
    expect_field(made, current.account_id, balance_field::pending_topup, -current.amount);
  } else {
    made.entry = entry_kind::withdrawal_returned;
    move_money(made, pending_withdrawal_book(current.account_id, current.currency),
               available_book(current.account_id, current.currency), current.amount);
  }
  return made;
}

inline std::vector<error_code> request_faults(const processor_request_command& command,
                                              std::size_t instrument_length_max) {
  std::vector<error_code> faults;
  if (!is_valid_id(command.id)) faults.push_back(error_code::id_invalid);
  if (!is_valid_amount(command.amount)) faults.push_back(error_code::amount_invalid);
  if (command.instrument.empty()) faults.push_back(error_code::parameter_missing);
  if (command.instrument.size() > instrument_length_max)
    faults.push_back(error_code::parameter_invalid);
  return faults;
}

}  // namespace escrowd::property_testing
