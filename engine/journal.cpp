#include "engine/journal.hpp"

namespace escrowd {

bool is_balanced(const journal_entry& entry) {
  const auto& legs = entry.legs;
  if (legs.size() < 2) return false;
  // Per currency, at the currency's first leg: an entry has a handful of legs, so this
  // quadratic pass costs less than a map (an allocation per currency, on every commit).
  for (std::size_t first = 0; first < legs.size(); ++first) {
    if (legs[first].amount == 0) return false;
    const auto& code = legs[first].book.currency;
    bool seen = false;
    for (std::size_t before = 0; before < first && !seen; ++before)
      seen = legs[before].book.currency == code;
    if (seen) continue;
    std::int64_t sum = 0;
    for (std::size_t i = first; i < legs.size(); ++i) {
      if (!(legs[i].book.currency == code)) continue;
      auto next = checked_add(sum, legs[i].amount);
      if (!next) return false;
      sum = *next;
    }
    if (sum != 0) return false;
  }
  return true;
}

book_account available_book(const std::string& account_id, currency ccy) {
  return {book_kind::available, account_id, ccy};
}

book_account pending_withdrawal_book(const std::string& account_id, currency ccy) {
  return {book_kind::pending_withdrawal, account_id, ccy};
}

book_account escrow_book(const std::string& task_id, currency ccy) {
  return {book_kind::escrow, task_id, ccy};
}

book_account clearing_book(currency ccy) {
  return {book_kind::processor_clearing, {}, ccy};
}

journal_entry transfer_entry(entry_kind kind, std::string reference, std::int64_t time,
                             book_account from, book_account to, std::int64_t amount) {
  journal_entry entry{kind, std::move(reference), time, {}};
  entry.legs.reserve(2);
  entry.legs.push_back({std::move(from), -amount});
  entry.legs.push_back({std::move(to), amount});
  return entry;
}

}  // namespace escrowd
