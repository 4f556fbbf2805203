// Tests the account actor's decisions about an existing operation (pure): each carries the
// operation, money and outbox change in one record, so the outbox row exists exactly while
// the operation is open; a reschedule never writes a row for an operation that is no
// longer pending; a cancel needs the processor's word; a webhook's event id is recorded
// with the settlement (and alone when the settlement is a no-op).
#include "actors/operation_decisions.hpp"

#include <gtest/gtest.h>

#include "actors/processor_payload.hpp"

namespace escrowd::actors {
namespace {

constexpr std::int64_t now = 1'700'000'000;

processor_operation withdrawal(processor_status status) {
  processor_operation made;
  made.kind = processor_kind::withdrawal;
  made.id = "wd_1";
  made.account_id = "acct_1";
  made.amount = 400;
  made.currency = *currency::parse("usd");
  made.instrument = "ba_default";
  made.status = status;
  return made;
}

account_command command(account_command_kind kind) {
  account_command made;
  made.kind = kind;
  made.account_id = "acct_1";
  made.operation_kind = processor_kind::withdrawal;
  made.operation_id = "wd_1";
  return made;
}

TEST(operation_decisions, a_settlement_deletes_the_row_and_records_the_webhook_event) {
  auto settle = command(account_command_kind::settle_operation);
  settle.settlement = {processor_status::paid, "po_1", {}, {}};
  settle.webhook_event_id = "evt_1";
  const auto decided = decide_operation(settle, withdrawal(processor_status::pending), {}, now);
  ASSERT_TRUE(decided.has_value());
  EXPECT_TRUE(decided->outcome.changed);
  EXPECT_EQ(decided->record.operation_updates.size(), 1u);
  EXPECT_EQ(decided->record.outbox_deletes, std::vector<std::string>{"withdrawal:wd_1:payout"});
  ASSERT_EQ(decided->record.webhook_events.size(), 1u);
  EXPECT_EQ(decided->record.webhook_events[0].event_id, "evt_1");
  ASSERT_TRUE(decided->record.entry.has_value());

  // The same verdict again: nothing moves, only the event id is kept.
  const auto again = decide_operation(settle, decided->outcome.operation, {}, now);
  ASSERT_TRUE(again.has_value());
  EXPECT_FALSE(again->outcome.changed);
  EXPECT_TRUE(again->record.operation_updates.empty());
  EXPECT_TRUE(again->record.outbox_deletes.empty());
  EXPECT_FALSE(again->record.entry.has_value());
  EXPECT_EQ(again->record.webhook_events.size(), 1u);
}

TEST(operation_decisions, a_reschedule_writes_the_row_only_while_pending) {
  auto reschedule = command(account_command_kind::reschedule_operation);
  reschedule.schedule = {3, now + 7, true};
  const auto stored = outbox_row_for(withdrawal(processor_status::pending), now - 10);
  const auto decided =
      decide_operation(reschedule, withdrawal(processor_status::pending), stored, now);
  ASSERT_TRUE(decided.has_value());
  ASSERT_EQ(decided->record.outbox_puts.size(), 1u);
  const auto& row = decided->record.outbox_puts[0];
  EXPECT_EQ(row.attempts, 3u);
  EXPECT_EQ(row.next_attempt_at, now + 7);
  EXPECT_EQ(row.state, storage::outbox_state::in_flight);
  EXPECT_EQ(row.request_payload, stored.request_payload);
  EXPECT_EQ(row.created_at, now - 10);
  EXPECT_TRUE(decided->record.operation_updates.empty());

  for (auto status : {processor_status::paid, processor_status::failed,
                      processor_status::requires_reconciliation}) {
    EXPECT_EQ(decide_operation(reschedule, withdrawal(status), stored, now).code(),
              error_code::invalid_state_transition);
  }
}

TEST(operation_decisions, parking_moves_to_requires_reconciliation_with_a_parked_row) {
  auto park = command(account_command_kind::park_operation);
  park.reason = "gave up";
  park.schedule = {16, now, false};
  const auto decided = decide_operation(park, withdrawal(processor_status::pending), {}, now);
  ASSERT_TRUE(decided.has_value());
  EXPECT_EQ(decided->outcome.operation.status, processor_status::requires_reconciliation);
  EXPECT_EQ(decided->outcome.operation.failure_message, "gave up");
  ASSERT_EQ(decided->record.outbox_puts.size(), 1u);
  EXPECT_EQ(decided->record.outbox_puts[0].state, storage::outbox_state::parked);
  EXPECT_EQ(decided->record.outbox_puts[0].attempts, 16u);
  // The row was rebuilt from the operation: the same bytes as when it was created.
  EXPECT_EQ(decided->record.outbox_puts[0].request_payload,
            processor_request_payload(withdrawal(processor_status::pending)));
  EXPECT_TRUE(decided->record.account_deltas.empty());  // the hold stays held
}

TEST(operation_decisions, a_retry_makes_a_parked_operation_pending_again) {
  auto parked = withdrawal(processor_status::requires_reconciliation);
  auto row = outbox_row_for(parked, now - 100);
  row.state = storage::outbox_state::parked;
  row.attempts = 16;
  const auto decided =
      decide_operation(command(account_command_kind::retry_operation), parked, row, now);
  ASSERT_TRUE(decided.has_value());
  EXPECT_EQ(decided->outcome.operation.status, processor_status::pending);
  ASSERT_EQ(decided->record.outbox_puts.size(), 1u);
  EXPECT_EQ(decided->record.outbox_puts[0].state, storage::outbox_state::pending);
  EXPECT_EQ(decided->record.outbox_puts[0].attempts, 0u);
  EXPECT_EQ(decided->record.outbox_puts[0].next_attempt_at, now);
  EXPECT_EQ(decided->record.outbox_puts[0].key, "withdrawal:wd_1:payout");
  EXPECT_EQ(decide_operation(command(account_command_kind::retry_operation),
                             withdrawal(processor_status::paid), row, now)
                .code(),
            error_code::invalid_state_transition);
}

TEST(operation_decisions, a_cancel_needs_the_processors_word_and_returns_the_hold) {
  const auto parked = withdrawal(processor_status::requires_reconciliation);
  auto cancel = command(account_command_kind::cancel_operation);
  EXPECT_EQ(decide_operation(cancel, parked, {}, now).code(),
            error_code::processor_state_uncertain);
  cancel.processor_shows_nothing = true;
  const auto decided = decide_operation(cancel, parked, {}, now);
  ASSERT_TRUE(decided.has_value());
  EXPECT_EQ(decided->outcome.operation.status, processor_status::cancelled);
  EXPECT_EQ(decided->record.outbox_deletes, std::vector<std::string>{"withdrawal:wd_1:payout"});
  ASSERT_TRUE(decided->record.entry.has_value());
  EXPECT_EQ(decided->record.entry->kind, entry_kind::withdrawal_returned);
  // Repeating a done cancel answers as it is, whatever the processor shows.
  cancel.processor_shows_nothing = false;
  const auto again = decide_operation(cancel, decided->outcome.operation, {}, now);
  ASSERT_TRUE(again.has_value());
  EXPECT_FALSE(again->outcome.changed);
  EXPECT_EQ(decide_operation(cancel, withdrawal(processor_status::pending), {}, now).code(),
            error_code::invalid_state_transition);
}

}  // namespace
}  // namespace escrowd::actors
