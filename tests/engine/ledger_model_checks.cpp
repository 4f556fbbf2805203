// The ledger property model's checks: an answer's entry and deltas against the prediction
// (committed all or nothing), and the invariants of the touched objects, of everything
// recomputed from scratch, and of the journal replayed from empty.
#include <algorithm>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "tests/engine/ledger_model.hpp"

namespace escrowd::property_testing {

namespace {

book_moves net_legs(const journal_entry& entry) {
  book_moves net;
  for (const auto& posted : entry.legs) net[key_of(posted.book)] += posted.amount;
  std::erase_if(net, [](const auto& item) { return item.second == 0; });
  return net;
}

field_moves net_deltas(const std::vector<account_delta>& deltas) {
  field_moves net;
  for (const auto& delta : deltas) net[{delta.account_id, delta.field}] += delta.amount;
  std::erase_if(net, [](const auto& item) { return item.second == 0; });
  return net;
}

std::int64_t book_balance(const book_balances& books, const book_key& key) {
  const auto found = books.find(key);
  return found == books.end() ? 0 : found->second;
}

}  // namespace

// Checks the entry and the deltas against the prediction, then applies the deltas to every
// account they address, all or nothing. False when an account refused (operation dropped).
bool ledger_model::commit_money(const prediction& expected,
                                const std::optional<journal_entry>& entry,
                                const std::vector<account_delta>& deltas,
                                const std::string& reference, bool stale_view) {
  book_moves expected_books = expected.books;
  std::erase_if(expected_books, [](const auto& item) { return item.second == 0; });
  field_moves expected_fields = expected.fields;
  std::erase_if(expected_fields, [](const auto& item) { return item.second == 0; });
  EXPECT_EQ(entry.has_value(), expected.entry.has_value()) << where() << ": entry presence";
  if (entry) {
    EXPECT_TRUE(is_balanced(*entry)) << where() << ": unbalanced entry";
    if (expected.entry) {
      EXPECT_EQ(entry->kind, *expected.entry) << where();
    }
    EXPECT_EQ(entry->reference, reference) << where();
    EXPECT_EQ(entry->time, clock_.now()) << where();
    EXPECT_TRUE(net_legs(*entry) == expected_books)
        << where() << ": legs " << ::testing::PrintToString(*entry);
  }
  EXPECT_TRUE(net_deltas(deltas) == expected_fields)
      << where() << ": deltas " << ::testing::PrintToString(deltas);
  if (::testing::Test::HasFailure()) return false;

  std::map<std::string, account> next;
  for (const auto& delta : deltas) {
    if (next.count(delta.account_id) != 0) continue;
    const auto found = accounts_.find(delta.account_id);
    EXPECT_NE(found, accounts_.end()) << where() << ": delta for unknown " << delta.account_id;
    if (found == accounts_.end()) return false;
    auto applied = apply_deltas(found->second, deltas);
    if (!applied) {
      EXPECT_TRUE(stale_view && applied.code() == error_code::insufficient_funds)
          << where() << ": account refused the deltas with " << describe(applied.code()).code;
      count("discarded_stale");
      return false;
    }
    next.emplace(delta.account_id, std::move(*applied));
  }
  for (auto& [id, updated] : next) accounts_[id] = std::move(updated);
  if (entry) {
    for (const auto& posted : entry->legs) {
      std::int64_t& balance = books_[key_of(posted.book)];
      const auto sum = checked_add(balance, posted.amount);
      EXPECT_TRUE(sum.has_value()) << where() << ": a book overflowed";
      if (!sum) return false;
      balance = *sum;
      EXPECT_TRUE(balance >= 0 || may_be_negative(posted.book.kind))
          << where() << ": negative book " << ::testing::PrintToString(posted.book);
      currency_totals_[posted.book.currency.packed()] += posted.amount;
    }
    for (const auto& posted : entry->legs)
      EXPECT_EQ(currency_totals_[posted.book.currency.packed()], 0)
          << where() << ": currency " << posted.book.currency.view() << " does not sum to zero";
    journal_.push_back(*entry);
  }
  return true;
}

void ledger_model::commit_task(const prediction& expected, const task_outcome& outcome) {
  const task& next = outcome.task;
  const auto previous = tasks_.find(next.id);
  const bool created = previous == tasks_.end();
  const task_state from = created ? task_state::open : previous->second.state;
  const std::size_t history_before = created ? 0 : previous->second.history.size();
  const std::int64_t escrow_before = created ? 0 : escrow_by_state(previous->second);

  EXPECT_EQ(next.state, expected.to_state) << where();
  ASSERT_FALSE(next.history.empty()) << where();
  EXPECT_EQ(next.history.size(),
            history_before + (created && next.state == task_state::funded ? 2 : 1))
      << where();
  EXPECT_EQ(next.history.back().transition, expected.transition) << where();
  EXPECT_EQ(next.history.back().to, next.state) << where();
  EXPECT_EQ(next.history.back().time, clock_.now()) << where();
  if (from != next.state) {
    EXPECT_EQ(next.last_transition, expected.transition) << where();
  }
  if (next.state == task_state::submitted && from != task_state::submitted) {
    EXPECT_EQ(next.review_deadline, clock_.now() + next.review_window_s + 1) << where();
  }

  escrowed_[next.payer] += escrow_by_state(next) - escrow_before;
  if (created) {
    task_ids_.push_back(next.id);
    live_task_ids_.push_back(next.id);
  }
  if (is_settled(next.state)) std::erase(live_task_ids_, next.id);
  if (next.state == task_state::cancelled && escrow_before > 0) count("cancel_funded");
  tasks_[next.id] = next;
  check_task(next);
  check_account(next.payer);
  if (!next.worker.empty()) check_account(next.worker);
}

void ledger_model::commit_operation(const prediction& expected, const processor_outcome& outcome) {
  const processor_operation& next = outcome.operation;
  const auto previous = operations_.find(next.id);
  const bool created = previous == operations_.end();
  auto open_topup = [](const processor_operation& held) {
    return held.kind == processor_kind::topup && is_open(held.status) ? held.amount : 0;
  };
  EXPECT_EQ(next.status, expected.to_status) << where();
  EXPECT_EQ(next.updated_at, clock_.now()) << where();
  EXPECT_EQ(processor_idempotency_key(next),
            std::string(to_string(next.kind)) + ":" + next.id +
                (next.kind == processor_kind::topup ? ":charge" : ":payout"))
      << where();
  if (outcome.entry) count(operation_ + ":" + std::to_string(int(outcome.entry->kind)));
  if (!created && next.status == processor_status::failed &&
      previous->second.status == processor_status::paid)
    count("withdrawal_reversed");

  pending_topup_[next.account_id] +=
      open_topup(next) - (created ? 0 : open_topup(previous->second));
  if (created) {
    (next.kind == processor_kind::topup ? topup_ids_ : withdrawal_ids_).push_back(next.id);
  }
  operations_[next.id] = next;
  check_account(next.account_id);
}

void ledger_model::check_account(const std::string& account_id) {
  const account& held = accounts_.at(account_id);
  const std::uint32_t ccy = held.currency.packed();
  EXPECT_EQ(held.available, book_balance(books_, {book_kind::available, account_id, ccy}))
      << where() << " " << ::testing::PrintToString(held);
  EXPECT_EQ(held.pending_withdrawal,
            book_balance(books_, {book_kind::pending_withdrawal, account_id, ccy}))
      << where() << " " << ::testing::PrintToString(held);
  EXPECT_EQ(held.escrowed, escrowed_[account_id])
      << where() << " " << ::testing::PrintToString(held);
  EXPECT_EQ(held.pending_topup, pending_topup_[account_id])
      << where() << " " << ::testing::PrintToString(held);
  EXPECT_GE(held.available, 0) << where();
  EXPECT_GE(held.pending_withdrawal, 0) << where();
  EXPECT_GE(held.escrowed, 0) << where();
  EXPECT_GE(held.pending_topup, 0) << where();
}

void ledger_model::check_task(const task& held) {
  EXPECT_EQ(held.escrow, escrow_by_state(held)) << where() << " " << ::testing::PrintToString(held);
  EXPECT_EQ(held.escrow, book_balance(books_, {book_kind::escrow, held.id, held.currency.packed()}))
      << where() << " " << ::testing::PrintToString(held);
}

// Replays the journal from empty: it must reproduce every book exactly.
void ledger_model::replay_check() {
  book_balances replayed;
  for (const auto& entry : journal_) {
    ASSERT_TRUE(is_balanced(entry)) << where() << ": " << ::testing::PrintToString(entry);
    for (const auto& posted : entry.legs) {
      auto& balance = replayed[key_of(posted.book)];
      const auto sum = checked_add(balance, posted.amount);
      ASSERT_TRUE(sum.has_value()) << where() << ": replay overflowed";
      balance = *sum;
    }
  }
  ASSERT_TRUE(replayed == books_) << where() << ": the replayed journal differs from the books";
}

// Recomputes every invariant from scratch over all books, tasks, operations and accounts.
void ledger_model::full_check() {
  std::map<std::uint32_t, std::int64_t> currency_sums;
  for (const auto& [key, balance] : books_) {
    auto& total = currency_sums[key.currency];
    const auto sum = checked_add(total, balance);
    ASSERT_TRUE(sum.has_value()) << where() << ": a currency's books overflowed";
    total = *sum;
  }
  for (const auto& [ccy, total] : currency_sums)
    EXPECT_EQ(total, 0) << where() << ": currency " << ccy << " does not sum to zero";
  std::map<std::uint32_t, std::int64_t> clearing_expected;
  for (const auto& [key, balance] : books_) {
    EXPECT_TRUE(balance >= 0 || may_be_negative(key.kind)) << where() << ": " << key.owner;
    if (key.kind == book_kind::escrow) {
      EXPECT_EQ(tasks_.count(key.owner), 1u) << where() << ": escrow of unknown " << key.owner;
    } else if (key.kind != book_kind::processor_clearing) {
      ASSERT_EQ(accounts_.count(key.owner), 1u) << where() << ": book of unknown " << key.owner;
      EXPECT_EQ(accounts_.at(key.owner).currency.packed(), key.currency) << where();
    }
  }

  std::unordered_map<std::string, std::int64_t> escrowed;
  for (const auto& [id, held] : tasks_) {
    EXPECT_EQ(held.escrow, escrow_by_state(held)) << where() << " task " << id;
    EXPECT_EQ(held.escrow, book_balance(books_, {book_kind::escrow, id, held.currency.packed()}))
        << where() << " task " << id;
    escrowed[held.payer] += escrow_by_state(held);
  }
  std::unordered_map<std::string, std::int64_t> pending_topup;
  for (const auto& [id, held] : operations_) {
    const std::uint32_t ccy = held.currency.packed();
    if (held.kind == processor_kind::topup && is_open(held.status))
      pending_topup[held.account_id] += held.amount;
    // Clearing holds what crossed the boundary: minus every succeeded top-up, plus every
    // withdrawal that is paid (a reversed one came back and counts zero).
    if (held.kind == processor_kind::topup && held.status == processor_status::succeeded)
      clearing_expected[ccy] -= held.amount;
    if (held.kind == processor_kind::withdrawal && held.status == processor_status::paid)
      clearing_expected[ccy] += held.amount;
  }
  for (const auto& ccy : currencies_) {
    EXPECT_EQ(book_balance(books_, {book_kind::processor_clearing, "", ccy.packed()}),
              clearing_expected[ccy.packed()])
        << where() << ": clearing of " << ccy.view();
  }
  for (const auto& [id, held] : accounts_) {
    const std::uint32_t ccy = held.currency.packed();
    EXPECT_EQ(held.available, book_balance(books_, {book_kind::available, id, ccy}))
        << where() << " " << ::testing::PrintToString(held);
    EXPECT_EQ(held.pending_withdrawal,
              book_balance(books_, {book_kind::pending_withdrawal, id, ccy}))
        << where() << " " << ::testing::PrintToString(held);
    EXPECT_EQ(held.escrowed, escrowed[id]) << where() << " " << ::testing::PrintToString(held);
    EXPECT_EQ(held.pending_topup, pending_topup[id])
        << where() << " " << ::testing::PrintToString(held);
  }
}

}  // namespace escrowd::property_testing
