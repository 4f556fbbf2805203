// Tests engine/account.hpp: account creation (id and owner validation, zero balances) and
// apply_deltas, the only way balances change: deltas for other accounts are skipped, every
// field can move, a field going negative is insufficient_funds and an int64 overflow is
// balance_overflow, both all-or-nothing (the returned error leaves nothing half-applied).
#include "engine/account.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <vector>

#include "tests/support/engine_printers.hpp"

namespace escrowd {
namespace {

const currency usd = *currency::parse("usd");
constexpr std::int64_t now = 1'700'000'000;
constexpr auto int64_max = std::numeric_limits<std::int64_t>::max();

account funded_account(std::int64_t available) {
  auto created = create_account({"acct_1", usd, "alice"}, now);
  EXPECT_TRUE(created);
  created->available = available;
  return *created;
}

TEST(account_create, starts_with_zero_balances) {
  auto created = create_account({"acct_1", usd, "alice"}, now);
  ASSERT_TRUE(created);
  EXPECT_EQ(*created, (account{"acct_1", usd, "alice", now, 0, 0, 0, 0}));
}

TEST(account_create, rejects_invalid_ids) {
  for (const std::string& id : {std::string(), std::string(65, 'a'), std::string("acct 1")}) {
    auto created = create_account({id, usd, ""}, now);
    ASSERT_FALSE(created) << id;
    EXPECT_EQ(created.failure(), (error{error_code::id_invalid, "id"}));
  }
}

TEST(account_create, bounds_the_owner_label) {
  EXPECT_TRUE(create_account({"acct_1", usd, std::string(owner_length_max, 'o')}, now));
  auto too_long = create_account({"acct_1", usd, std::string(owner_length_max + 1, 'o')}, now);
  ASSERT_FALSE(too_long);
  EXPECT_EQ(too_long.failure(), (error{error_code::parameter_invalid, "owner"}));
}

TEST(account_deltas, moves_every_field_and_skips_other_accounts) {
  const account start = funded_account(100);
  const std::vector<account_delta> deltas = {
      {"acct_1", balance_field::available, -30},
      {"acct_1", balance_field::pending_withdrawal, 30},
      {"acct_1", balance_field::escrowed, 7},
      {"acct_1", balance_field::pending_topup, 9},
      {"acct_2", balance_field::available, -1'000'000},  // someone else's: skipped
  };
  auto next = apply_deltas(start, deltas);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->available, 70);
  EXPECT_EQ(next->pending_withdrawal, 30);
  EXPECT_EQ(next->escrowed, 7);
  EXPECT_EQ(next->pending_topup, 9);
  EXPECT_EQ(next->id, start.id);
  EXPECT_EQ(next->created_at, start.created_at);
  EXPECT_EQ(field_value(*next, balance_field::available), 70);
  EXPECT_EQ(field_value(*next, balance_field::pending_withdrawal), 30);
  EXPECT_EQ(field_value(*next, balance_field::escrowed), 7);
  EXPECT_EQ(field_value(*next, balance_field::pending_topup), 9);
}

TEST(account_deltas, no_deltas_is_identity) {
  const account start = funded_account(100);
  auto next = apply_deltas(start, {});
  ASSERT_TRUE(next);
  EXPECT_EQ(*next, start);
}

TEST(account_deltas, spending_exactly_the_balance_is_allowed) {
  const std::vector<account_delta> deltas = {{"acct_1", balance_field::available, -100}};
  auto next = apply_deltas(funded_account(100), deltas);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->available, 0);
}

TEST(account_deltas, going_negative_is_insufficient_funds_for_every_field) {
  for (auto field : {balance_field::available, balance_field::pending_withdrawal,
                     balance_field::escrowed, balance_field::pending_topup}) {
    const std::vector<account_delta> deltas = {{"acct_1", field, -101}};
    account start = funded_account(0);
    start.available = start.pending_withdrawal = start.escrowed = start.pending_topup = 100;
    auto next = apply_deltas(start, deltas);
    ASSERT_FALSE(next) << static_cast<int>(field);
    EXPECT_EQ(next.code(), error_code::insufficient_funds);
  }
}

TEST(account_deltas, insufficient_funds_is_all_or_nothing) {
  // The first two deltas alone would apply; the third makes the whole set fail, so no
  // partial account can come back to be stored.
  const std::vector<account_delta> deltas = {
      {"acct_1", balance_field::available, -40},
      {"acct_1", balance_field::escrowed, 40},
      {"acct_1", balance_field::pending_withdrawal, -1},
  };
  const account start = funded_account(100);
  auto next = apply_deltas(start, deltas);
  ASSERT_FALSE(next);
  EXPECT_EQ(next.code(), error_code::insufficient_funds);
}

TEST(account_deltas, a_credit_and_debit_of_one_record_net_out) {
  // Checked after all deltas: a debit that only fits thanks to a later credit is fine.
  const std::vector<account_delta> deltas = {
      {"acct_1", balance_field::available, -150},
      {"acct_1", balance_field::available, 100},
  };
  auto next = apply_deltas(funded_account(100), deltas);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->available, 50);
}

TEST(account_deltas, overflow_is_balance_overflow) {
  const std::vector<account_delta> deltas = {{"acct_1", balance_field::available, 1}};
  auto next = apply_deltas(funded_account(int64_max), deltas);
  ASSERT_FALSE(next);
  EXPECT_EQ(next.code(), error_code::balance_overflow);
}

TEST(account_deltas, overflow_on_the_sum_of_many_maximal_amounts) {
  // 9223 credits of 10^15 fit in int64; the 9224th overflows, as one record or many.
  std::vector<account_delta> deltas(9223, {"acct_1", balance_field::pending_topup, amount_max});
  auto fits = apply_deltas(funded_account(0), deltas);
  ASSERT_TRUE(fits);
  EXPECT_EQ(fits->pending_topup, 9'223'000'000'000'000'000);

  deltas.push_back({"acct_1", balance_field::pending_topup, amount_max});
  auto overflows = apply_deltas(funded_account(0), deltas);
  ASSERT_FALSE(overflows);
  EXPECT_EQ(overflows.code(), error_code::balance_overflow);

  const std::vector<account_delta> one_more = {
      {"acct_1", balance_field::pending_topup, amount_max}};
  auto again = apply_deltas(*fits, one_more);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.code(), error_code::balance_overflow);
}

TEST(account_deltas, on_disk_field_numbers_are_stable) {
  EXPECT_EQ(static_cast<int>(balance_field::available), 1);
  EXPECT_EQ(static_cast<int>(balance_field::pending_withdrawal), 2);
  EXPECT_EQ(static_cast<int>(balance_field::escrowed), 3);
  EXPECT_EQ(static_cast<int>(balance_field::pending_topup), 4);
}

}  // namespace
}  // namespace escrowd
