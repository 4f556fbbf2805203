// Messages among escrowd's own actors, never seen outside actors/. Local-only (never
// serialized). Thread affinity: none; plain values, moved on send.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "actors/commands.hpp"

namespace escrowd::actors {

// Task actor -> payer's account actor: decide funding against the balance you hold, and
// commit the one record carrying both sides. `is_new` when the task is created by it.
struct fund_request {
  task current;
  bool is_new = false;
  // The opening the task's memory rests on (entity_lifecycle): the funding's record
  // carries the earlier of it and the payer's.
  std::uint64_t task_loaded_in_opening = 0;
  request_context context;
};

// The payer's verdict back to the task actor, sent once the record is durable (or at
// once for a rejection that nothing needs to store).
struct fund_verdict {
  escrowd::status outcome;
  std::optional<task> funded;  // the task as committed
  rendered_response response;
};

// The answer of a request that no one entity decides (a batch: each operation is decided
// by its own actors under a key derived from the batch's), to store under the request's
// own Idempotency-Key once it is whole.
struct stored_answer {
  request_context context;  // carries the idempotency claim
  rendered_response response;
};

// A facade caller's callback, carried to the actor that calls it (key registrar, gateway).
struct completion_handle {
  std::function<void(rendered_response)> call;
};

// A closure posted back into the gateway from a processor port's callback thread: it runs
// inside the gateway's handler, so it may touch the gateway's state.
struct gateway_task {
  std::function<void()> run;
};

// A verified webhook's settlement, held until the processor confirms it: the gateway
// retrieves the object the event names and settles from what the processor shows now
// (processor-notes 2.6), not from the event, which may be stale, out of order, or made
// with a leaked signing secret.
struct webhook_confirmation {
  account_command settle;   // settle_operation with webhook_event_id and context; no verdict yet
  std::string object_id;    // the processor's object the event names
  std::int64_t amount = 0;  // the operation's amount and currency, which the object must carry
  std::string currency;
  processor_status claimed = processor_status::pending;  // the final state the event names
};

// An admin's cancel of a requires_reconciliation operation: the gateway looks the operation
// up at the processor, then hands the account actor the cancel with what it found.
struct operation_cancel_request {
  processor_kind kind = processor_kind::topup;
  std::string operation_id;
  request_context context;
};

// Do not renumber: used as a message tag only, but kept stable for logs.
enum class entity_kind : std::uint8_t { account = 1, task = 2 };

}  // namespace escrowd::actors
