// Decisions about an existing top-up or withdrawal, as the account actor takes them: the
// processor's verdict (settle), the gateway's bookkeeping (reschedule, park) and an
// admin's retry or cancel. Each returns the operation as decided and the commit record
// carrying all of it: the operation row, the balance deltas and journal entry, and the
// outbox row's change in the same record, so the row exists exactly while the operation
// is open (pending or requires_reconciliation).
// Pure: no CAF, no storage access; the caller passes the stored outbox row.
// Thread affinity: none.
#pragma once

#include <optional>

#include "actors/commands.hpp"
#include "engine/processor_operation.hpp"
#include "storage/commit_record.hpp"

namespace escrowd::actors {

struct operation_decision {
  processor_outcome outcome;      // the operation after the decision; `changed` as the engine says
  storage::commit_record record;  // without idempotency (the caller attaches the request's)
};

// `command.kind` is settle, reschedule, park, retry or cancel. Rejections: the engine's
// (invalid_state_transition), processor_state_uncertain for a cancel the processor's
// records do not allow, invalid_state_transition for a reschedule of an operation that is
// no longer pending.
[[nodiscard]] result<operation_decision> decide_operation(
    const account_command& command, const processor_operation& current,
    const std::optional<storage::outbox_row>& stored_row, std::int64_t now);

// Whether the command kind is one decide_operation takes.
[[nodiscard]] bool is_operation_command(account_command_kind kind);

}  // namespace escrowd::actors
