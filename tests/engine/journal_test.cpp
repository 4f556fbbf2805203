// Tests engine/journal.hpp: what counts as a balanced entry (at least two legs, no zero
// leg, zero sum per currency, no overflow while summing), the book constructors, the sign
// convention of transfer_entry (from is debited, to credited) and which books may go negative.
#include "engine/journal.hpp"

#include <gtest/gtest.h>

#include <limits>

#include "tests/support/engine_printers.hpp"

namespace escrowd {
namespace {

const currency usd = *currency::parse("usd");
const currency eur = *currency::parse("eur");

journal_entry entry_of(std::vector<leg> legs) {
  return journal_entry{entry_kind::task_fund, "task_1", 1'700'000'000, std::move(legs)};
}

TEST(journal_balance, two_opposite_legs_balance) {
  EXPECT_TRUE(is_balanced(entry_of({{available_book("a", usd), -5}, {escrow_book("t", usd), 5}})));
}

TEST(journal_balance, three_legs_summing_to_zero_balance) {
  EXPECT_TRUE(is_balanced(entry_of({{escrow_book("t", usd), -10},
                                    {available_book("w", usd), 7},
                                    {available_book("p", usd), 3}})));
}

TEST(journal_balance, rejects_fewer_than_two_legs) {
  EXPECT_FALSE(is_balanced(entry_of({})));
  EXPECT_FALSE(is_balanced(entry_of({{available_book("a", usd), 0}})));
  EXPECT_FALSE(is_balanced(entry_of({{available_book("a", usd), 5}})));
}

TEST(journal_balance, rejects_a_zero_leg_even_when_the_sum_is_zero) {
  EXPECT_FALSE(is_balanced(entry_of({{available_book("a", usd), 0}, {escrow_book("t", usd), 0}})));
  EXPECT_FALSE(is_balanced(entry_of({{available_book("a", usd), -5},
                                     {escrow_book("t", usd), 5},
                                     {available_book("w", usd), 0}})));
}

TEST(journal_balance, rejects_a_nonzero_sum) {
  EXPECT_FALSE(is_balanced(entry_of({{available_book("a", usd), -5}, {escrow_book("t", usd), 4}})));
  EXPECT_FALSE(is_balanced(entry_of({{available_book("a", usd), 5}, {escrow_book("t", usd), 5}})));
}

TEST(journal_balance, sums_per_currency_not_across_currencies) {
  EXPECT_FALSE(
      is_balanced(entry_of({{available_book("a", usd), -5}, {available_book("b", eur), 5}})));
  EXPECT_TRUE(is_balanced(entry_of({{available_book("a", usd), -5},
                                    {available_book("b", usd), 5},
                                    {available_book("a", eur), 9},
                                    {clearing_book(eur), -9}})));
  // Interleaved: each currency is summed over all of its legs, wherever they are.
  EXPECT_TRUE(is_balanced(entry_of({{available_book("a", usd), -5},
                                    {available_book("a", eur), 9},
                                    {available_book("b", usd), 5},
                                    {clearing_book(eur), -9}})));
  EXPECT_FALSE(is_balanced(entry_of({{available_book("a", usd), -5},
                                     {available_book("a", eur), 9},
                                     {available_book("b", usd), 5},
                                     {clearing_book(eur), -8},
                                     {clearing_book(eur), -2}})));
}

TEST(journal_balance, rejects_sums_that_overflow_instead_of_wrapping) {
  constexpr auto max = std::numeric_limits<std::int64_t>::max();
  constexpr auto min = std::numeric_limits<std::int64_t>::min();
  // max + max + 2 wraps to zero in two's complement: must not count as balanced.
  EXPECT_FALSE(is_balanced(entry_of({{available_book("a", usd), max},
                                     {available_book("b", usd), max},
                                     {available_book("c", usd), 2}})));
  EXPECT_FALSE(
      is_balanced(entry_of({{available_book("a", usd), min}, {available_book("b", usd), min}})));
  EXPECT_TRUE(is_balanced(entry_of({{available_book("a", usd), max}, {clearing_book(usd), -max}})));
}

TEST(journal_books, constructors_pair_kind_owner_and_currency) {
  EXPECT_EQ(available_book("acct_1", usd), (book_account{book_kind::available, "acct_1", usd}));
  EXPECT_EQ(pending_withdrawal_book("acct_1", usd),
            (book_account{book_kind::pending_withdrawal, "acct_1", usd}));
  EXPECT_EQ(escrow_book("task_1", eur), (book_account{book_kind::escrow, "task_1", eur}));
  EXPECT_EQ(clearing_book(eur), (book_account{book_kind::processor_clearing, "", eur}));
  EXPECT_NE(available_book("acct_1", usd), pending_withdrawal_book("acct_1", usd));
  EXPECT_NE(available_book("acct_1", usd), available_book("acct_1", eur));
}

TEST(journal_books, only_the_clearing_book_may_be_negative) {
  EXPECT_FALSE(may_be_negative(book_kind::available));
  EXPECT_FALSE(may_be_negative(book_kind::pending_withdrawal));
  EXPECT_FALSE(may_be_negative(book_kind::escrow));
  EXPECT_TRUE(may_be_negative(book_kind::processor_clearing));
}

TEST(journal_books, on_disk_numbers_are_stable) {
  EXPECT_EQ(static_cast<int>(book_kind::available), 1);
  EXPECT_EQ(static_cast<int>(book_kind::pending_withdrawal), 2);
  EXPECT_EQ(static_cast<int>(book_kind::escrow), 3);
  EXPECT_EQ(static_cast<int>(book_kind::processor_clearing), 4);
  EXPECT_EQ(static_cast<int>(entry_kind::task_fund), 1);
  EXPECT_EQ(static_cast<int>(entry_kind::task_release), 2);
  EXPECT_EQ(static_cast<int>(entry_kind::task_refund), 3);
  EXPECT_EQ(static_cast<int>(entry_kind::task_resolve), 4);
  EXPECT_EQ(static_cast<int>(entry_kind::topup_succeeded), 5);
  EXPECT_EQ(static_cast<int>(entry_kind::withdrawal_hold), 6);
  EXPECT_EQ(static_cast<int>(entry_kind::withdrawal_paid), 7);
  EXPECT_EQ(static_cast<int>(entry_kind::withdrawal_returned), 8);
  EXPECT_EQ(static_cast<int>(entry_kind::withdrawal_reversed), 9);
}

TEST(journal_transfer, debits_from_and_credits_to) {
  const auto entry =
      transfer_entry(entry_kind::withdrawal_paid, "wd_1", 42,
                     pending_withdrawal_book("acct_1", usd), clearing_book(usd), 700);
  EXPECT_EQ(entry.kind, entry_kind::withdrawal_paid);
  EXPECT_EQ(entry.reference, "wd_1");
  EXPECT_EQ(entry.time, 42);
  ASSERT_EQ(entry.legs.size(), 2u);
  EXPECT_EQ(entry.legs[0], (leg{pending_withdrawal_book("acct_1", usd), -700}));
  EXPECT_EQ(entry.legs[1], (leg{clearing_book(usd), 700}));
  EXPECT_TRUE(is_balanced(entry));
}

}  // namespace
}  // namespace escrowd
