// Stored record types that belong to the storage layer rather than the engine: idempotency
// records, processor outbox rows, API keys and processed webhook events. The engine's
// account, task, processor_operation and journal_entry are stored as they are.
// Thread affinity: none; plain values.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "engine/authorization.hpp"
#include "engine/processor_operation.hpp"

namespace escrowd::storage {

// The stored outcome of one idempotent request (api.md "Idempotency"), scoped to the
// principal that sent it. Replays return `status_code` and `response_body` byte-identical.
struct idempotency_record {
  std::string scope;  // the principal: its API key id
  std::string key;    // the client's Idempotency-Key
  std::string fingerprint;
  std::string endpoint;  // e.g. "POST /v1/tasks"
  std::uint16_t status_code = 0;
  std::string response_body;
  std::string request_id;  // Request-Id of the first request (Original-Request on replay)
  std::int64_t created_at = 0;
  std::int64_t expires_at = 0;  // Unix seconds; reaped at or after this time

  friend bool operator==(const idempotency_record&, const idempotency_record&) = default;
};

// Do not renumber: on disk.
enum class outbox_state : std::uint8_t {
  pending = 1,    // to be sent (again) at next_attempt_at
  in_flight = 2,  // a gateway has sent it; outcome unknown until it answers
  parked = 3,     // the gateway gave up; waits for reconciliation or an admin
};

// A request to the processor, written in the same commit as the operation that needs it
// (transactional outbox), so a crash between the commit and the call loses nothing.
struct outbox_row {
  std::string key;  // the processor idempotency key, e.g. "topup:top_1:charge"
  processor_kind operation_kind = processor_kind::topup;
  std::string operation_id;
  std::string request_payload;  // exactly what is sent on every attempt
  std::uint32_t attempts = 0;
  std::int64_t next_attempt_at = 0;
  outbox_state state = outbox_state::pending;
  std::int64_t created_at = 0;

  friend bool operator==(const outbox_row&, const outbox_row&) = default;
};

// SHA-256 of an API key's secret: the secret itself is never stored.
using api_key_hash = std::array<std::uint8_t, 32>;

struct api_key_record {
  std::string key_id;  // "key_..."
  api_key_hash hash{};
  principal_role role = principal_role::account;
  std::string account_id;  // account keys only
  std::int64_t created_at = 0;
  bool revoked = false;
  std::int64_t revoked_at = 0;

  friend bool operator==(const api_key_record&, const api_key_record&) = default;
};

struct api_key_revocation {
  std::string key_id;
  std::int64_t revoked_at = 0;
};

// A processed processor webhook event, kept so a redelivery is recognised.
struct webhook_event_record {
  std::string event_id;
  std::int64_t processed_at = 0;

  friend bool operator==(const webhook_event_record&, const webhook_event_record&) = default;
};

// The hash under which a secret is looked up (OpenSSL SHA-256).
[[nodiscard]] api_key_hash hash_api_key_secret(std::string_view secret);

}  // namespace escrowd::storage
