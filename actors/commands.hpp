// The commands the facade hands to the actors and what they answer: the only actor types
// the HTTP layer sees (no CAF, no storage). Inside the actor system they are local-only
// messages, never serialized. Thread affinity: none; plain values, moved on send.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "engine/account.hpp"
#include "engine/authorization.hpp"
#include "engine/processor_operation.hpp"
#include "engine/result.hpp"
#include "engine/task.hpp"

namespace escrowd::actors {

// An API key as its creator sees it, once: the secret is never stored or shown again.
struct issued_api_key {
  std::string id;
  std::string secret;
  principal_role role = principal_role::account;
  std::string account_id;  // account keys only
  std::int64_t created_at = 0;
};

struct revoked_api_key {
  std::string id;
};

// The object an operation produced (or found, for a no-op), for the renderer.
using operation_object = std::variant<std::monostate, account, task, processor_operation,
                                      issued_api_key, revoked_api_key>;

// What the deciding actor knows when it answers: a rejection, or the object and whether
// this request changed it.
struct operation_result {
  escrowd::status outcome;
  operation_object object;
  bool changed = false;
};

// The HTTP response of an operation, rendered once by the deciding actor so that the live
// response and the stored idempotency record are the same bytes.
struct rendered_response {
  std::uint16_t status = 500;
  std::string body;
  bool replayed = false;            // a stored answer to an earlier request with the key
  std::string original_request_id;  // that earlier request's Request-Id, when replayed
  // What the idempotency record stores and a replay shows, when it is not `body`: a new
  // key's secret is shown once and never stored (a batch carries it for its operations).
  // Rarely set, and an answer is moved many times on its way: a pointer, not a string.
  std::shared_ptr<const std::string> stored_body;
};

// Pure and thread-safe: called on the deciding actor's thread.
using response_renderer = std::function<rendered_response(const operation_result&)>;

// A facade caller's callback: called once, on an actor thread, with the answer.
using completion = std::function<void(rendered_response)>;

// An Idempotency-Key claimed by a request in flight.
struct idempotency_claim {
  std::string scope;  // "admin", "arbiter" or "account:<id>": whose keys share it
  std::string key;
  std::string fingerprint;
  std::string endpoint;    // "POST /v1/tasks/{id}/fund"
  std::string request_id;  // becomes Original-Request on replays
  std::int64_t created_at = 0;
  std::int64_t expires_at = 0;
};

// Everything about the request that is not the command itself.
struct request_context {
  escrowd::principal principal;  // who asks; task actors authorize against the task
  std::string actor;             // the principal's name for task history
  std::int64_t now = 0;          // Unix seconds, read once at the edge
  // The request's Idempotency-Key, when it carried one: the decider stores its rendered
  // response with the effect (business rejections included).
  std::optional<idempotency_claim> idempotency;
  response_renderer render;
  // Called on a funding's deciding actor (the payer's) once the decision, acceptance or
  // refusal, is in its memory and its record is queued, before that record is durable:
  // whatever is sent to the payer or the task afterwards is decided after it. A batch
  // starts its next funding from the same payer then, so their records share group
  // commits (http/batch.cpp). Empty for everything else.
  std::function<void()> on_decided;
};

enum class task_command_kind : std::uint8_t {
  create,
  create_funded,
  assign,
  fund,
  submit,
  approve,
  dispute,
  resolve,
  cancel,
  lapse_review_window,
};

struct task_command {
  task_command_kind kind = task_command_kind::fund;
  std::string task_id;
  create_task_command create;      // create and create_funded
  std::string payer;               // create and create_funded
  std::string worker;              // assign
  std::string text;                // submission or dispute reason
  std::int64_t worker_amount = 0;  // resolve
  request_context context;
};

enum class account_command_kind : std::uint8_t {
  create,
  request_topup,
  request_withdrawal,
  settle_operation,  // the processor's verdict on a top-up or withdrawal of this account
  // The gateway's bookkeeping of an open operation (actors/gateway.hpp): its outbox row's
  // attempts and next attempt, written only while the operation is still pending, so a
  // row deleted by a settlement is never written back.
  reschedule_operation,
  park_operation,    // the gateway gave up: requires_reconciliation, outbox row parked
  retry_operation,   // admin: drive a requires_reconciliation operation again, same key
  cancel_operation,  // admin: after the gateway looked the operation up at the processor
};

// The gateway's schedule of an operation's next processor call (reschedule, park).
struct operation_schedule {
  std::uint32_t attempts = 0;        // failed attempts so far
  std::int64_t next_attempt_at = 0;  // Unix seconds
  bool awaiting_processor = false;   // the processor accepted it; waiting for its verdict
};

struct account_command {
  account_command_kind kind = account_command_kind::create;
  std::string account_id;
  create_account_command create;
  processor_request_command processor_request;
  processor_kind operation_kind = processor_kind::topup;  // settle_operation
  std::string operation_id;                               // settle_operation
  escrowd::settlement settlement;                         // settle_operation
  // settle_operation from a webhook: the event id, recorded in the same commit so a
  // redelivery is recognised.
  std::string webhook_event_id;
  operation_schedule schedule;  // reschedule_operation, park_operation
  std::string reason;           // park_operation: why the gateway gave up
  // park_operation: the processor answered with an object that is not this operation's
  // (stored as failure_code processor_contradiction_code).
  bool processor_contradicted = false;
  // cancel_operation: the processor's records, looked up by the gateway, show no object
  // for this operation. Without it a cancel is refused (processor_state_uncertain).
  bool processor_shows_nothing = false;
  request_context context;
};

// POST /v1/topups/{id}/retry|cancel and POST /v1/withdrawals/{id}/retry|cancel (admin):
// the operation must be requires_reconciliation. A retry drives it again with the same
// processor key; a cancel is allowed only when the processor's records show nothing.
enum class operation_admin_kind : std::uint8_t { retry, cancel };

struct operation_admin_command {
  operation_admin_kind kind = operation_admin_kind::retry;
  processor_kind operation_kind = processor_kind::topup;
  std::string operation_id;
  request_context context;
};

enum class key_command_kind : std::uint8_t { create, revoke };

// POST /v1/accounts/{id}/keys, POST /v1/keys, DELETE /v1/keys/{id}.
struct key_command {
  key_command_kind kind = key_command_kind::create;
  std::string key_id;  // the new key's id (create) or the one to revoke
  std::string secret;  // create: chosen by the caller from a CSPRNG; only its hash is stored
  principal_role role = principal_role::account;
  std::string account_id;  // account keys: must exist
  request_context context;
};

}  // namespace escrowd::actors
