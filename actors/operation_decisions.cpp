#include "actors/operation_decisions.hpp"

#include "actors/processor_payload.hpp"

namespace escrowd::actors {
namespace {

// The stored row, or the one the operation was created with: the payload is derived from
// the operation alone, so a regenerated row sends the same bytes.
storage::outbox_row row_or_rebuilt(const std::optional<storage::outbox_row>& stored,
                                   const processor_operation& operation, std::int64_t now) {
  if (stored) return *stored;
  return outbox_row_for(operation, now);
}

// Moves the operation: its row update, balances and entry in the record.
void record_move(operation_decision& decision) {
  const auto& outcome = decision.outcome;
  decision.record.operation_updates.push_back(outcome.operation);
  decision.record.account_deltas = outcome.deltas;
  decision.record.entry = outcome.entry;
}

result<operation_decision> decide_settle(const account_command& command,
                                         const processor_operation& current, std::int64_t now) {
  auto outcome = settle(current, command.settlement, now);
  if (!outcome) return outcome.failure();
  operation_decision decision{std::move(*outcome), {}};
  if (decision.outcome.changed) {
    record_move(decision);
    decision.record.outbox_deletes.push_back(processor_idempotency_key(current));
  }
  if (!command.webhook_event_id.empty())
    decision.record.webhook_events.push_back({command.webhook_event_id, now});
  return decision;
}

result<operation_decision> decide_reschedule(const account_command& command,
                                             const processor_operation& current,
                                             const std::optional<storage::outbox_row>& stored,
                                             std::int64_t now) {
  if (current.status != processor_status::pending)
    return error{error_code::invalid_state_transition, {}};
  auto row = row_or_rebuilt(stored, current, now);
  row.attempts = command.schedule.attempts;
  row.next_attempt_at = command.schedule.next_attempt_at;
  row.state = command.schedule.awaiting_processor ? storage::outbox_state::in_flight
                                                  : storage::outbox_state::pending;
  operation_decision decision{processor_outcome{current, false, {}, {}}, {}};
  decision.record.outbox_puts.push_back(std::move(row));
  return decision;
}

result<operation_decision> decide_park(const account_command& command,
                                       const processor_operation& current,
                                       const std::optional<storage::outbox_row>& stored,
                                       std::int64_t now) {
  auto outcome = require_reconciliation(
      current, command.reason, now,
      command.processor_contradicted ? processor_contradiction_code : std::string_view());
  if (!outcome) return outcome.failure();
  operation_decision decision{std::move(*outcome), {}};
  if (!decision.outcome.changed) return decision;
  record_move(decision);
  auto row = row_or_rebuilt(stored, current, now);
  row.attempts = command.schedule.attempts;
  row.next_attempt_at = command.schedule.next_attempt_at;
  row.state = storage::outbox_state::parked;
  decision.record.outbox_puts.push_back(std::move(row));
  return decision;
}

result<operation_decision> decide_retry(const processor_operation& current,
                                        const std::optional<storage::outbox_row>& stored,
                                        std::int64_t now) {
  auto outcome = retry_operation(current, now);
  if (!outcome) return outcome.failure();
  operation_decision decision{std::move(*outcome), {}};
  if (!decision.outcome.changed) return decision;
  record_move(decision);
  auto row = row_or_rebuilt(stored, current, now);
  row.attempts = 0;
  row.next_attempt_at = now;
  row.state = storage::outbox_state::pending;
  decision.record.outbox_puts.push_back(std::move(row));
  return decision;
}

result<operation_decision> decide_cancel(const account_command& command,
                                         const processor_operation& current, std::int64_t now) {
  // A repeated cancel answers as it is; only an open cancel needs the processor's word.
  if (current.status == processor_status::requires_reconciliation &&
      !command.processor_shows_nothing)
    return error{error_code::processor_state_uncertain, {}};
  auto outcome = cancel_operation(current, now);
  if (!outcome) return outcome.failure();
  operation_decision decision{std::move(*outcome), {}};
  if (!decision.outcome.changed) return decision;
  record_move(decision);
  decision.record.outbox_deletes.push_back(processor_idempotency_key(current));
  return decision;
}

}  // namespace

bool is_operation_command(account_command_kind kind) {
  switch (kind) {
    case account_command_kind::settle_operation:
    case account_command_kind::reschedule_operation:
    case account_command_kind::park_operation:
    case account_command_kind::retry_operation:
    case account_command_kind::cancel_operation:
      return true;
    case account_command_kind::create:
    case account_command_kind::request_topup:
    case account_command_kind::request_withdrawal:
      return false;
  }
  return false;
}

result<operation_decision> decide_operation(const account_command& command,
                                            const processor_operation& current,
                                            const std::optional<storage::outbox_row>& stored_row,
                                            std::int64_t now) {
  switch (command.kind) {
    case account_command_kind::settle_operation:
      return decide_settle(command, current, now);
    case account_command_kind::reschedule_operation:
      return decide_reschedule(command, current, stored_row, now);
    case account_command_kind::park_operation:
      return decide_park(command, current, stored_row, now);
    case account_command_kind::retry_operation:
      return decide_retry(current, stored_row, now);
    case account_command_kind::cancel_operation:
      return decide_cancel(command, current, now);
    case account_command_kind::create:
    case account_command_kind::request_topup:
    case account_command_kind::request_withdrawal:
      break;
  }
  return error{error_code::internal, "kind"};
}

}  // namespace escrowd::actors
