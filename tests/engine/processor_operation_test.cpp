// Tests engine/processor_operation.hpp: top-ups and withdrawals at the processor boundary.
// Each legal transition is checked exactly (next status, journal entry books/signs/amounts,
// account deltas), every settlement is run from every status (changed, repeated-settlement
// no-op, or the exact rejection), and whole sequences apply the deltas to a real account so
// that available, pending_withdrawal and pending_topup are checked after every step.
#include "engine/processor_operation.hpp"
#include "tests/support/engine_expectations.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "tests/support/engine_printers.hpp"
#include "tests/support/fake_clock.hpp"

namespace escrowd {
namespace {

using testing::must;
using testing::sorted;

const currency usd = *currency::parse("usd");
constexpr std::int64_t amount = 2'500;

void expect_entry(const processor_outcome& outcome, entry_kind kind, std::int64_t time,
                  const leg& debit, const leg& credit) {
  ASSERT_TRUE(outcome.entry.has_value()) << "a money movement without a journal entry";
  EXPECT_EQ(outcome.entry->kind, kind);
  EXPECT_EQ(outcome.entry->reference, outcome.operation.id);
  EXPECT_EQ(outcome.entry->time, time);
  EXPECT_EQ(outcome.entry->legs, (std::vector<leg>{debit, credit}));
  EXPECT_TRUE(is_balanced(*outcome.entry));
}

void expect_noop(const result<processor_outcome>& outcome, const processor_operation& current) {
  ASSERT_TRUE(outcome) << describe(outcome.code()).code;
  EXPECT_FALSE(outcome->changed);
  EXPECT_EQ(outcome->operation, current);
  EXPECT_FALSE(outcome->entry.has_value());
  EXPECT_TRUE(outcome->deltas.empty());
}

void expect_rejected(const result<processor_outcome>& outcome, const error& expected) {
  ASSERT_FALSE(outcome) << "accepted; expected " << describe(expected.code).code;
  EXPECT_EQ(outcome.failure(), expected);
}

settlement verdict(processor_status status) {
  return {status, status == processor_status::failed ? "" : "obj_123",
          status == processor_status::failed ? "card_declined" : "",
          status == processor_status::failed ? "The card was declined." : ""};
}

class processor_test : public ::testing::Test {
 protected:
  account owner = make_owner();
  testing::fake_clock clock;

  static account make_owner() {
    account made = must(create_account({"acct_1", usd, "alice"}, 1'600'000'000));
    made.available = 10'000;
    return made;
  }

  processor_request_command command(const std::string& id) const {
    return {id, amount, id.starts_with("top") ? "pm_card_visa" : "ba_123"};
  }
  processor_operation topup(processor_status status) const {
    processor_operation made = must(request_topup(owner, command("top_1"), clock.now())).operation;
    return drive(made, status, processor_status::succeeded);
  }
  processor_operation withdrawal(processor_status status) const {
    processor_operation made =
        must(request_withdrawal(owner, command("wd_1"), clock.now())).operation;
    return drive(made, status, processor_status::paid);
  }
  // Takes a fresh pending operation to `status` through the engine's own transitions.
  processor_operation drive(const processor_operation& fresh, processor_status status,
                            processor_status success) const {
    using enum processor_status;
    const std::int64_t now = clock.now();
    switch (status) {
      case pending:
        return fresh;
      case succeeded:
      case paid:
        return must(settle(fresh, verdict(success), now)).operation;
      case failed:
        return must(settle(fresh, verdict(failed), now)).operation;
      case requires_reconciliation:
        return must(require_reconciliation(fresh, "gave up", now)).operation;
      case cancelled: {
        const auto waiting = must(require_reconciliation(fresh, "gave up", now)).operation;
        return must(cancel_operation(waiting, now)).operation;
      }
    }
    throw std::logic_error("unknown status");
  }
};

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

// ---- top-up settlement -----------------------------------------------------------------

TEST_F(processor_test, topup_succeeded_moves_clearing_to_available) {
  for (auto from : {processor_status::pending, processor_status::requires_reconciliation}) {
    SCOPED_TRACE(to_string(from));
    const processor_operation before = topup(from);
    clock.advance(30);
    auto outcome = settle(before, verdict(processor_status::succeeded), clock.now());
    ASSERT_TRUE(outcome);
    EXPECT_TRUE(outcome->changed);
    EXPECT_EQ(outcome->operation.status, processor_status::succeeded);
    EXPECT_EQ(outcome->operation.updated_at, clock.now());
    EXPECT_EQ(outcome->operation.processor_object_id, "obj_123");
    expect_entry(*outcome, entry_kind::topup_succeeded, clock.now(), {clearing_book(usd), -amount},
                 {available_book(owner.id, usd), amount});
    EXPECT_EQ(sorted(outcome->deltas), sorted({{owner.id, balance_field::pending_topup, -amount},
                                               {owner.id, balance_field::available, amount}}));
  }
}

TEST_F(processor_test, topup_failed_moves_no_booked_money) {
  for (auto from : {processor_status::pending, processor_status::requires_reconciliation}) {
    SCOPED_TRACE(to_string(from));
    auto outcome = settle(topup(from), verdict(processor_status::failed), clock.now());
    ASSERT_TRUE(outcome);
    EXPECT_TRUE(outcome->changed);
    EXPECT_EQ(outcome->operation.status, processor_status::failed);
    EXPECT_EQ(outcome->operation.failure_code, "card_declined");
    EXPECT_EQ(outcome->operation.failure_message, "The card was declined.");
    EXPECT_FALSE(outcome->entry.has_value());
    EXPECT_EQ(outcome->deltas,
              (std::vector<account_delta>{{owner.id, balance_field::pending_topup, -amount}}));
  }
}

TEST_F(processor_test, topup_failure_text_is_bounded) {
  settlement long_failure = verdict(processor_status::failed);
  long_failure.failure_code = std::string(failure_text_length_max + 100, 'c');
  long_failure.failure_message = std::string(failure_text_length_max + 100, 'm');
  auto outcome = settle(topup(processor_status::pending), long_failure, clock.now());
  ASSERT_TRUE(outcome);
  EXPECT_EQ(outcome->operation.failure_code.size(), failure_text_length_max);
  EXPECT_EQ(outcome->operation.failure_message.size(), failure_text_length_max);
}

TEST_F(processor_test, topup_settlements_from_every_status) {
  using enum processor_status;
  enum outcome_kind { moves, repeats, contradicts };
  struct probe {
    processor_status from;
    processor_status verdict;
    outcome_kind expected;
  };
  const probe probes[] = {
      {pending, succeeded, moves},
      {pending, failed, moves},
      {requires_reconciliation, succeeded, moves},
      {requires_reconciliation, failed, moves},
      {succeeded, succeeded, repeats},
      {succeeded, failed, contradicts},
      {failed, failed, repeats},
      {failed, succeeded, contradicts},
      {cancelled, succeeded, contradicts},
      {cancelled, failed, contradicts},
  };
  for (const auto& [from, said, expected] : probes) {
    SCOPED_TRACE(std::string(to_string(from)) + " + " + std::string(to_string(said)));
    const processor_operation current = topup(from);
    auto outcome = settle(current, verdict(said), clock.now() + 1);
    switch (expected) {
      case moves:
        ASSERT_TRUE(outcome);
        EXPECT_EQ(outcome->operation.status, said);
        break;
      case repeats:
        expect_noop(outcome, current);
        break;
      case contradicts:
        expect_rejected(outcome, {error_code::invalid_state_transition, {}});
        break;
    }
  }
}

TEST_F(processor_test, a_topup_cannot_be_paid_or_pending) {
  for (auto said : {processor_status::paid, processor_status::pending,
                    processor_status::requires_reconciliation, processor_status::cancelled}) {
    SCOPED_TRACE(to_string(said));
    expect_rejected(settle(topup(processor_status::pending), verdict(said), clock.now()),
                    {error_code::parameter_invalid, "status"});
  }
}

// ---- withdrawal settlement -------------------------------------------------------------

TEST_F(processor_test, withdrawal_paid_moves_the_hold_to_clearing) {
  for (auto from : {processor_status::pending, processor_status::requires_reconciliation}) {
    SCOPED_TRACE(to_string(from));
    const processor_operation before = withdrawal(from);
    auto outcome = settle(before, verdict(processor_status::paid), clock.now() + 5);
    ASSERT_TRUE(outcome);
    EXPECT_EQ(outcome->operation.status, processor_status::paid);
    EXPECT_EQ(outcome->operation.processor_object_id, "obj_123");
    expect_entry(*outcome, entry_kind::withdrawal_paid, clock.now() + 5,
                 {pending_withdrawal_book(owner.id, usd), -amount}, {clearing_book(usd), amount});
    EXPECT_EQ(outcome->deltas,
              (std::vector<account_delta>{{owner.id, balance_field::pending_withdrawal, -amount}}));
  }
}

TEST_F(processor_test, withdrawal_failed_returns_the_hold) {
  for (auto from : {processor_status::pending, processor_status::requires_reconciliation}) {
    SCOPED_TRACE(to_string(from));
    auto outcome = settle(withdrawal(from), verdict(processor_status::failed), clock.now());
    ASSERT_TRUE(outcome);
    EXPECT_EQ(outcome->operation.status, processor_status::failed);
    expect_entry(*outcome, entry_kind::withdrawal_returned, clock.now(),
                 {pending_withdrawal_book(owner.id, usd), -amount},
                 {available_book(owner.id, usd), amount});
    EXPECT_EQ(sorted(outcome->deltas),
              sorted({{owner.id, balance_field::pending_withdrawal, -amount},
                      {owner.id, balance_field::available, amount}}));
  }
}

TEST_F(processor_test, a_paid_withdrawal_that_fails_later_is_reversed) {
  const processor_operation paid = withdrawal(processor_status::paid);
  auto outcome = settle(paid, verdict(processor_status::failed), clock.now() + 86'400);
  ASSERT_TRUE(outcome);
  EXPECT_TRUE(outcome->changed);
  EXPECT_EQ(outcome->operation.status, processor_status::failed);
  EXPECT_EQ(outcome->operation.processor_object_id, "obj_123");  // kept from the payout
  expect_entry(*outcome, entry_kind::withdrawal_reversed, clock.now() + 86'400,
               {clearing_book(usd), -amount}, {available_book(owner.id, usd), amount});
  EXPECT_EQ(outcome->deltas,
            (std::vector<account_delta>{{owner.id, balance_field::available, amount}}));
  // The reversal is final: repeating it is a no-op, a late "paid" contradicts it.
  expect_noop(settle(outcome->operation, verdict(processor_status::failed), clock.now()),
              outcome->operation);
  expect_rejected(settle(outcome->operation, verdict(processor_status::paid), clock.now()),
                  {error_code::invalid_state_transition, {}});
}

TEST_F(processor_test, withdrawal_settlements_from_every_status) {
  using enum processor_status;
  enum outcome_kind { moves, repeats, contradicts };
  struct probe {
    processor_status from;
    processor_status verdict;
    outcome_kind expected;
  };
  const probe probes[] = {
      {pending, paid, moves},
      {pending, failed, moves},
      {requires_reconciliation, paid, moves},
      {requires_reconciliation, failed, moves},
      {paid, paid, repeats},
      {paid, failed, moves},  // the reversal
      {failed, failed, repeats},
      {failed, paid, contradicts},
      {cancelled, paid, contradicts},
      {cancelled, failed, contradicts},
  };
  for (const auto& [from, said, expected] : probes) {
    SCOPED_TRACE(std::string(to_string(from)) + " + " + std::string(to_string(said)));
    const processor_operation current = withdrawal(from);
    auto outcome = settle(current, verdict(said), clock.now() + 1);
    switch (expected) {
      case moves:
        ASSERT_TRUE(outcome);
        EXPECT_EQ(outcome->operation.status, said);
        EXPECT_TRUE(outcome->entry.has_value());
        break;
      case repeats:
        expect_noop(outcome, current);
        break;
      case contradicts:
        expect_rejected(outcome, {error_code::invalid_state_transition, {}});
        break;
    }
  }
}

TEST_F(processor_test, a_withdrawal_cannot_succeed_or_be_pending) {
  for (auto said : {processor_status::succeeded, processor_status::pending,
                    processor_status::requires_reconciliation, processor_status::cancelled}) {
    SCOPED_TRACE(to_string(said));
    expect_rejected(settle(withdrawal(processor_status::pending), verdict(said), clock.now()),
                    {error_code::parameter_invalid, "status"});
  }
}

// ---- reconciliation, retry and cancel --------------------------------------------------

TEST_F(processor_test, require_reconciliation_only_from_pending) {
  for (bool is_topup : {true, false}) {
    SCOPED_TRACE(is_topup ? "topup" : "withdrawal");
    auto make = [&](processor_status status) {
      return is_topup ? topup(status) : withdrawal(status);
    };
    auto outcome =
        require_reconciliation(make(processor_status::pending), "timed out", clock.now() + 9);
    ASSERT_TRUE(outcome);
    EXPECT_TRUE(outcome->changed);
    EXPECT_EQ(outcome->operation.status, processor_status::requires_reconciliation);
    EXPECT_EQ(outcome->operation.failure_message, "timed out");
    EXPECT_EQ(outcome->operation.updated_at, clock.now() + 9);
    EXPECT_FALSE(outcome->entry.has_value());
    EXPECT_TRUE(outcome->deltas.empty());

    const processor_operation waiting = outcome->operation;
    expect_noop(require_reconciliation(waiting, "again", clock.now()), waiting);
    for (auto from : {is_topup ? processor_status::succeeded : processor_status::paid,
                      processor_status::failed, processor_status::cancelled}) {
      SCOPED_TRACE(to_string(from));
      expect_rejected(require_reconciliation(make(from), "late", clock.now()),
                      {error_code::invalid_state_transition, {}});
    }
  }
}

TEST_F(processor_test, retry_drives_a_reconciliation_back_to_pending) {
  for (bool is_topup : {true, false}) {
    SCOPED_TRACE(is_topup ? "topup" : "withdrawal");
    auto make = [&](processor_status status) {
      return is_topup ? topup(status) : withdrawal(status);
    };
    auto outcome = retry_operation(make(processor_status::requires_reconciliation), clock.now());
    ASSERT_TRUE(outcome);
    EXPECT_TRUE(outcome->changed);
    EXPECT_EQ(outcome->operation.status, processor_status::pending);
    EXPECT_TRUE(outcome->operation.failure_message.empty());
    EXPECT_FALSE(outcome->entry.has_value());
    EXPECT_TRUE(outcome->deltas.empty());

    const processor_operation pending = make(processor_status::pending);
    expect_noop(retry_operation(pending, clock.now()), pending);
    for (auto from : {is_topup ? processor_status::succeeded : processor_status::paid,
                      processor_status::failed, processor_status::cancelled}) {
      SCOPED_TRACE(to_string(from));
      expect_rejected(retry_operation(make(from), clock.now()),
                      {error_code::invalid_state_transition, {}});
    }
  }
}

TEST_F(processor_test, cancel_of_a_topup_drops_the_pending_topup) {
  auto outcome = cancel_operation(topup(processor_status::requires_reconciliation), clock.now());
  ASSERT_TRUE(outcome);
  EXPECT_EQ(outcome->operation.status, processor_status::cancelled);
  EXPECT_FALSE(outcome->entry.has_value());
  EXPECT_EQ(outcome->deltas,
            (std::vector<account_delta>{{owner.id, balance_field::pending_topup, -amount}}));
}

TEST_F(processor_test, cancel_of_a_withdrawal_returns_the_hold) {
  auto outcome =
      cancel_operation(withdrawal(processor_status::requires_reconciliation), clock.now() + 3);
  ASSERT_TRUE(outcome);
  EXPECT_EQ(outcome->operation.status, processor_status::cancelled);
  expect_entry(*outcome, entry_kind::withdrawal_returned, clock.now() + 3,
               {pending_withdrawal_book(owner.id, usd), -amount},
               {available_book(owner.id, usd), amount});
  EXPECT_EQ(sorted(outcome->deltas), sorted({{owner.id, balance_field::pending_withdrawal, -amount},
                                             {owner.id, balance_field::available, amount}}));
}

TEST_F(processor_test, cancel_only_from_requires_reconciliation) {
  for (bool is_topup : {true, false}) {
    SCOPED_TRACE(is_topup ? "topup" : "withdrawal");
    auto make = [&](processor_status status) {
      return is_topup ? topup(status) : withdrawal(status);
    };
    const processor_operation cancelled = make(processor_status::cancelled);
    expect_noop(cancel_operation(cancelled, clock.now()), cancelled);
    // A pending operation may still complete at the processor: reconcile before cancelling.
    for (auto from : {processor_status::pending,
                      is_topup ? processor_status::succeeded : processor_status::paid,
                      processor_status::failed}) {
      SCOPED_TRACE(to_string(from));
      expect_rejected(cancel_operation(make(from), clock.now()),
                      {error_code::invalid_state_transition, {}});
    }
  }
}

// ---- sequences on a real account -------------------------------------------------------

struct balances {
  std::int64_t available;
  std::int64_t pending_withdrawal;
  std::int64_t pending_topup;
  friend bool operator==(const balances&, const balances&) = default;
  friend std::ostream& operator<<(std::ostream& out, const balances& b) {
    return out << "{available=" << b.available << " pending_withdrawal=" << b.pending_withdrawal
               << " pending_topup=" << b.pending_topup << "}";
  }
};

balances balances_of(const account& held) {
  return {held.available, held.pending_withdrawal, held.pending_topup};
}

template <class outcome_type>
processor_operation apply(account& target, const result<outcome_type>& outcome) {
  const auto& moved = must(result<outcome_type>(outcome));
  target = must(apply_deltas(target, moved.deltas));
  return moved.operation;
}

TEST_F(processor_test, sequence_topup_pending_then_succeeded) {
  owner.available = 0;
  auto top = apply(owner, request_topup(owner, command("top_1"), clock.now()));
  EXPECT_EQ(balances_of(owner), (balances{0, 0, amount}));
  top = apply(owner, settle(top, verdict(processor_status::succeeded), clock.now()));
  EXPECT_EQ(balances_of(owner), (balances{amount, 0, 0}));
  // A repeated webhook changes nothing.
  top = apply(owner, settle(top, verdict(processor_status::succeeded), clock.now()));
  EXPECT_EQ(balances_of(owner), (balances{amount, 0, 0}));
}

TEST_F(processor_test, sequence_topup_reconciled_then_cancelled) {
  owner.available = 0;
  auto top = apply(owner, request_topup(owner, command("top_1"), clock.now()));
  top = apply(owner, require_reconciliation(top, "timeout", clock.now()));
  EXPECT_EQ(balances_of(owner), (balances{0, 0, amount}));
  top = apply(owner, retry_operation(top, clock.now()));
  top = apply(owner, require_reconciliation(top, "timeout", clock.now()));
  top = apply(owner, cancel_operation(top, clock.now()));
  EXPECT_EQ(balances_of(owner), (balances{0, 0, 0}));
}

TEST_F(processor_test, sequence_withdrawal_paid_then_reversed) {
  owner.available = 10'000;
  auto payout = apply(owner, request_withdrawal(owner, command("wd_1"), clock.now()));
  EXPECT_EQ(balances_of(owner), (balances{10'000 - amount, amount, 0}));
  payout = apply(owner, settle(payout, verdict(processor_status::paid), clock.now()));
  EXPECT_EQ(balances_of(owner), (balances{10'000 - amount, 0, 0}));
  payout = apply(owner, settle(payout, verdict(processor_status::failed), clock.now()));
  EXPECT_EQ(balances_of(owner), (balances{10'000, 0, 0}));
}

TEST_F(processor_test, sequence_withdrawal_failed_returns_and_cancel_returns) {
  owner.available = 10'000;
  auto first = apply(owner, request_withdrawal(owner, command("wd_1"), clock.now()));
  auto second = apply(owner, request_withdrawal(owner, command("wd_2"), clock.now()));
  EXPECT_EQ(balances_of(owner), (balances{10'000 - 2 * amount, 2 * amount, 0}));
  first = apply(owner, settle(first, verdict(processor_status::failed), clock.now()));
  EXPECT_EQ(balances_of(owner), (balances{10'000 - amount, amount, 0}));
  second = apply(owner, require_reconciliation(second, "timeout", clock.now()));
  second = apply(owner, cancel_operation(second, clock.now()));
  EXPECT_EQ(balances_of(owner), (balances{10'000, 0, 0}));
  EXPECT_EQ(second.status, processor_status::cancelled);
}

// ---- names and on-disk numbers ---------------------------------------------------------

TEST(processor_values, names_and_on_disk_numbers_are_stable) {
  const std::pair<processor_status, const char*> statuses[] = {
      {processor_status::pending, "pending"},
      {processor_status::succeeded, "succeeded"},
      {processor_status::paid, "paid"},
      {processor_status::failed, "failed"},
      {processor_status::requires_reconciliation, "requires_reconciliation"},
      {processor_status::cancelled, "cancelled"}};
  int number = 1;
  for (const auto& [status, name] : statuses) {
    EXPECT_EQ(static_cast<int>(status), number++);
    EXPECT_EQ(to_string(status), name);
  }
  EXPECT_EQ(static_cast<int>(processor_kind::topup), 1);
  EXPECT_EQ(static_cast<int>(processor_kind::withdrawal), 2);
  EXPECT_EQ(to_string(processor_kind::topup), "topup");
  EXPECT_EQ(to_string(processor_kind::withdrawal), "withdrawal");
}

}  // namespace
}  // namespace escrowd
