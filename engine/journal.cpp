#include "engine/journal.hpp"

#include <map>

namespace escrowd {

bool is_balanced(const journal_entry& entry) {
  if (entry.legs.size() < 2) return false;
  std::map<currency, std::int64_t> sums;
  for (const auto& leg : entry.legs) {
    if (leg.amount == 0) return false;
    auto& sum = sums.try_emplace(leg.book.currency, 0).first->second;
    auto next = checked_add(sum, leg.amount);
    if (!next) return false;
    sum = *next;
  }
  for (const auto& [currency, sum] : sums)
    if (sum != 0) return false;
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
  entry.legs.push_back({std::move(from), -amount});
  entry.legs.push_back({std::move(to), amount});
  return entry;
}

}  // namespace escrowd
