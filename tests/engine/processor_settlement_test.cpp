// Tests engine/processor_operation.hpp's settlements: each legal one checked exactly (next
// status, journal entry, account deltas), and every settlement from every status (changed,
// repeated-settlement no-op, or the exact rejection).
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "engine/utf8.hpp"
#include "tests/engine/processor_fixture.hpp"

namespace escrowd {
namespace {

using namespace processor_testing;

enum settlement_kind { moves, repeats, contradicts };

struct settlement_probe {
  processor_status from;
  processor_status verdict;
  settlement_kind expected;
};

// Settles an operation in each probe's `from` status (made by `make`) with the probe's
// verdict at time `at`. A move changes the status, with a journal entry unless a top-up failed (no
// booked money moved); a repeat is a no-op; a contradiction is invalid_state_transition.
template <class Make>
void expect_settlements(std::span<const settlement_probe> probes, std::int64_t at, Make make) {
  for (const auto& [from, said, expected] : probes) {
    SCOPED_TRACE(std::string(to_string(from)) + " + " + std::string(to_string(said)));
    const processor_operation current = make(from);
    auto outcome = settle(current, verdict(said), at);
    switch (expected) {
      case moves:
        ASSERT_TRUE(outcome);
        EXPECT_EQ(outcome->operation.status, said);
        EXPECT_EQ(outcome->entry.has_value(), current.kind == processor_kind::withdrawal ||
                                                  said == processor_status::succeeded);
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

// A processor's message in another language: the cut falls inside a two-byte character,
// which goes whole; the parking reason, cut by the same rule, too.
TEST_F(processor_test, failure_text_is_cut_between_characters) {
  settlement declined = verdict(processor_status::failed);
  declined.failure_message = std::string(failure_text_length_max - 1, 'm') + "\xC3\xA9tranger";
  auto outcome = settle(topup(processor_status::pending), declined, clock.now());
  ASSERT_TRUE(outcome);
  EXPECT_EQ(outcome->operation.failure_message, std::string(failure_text_length_max - 1, 'm'));
  EXPECT_TRUE(is_utf8(outcome->operation.failure_message));

  const std::string reason = std::string(failure_text_length_max - 2, 'r') + "\xE2\x82\xAC";
  auto parked = require_reconciliation(topup(processor_status::pending), reason, clock.now());
  ASSERT_TRUE(parked);
  EXPECT_EQ(parked->operation.failure_message, std::string(failure_text_length_max - 2, 'r'));

  // Text that is not UTF-8 (none comes from a JSON answer) loses at most three bytes.
  const std::string continuation_bytes(failure_text_length_max + 100, '\x80');
  auto odd =
      require_reconciliation(topup(processor_status::pending), continuation_bytes, clock.now());
  ASSERT_TRUE(odd);
  EXPECT_EQ(odd->operation.failure_message.size(), failure_text_length_max - 3);
}

// A park on a contradiction keeps its code, so reconciliation leaves it to an operator; an
// admin's retry clears it with the message.
TEST_F(processor_test, a_park_carries_its_code_and_a_retry_clears_it) {
  auto parked = require_reconciliation(topup(processor_status::pending), "another amount",
                                       clock.now(), processor_contradiction_code);
  ASSERT_TRUE(parked);
  EXPECT_EQ(parked->operation.failure_code, processor_contradiction_code);
  auto retried = retry_operation(parked->operation, clock.now());
  ASSERT_TRUE(retried);
  EXPECT_TRUE(retried->operation.failure_code.empty());
  EXPECT_TRUE(retried->operation.failure_message.empty());
  auto plain = require_reconciliation(topup(processor_status::pending), "gave up", clock.now());
  ASSERT_TRUE(plain);
  EXPECT_TRUE(plain->operation.failure_code.empty());
}

// The object id is stored with the operation and used to look it up again, so it is not cut
// like the failure texts: an id longer than any processor makes is refused. Stored, a
// 5,000-byte id made the operation's row one its decoder refused (every later read failed).
TEST_F(processor_test, an_object_id_longer_than_any_processor_makes_is_refused) {
  settlement long_id = verdict(processor_status::succeeded);
  long_id.processor_object_id = std::string(processor_object_id_length_max + 1, 'p');
  expect_rejected(settle(topup(processor_status::pending), long_id, clock.now()),
                  {error_code::parameter_invalid, "processor_object_id"});
  long_id.processor_object_id.pop_back();
  EXPECT_TRUE(settle(topup(processor_status::pending), long_id, clock.now()));
}

TEST_F(processor_test, topup_settlements_from_every_status) {
  using enum processor_status;
  const settlement_probe probes[] = {
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
  expect_settlements(probes, clock.now() + 1,
                     [this](processor_status from) { return topup(from); });
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
  const settlement_probe probes[] = {
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
  expect_settlements(probes, clock.now() + 1,
                     [this](processor_status from) { return withdrawal(from); });
}

TEST_F(processor_test, a_withdrawal_cannot_succeed_or_be_pending) {
  for (auto said : {processor_status::succeeded, processor_status::pending,
                    processor_status::requires_reconciliation, processor_status::cancelled}) {
    SCOPED_TRACE(to_string(said));
    expect_rejected(settle(withdrawal(processor_status::pending), verdict(said), clock.now()),
                    {error_code::parameter_invalid, "status"});
  }
}

}  // namespace
}  // namespace escrowd
