// Tests engine/processor_operation.hpp's requests: a top-up is pending and moves no booked
// money, a withdrawal holds its amount at once; validation and bounds; the processor
// idempotency key each operation derives.
#include <limits>
#include <string>
#include <tuple>
#include <vector>

#include "tests/engine/processor_fixture.hpp"

namespace escrowd {
namespace {

using namespace processor_testing;

// ---- requests --------------------------------------------------------------------------

TEST_F(processor_test, topup_request_is_pending_and_moves_no_booked_money) {
  auto outcome = request_topup(owner, command("top_1"), clock.now());
  ASSERT_TRUE(outcome);
  const processor_operation& top = outcome->operation;
  EXPECT_EQ(top.kind, processor_kind::topup);
  EXPECT_EQ(top.id, "top_1");
  EXPECT_EQ(top.account_id, owner.id);
  EXPECT_EQ(top.amount, amount);
  EXPECT_EQ(top.currency, usd);
  EXPECT_EQ(top.instrument, "pm_card_visa");
  EXPECT_EQ(top.status, processor_status::pending);
  EXPECT_EQ(top.created_at, clock.now());
  EXPECT_EQ(top.updated_at, clock.now());
  EXPECT_TRUE(top.processor_object_id.empty());
  EXPECT_TRUE(outcome->changed);
  EXPECT_FALSE(outcome->entry.has_value());
  EXPECT_EQ(outcome->deltas,
            (std::vector<account_delta>{{owner.id, balance_field::pending_topup, amount}}));
}

// The credit a top-up brings must fit once it succeeds, with the top-ups pending before it.
TEST_F(processor_test, topup_request_whose_credit_could_not_fit_is_balance_overflow) {
  constexpr auto largest = std::numeric_limits<std::int64_t>::max();
  owner.available = largest - 2 * amount;
  owner.pending_topup = amount;
  EXPECT_TRUE(request_topup(owner, command("top_1"), clock.now()));
  owner.pending_topup = amount + 1;
  expect_rejected(request_topup(owner, command("top_1"), clock.now()),
                  {error_code::balance_overflow, "amount"});
  owner.available = largest;
  owner.pending_topup = 0;
  expect_rejected(request_topup(owner, command("top_1"), clock.now()),
                  {error_code::balance_overflow, "amount"});
}

TEST_F(processor_test, withdrawal_request_holds_the_amount_at_once) {
  auto outcome = request_withdrawal(owner, command("wd_1"), clock.now());
  ASSERT_TRUE(outcome);
  const processor_operation& payout = outcome->operation;
  EXPECT_EQ(payout.kind, processor_kind::withdrawal);
  EXPECT_EQ(payout.status, processor_status::pending);
  EXPECT_EQ(payout.instrument, "ba_123");
  EXPECT_EQ(payout.currency, usd);
  expect_entry(*outcome, entry_kind::withdrawal_hold, clock.now(),
               {available_book(owner.id, usd), -amount},
               {pending_withdrawal_book(owner.id, usd), amount});
  EXPECT_EQ(sorted(outcome->deltas),
            sorted({{owner.id, balance_field::available, -amount},
                    {owner.id, balance_field::pending_withdrawal, amount}}));
}

TEST_F(processor_test, withdrawal_request_needs_the_amount_available) {
  owner.available = amount - 1;
  expect_rejected(request_withdrawal(owner, command("wd_1"), clock.now()),
                  {error_code::insufficient_funds, {}});
  owner.available = amount;
  EXPECT_TRUE(request_withdrawal(owner, command("wd_1"), clock.now()));
}

TEST_F(processor_test, requests_validate_id_amount_and_instrument) {
  struct request_case {
    const char* what;
    processor_request_command topup_command;
    error topup_error;
    error withdrawal_error;
  };
  const std::string long_instrument(payment_method_length_max + 1, 'p');
  const request_case cases[] = {
      {"empty id",
       {"", amount, "pm"},
       {error_code::id_invalid, "id"},
       {error_code::id_invalid, "id"}},
      {"bad id",
       {"top 1", amount, "pm"},
       {error_code::id_invalid, "id"},
       {error_code::id_invalid, "id"}},
      {"zero",
       {"op_1", 0, "pm"},
       {error_code::amount_invalid, "amount"},
       {error_code::amount_invalid, "amount"}},
      {"negative",
       {"op_1", -5, "pm"},
       {error_code::amount_invalid, "amount"},
       {error_code::amount_invalid, "amount"}},
      {"too large",
       {"op_1", amount_max + 1, "pm"},
       {error_code::amount_invalid, "amount"},
       {error_code::amount_invalid, "amount"}},
      {"no instrument",
       {"op_1", amount, ""},
       {error_code::parameter_missing, "payment_method"},
       {error_code::parameter_missing, "destination"}},
      {"long instrument",
       {"op_1", amount, long_instrument},
       {error_code::parameter_invalid, "payment_method"},
       {error_code::parameter_invalid, "destination"}},
  };
  for (const auto& probe : cases) {
    SCOPED_TRACE(probe.what);
    expect_rejected(request_topup(owner, probe.topup_command, clock.now()), probe.topup_error);
    expect_rejected(request_withdrawal(owner, probe.topup_command, clock.now()),
                    probe.withdrawal_error);
  }
}

TEST_F(processor_test, requests_accept_the_bounds) {
  owner.available = amount_max;
  EXPECT_TRUE(request_topup(owner, {"top_1", amount_max, "pm"}, clock.now()));
  EXPECT_TRUE(request_topup(owner, {"top_1", 1, "pm"}, clock.now()));
  EXPECT_TRUE(request_withdrawal(owner, {"wd_1", amount_max, "ba"}, clock.now()));
  EXPECT_TRUE(
      request_topup(owner, {"top_1", 1, std::string(payment_method_length_max, 'p')}, clock.now()));
  EXPECT_TRUE(request_withdrawal(owner, {"wd_1", 1, std::string(destination_length_max, 'd')},
                                 clock.now()));
}

// ---- processor idempotency keys --------------------------------------------------------

TEST_F(processor_test, idempotency_key_is_kind_id_step_and_never_changes) {
  const processor_operation top = topup(processor_status::pending);
  EXPECT_EQ(processor_idempotency_key(top), "topup:top_1:charge");
  EXPECT_EQ(processor_idempotency_key(topup(processor_status::requires_reconciliation)),
            "topup:top_1:charge");
  EXPECT_EQ(processor_idempotency_key(topup(processor_status::succeeded)), "topup:top_1:charge");
  const processor_operation payout = withdrawal(processor_status::pending);
  EXPECT_EQ(processor_idempotency_key(payout), "withdrawal:wd_1:payout");
  EXPECT_EQ(processor_idempotency_key(withdrawal(processor_status::paid)),
            "withdrawal:wd_1:payout");
  // The retry drives the same key again.
  const auto retried =
      must(retry_operation(topup(processor_status::requires_reconciliation), clock.now()));
  EXPECT_EQ(processor_idempotency_key(retried.operation), "topup:top_1:charge");
}

}  // namespace
}  // namespace escrowd
