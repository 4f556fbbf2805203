// The double-entry journal: book accounts, legs and entries. Every money movement is one
// entry whose legs sum to zero per currency (api.md "Ledger").
// Sign convention: a leg's amount is the change of its book's balance. Money entering
// from the processor makes processor_clearing negative and a user's available positive.
// Thread affinity: none; plain values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/money.hpp"

namespace escrowd {

// Do not renumber: on disk.
enum class book_kind : std::uint8_t {
  available = 1,           // a user account's spendable balance; owner = account id
  pending_withdrawal = 2,  // a user account's held withdrawals; owner = account id
  escrow = 3,              // one task's escrow; owner = task id
  processor_clearing = 4,  // money that crossed the processor boundary; owner empty
};

struct book_account {
  book_kind kind = book_kind::available;
  std::string owner;
  escrowd::currency currency;

  friend bool operator==(const book_account&, const book_account&) = default;
};

// Whether a book may go negative. Only the platform's clearing book may.
[[nodiscard]] constexpr bool may_be_negative(book_kind kind) {
  return kind == book_kind::processor_clearing;
}

// Whether a book is one of a user account's own (its owner is an account id).
[[nodiscard]] constexpr bool is_account_book(book_kind kind) {
  return kind == book_kind::available || kind == book_kind::pending_withdrawal;
}

struct leg {
  book_account book;
  std::int64_t amount = 0;

  friend bool operator==(const leg&, const leg&) = default;
};

// Do not renumber: on disk.
enum class entry_kind : std::uint8_t {
  task_fund = 1,            // payer available -> task escrow
  task_release = 2,         // task escrow -> worker available (approval or lapsed window)
  task_refund = 3,          // task escrow -> payer available (cancel)
  task_resolve = 4,         // task escrow -> worker and payer, split by the arbiter
  topup_succeeded = 5,      // processor clearing -> available
  withdrawal_hold = 6,      // available -> pending withdrawal
  withdrawal_paid = 7,      // pending withdrawal -> processor clearing
  withdrawal_returned = 8,  // pending withdrawal -> available (failed or cancelled)
  withdrawal_reversed = 9,  // processor clearing -> available (a paid payout failed later)
};

struct journal_entry {
  entry_kind kind = entry_kind::task_fund;
  std::string reference;  // the task, top-up or withdrawal id that caused it
  std::int64_t time = 0;  // Unix seconds
  std::vector<leg> legs;

  friend bool operator==(const journal_entry&, const journal_entry&) = default;
};

// True when the entry has at least two legs, no zero leg, and sums to zero per currency.
[[nodiscard]] bool is_balanced(const journal_entry& entry);

// The book of a user account's available balance, and so on: small constructors that
// keep the owner/kind pairing in one place.
[[nodiscard]] book_account available_book(const std::string& account_id, currency ccy);
[[nodiscard]] book_account pending_withdrawal_book(const std::string& account_id, currency ccy);
[[nodiscard]] book_account escrow_book(const std::string& task_id, currency ccy);
[[nodiscard]] book_account clearing_book(currency ccy);

// A two-leg entry moving `amount` (> 0) from `from` to `to`.
[[nodiscard]] journal_entry transfer_entry(entry_kind kind, std::string reference,
                                           std::int64_t time, book_account from, book_account to,
                                           std::int64_t amount);

}  // namespace escrowd
