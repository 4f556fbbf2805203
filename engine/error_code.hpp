// error_code: every rejection reason escrowd can answer with, and its single mapping to
// the HTTP API's status, error type and snake_case code (api.md "Errors").
// Thread affinity: none; constant data.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace escrowd {

// Do not renumber: stored on disk inside idempotency records and outbox rows.
enum class error_code : std::uint16_t {
  ok = 0,
  // 400 invalid_request_error: the request itself is malformed.
  parameter_missing = 1,
  parameter_invalid = 2,
  parameter_unknown = 3,
  json_invalid = 4,
  amount_invalid = 5,
  currency_invalid = 6,
  id_invalid = 7,
  currency_mismatch = 8,
  idempotency_key_invalid = 9,
  batch_too_large = 10,
  // 413 / 431: size limits.
  body_too_large = 11,
  header_too_large = 12,
  // 415: a body that says it is not JSON.
  unsupported_media_type = 13,
  // 401 authentication_error.
  authentication_required = 20,
  api_key_invalid = 21,
  // 403 permission_error.
  permission_denied = 30,
  // 404 / 405.
  not_found = 40,
  route_not_found = 41,
  method_not_allowed = 42,
  // 409 invalid_request_error: the request conflicts with the current state.
  already_exists = 50,
  invalid_state_transition = 51,
  insufficient_funds = 52,
  balance_overflow = 53,
  processor_state_uncertain = 54,
  review_window_open = 55,
  task_history_full = 56,
  last_admin_key = 57,
  // 409 / 422 idempotency_error.
  idempotency_key_in_use = 60,
  idempotency_key_reused = 61,
  // 429.
  rate_limited = 70,
  // 502 processor_error.
  processor_error = 80,
  // 500 / 503 api_error: nothing was committed.
  storage_full = 90,
  storage_failed = 91,
  not_ready = 92,
  internal = 93,
  timeout = 94,
  overloaded = 95,
  // 400 for webhook deliveries that fail verification.
  webhook_signature_invalid = 100,
};

// The API's error types (api.md); on the wire as snake_case strings.
enum class error_type : std::uint8_t {
  invalid_request_error,
  authentication_error,
  permission_error,
  idempotency_error,
  processor_error,
  api_error,
};

struct error_description {
  std::string_view code;  // stable snake_case word, e.g. "insufficient_funds"
  std::uint16_t http_status;
  error_type type;
  std::string_view message;  // default human-readable sentence
};

// The one table mapping codes to the API. Every enumerator has an entry.
const error_description& describe(error_code code);
std::string_view to_string(error_type type);
std::optional<error_code> error_code_from_number(std::uint16_t number);

}  // namespace escrowd
