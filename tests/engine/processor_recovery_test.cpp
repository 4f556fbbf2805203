// Tests engine/processor_operation.hpp's paths out of uncertainty (reconciliation, retry,
// cancel), whole sequences applying the deltas to a real account (available,
// pending_withdrawal and pending_topup after every step), and the names and on-disk numbers.
#include <ostream>
#include <string>
#include <tuple>
#include <vector>

#include "tests/engine/processor_fixture.hpp"

namespace escrowd {
namespace {

using namespace processor_testing;

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
