#include "engine/error_code.hpp"

#include <array>

namespace escrowd {
namespace {

struct table_row {
  error_code code;
  error_description description;
};

using enum error_type;

// The one mapping from rejection reasons to the API (api.md "Errors").
constexpr std::array error_table{
    table_row{error_code::ok, {"ok", 200, api_error, "OK."}},
    table_row{
        error_code::parameter_missing,
        {"parameter_missing", 400, invalid_request_error, "A required parameter is missing."}},
    table_row{
        error_code::parameter_invalid,
        {"parameter_invalid", 400, invalid_request_error, "A parameter has an invalid value."}},
    table_row{
        error_code::parameter_unknown,
        {"parameter_unknown", 400, invalid_request_error, "The request has an unknown parameter."}},
    table_row{error_code::json_invalid,
              {"json_invalid", 400, invalid_request_error, "The body is not valid JSON."}},
    table_row{error_code::amount_invalid,
              {"amount_invalid", 400, invalid_request_error,
               "Amounts are integers of minor units from 1 to 10^15."}},
    table_row{error_code::currency_invalid,
              {"currency_invalid", 400, invalid_request_error,
               "Currencies are three lower-case letters."}},
    table_row{error_code::id_invalid,
              {"id_invalid", 400, invalid_request_error,
               "Ids are 1 to 64 characters of A-Z, a-z, 0-9, '_' and '-'."}},
    table_row{error_code::currency_mismatch,
              {"currency_mismatch", 400, invalid_request_error,
               "The accounts and the amount are in different currencies."}},
    table_row{error_code::idempotency_key_invalid,
              {"idempotency_key_invalid", 400, invalid_request_error,
               "Idempotency keys are 1 to 255 printable ASCII characters."}},
    table_row{
        error_code::batch_too_large,
        {"batch_too_large", 400, invalid_request_error, "A batch holds at most 8190 operations."}},
    table_row{error_code::unsupported_media_type,
              {"unsupported_media_type", 415, invalid_request_error,
               "The request body must be JSON: send Content-Type: application/json."}},
    table_row{error_code::body_too_large,
              {"body_too_large", 413, invalid_request_error, "The request body is too large."}},
    table_row{
        error_code::header_too_large,
        {"header_too_large", 431, invalid_request_error, "The request headers are too large."}},
    table_row{error_code::authentication_required,
              {"authentication_required", 401, authentication_error,
               "Send an API key as 'Authorization: Bearer <key>'."}},
    table_row{error_code::api_key_invalid,
              {"api_key_invalid", 401, authentication_error, "The API key is unknown or revoked."}},
    table_row{
        error_code::permission_denied,
        {"permission_denied", 403, permission_error, "This key may not perform this request."}},
    table_row{error_code::not_found, {"not_found", 404, invalid_request_error, "No such object."}},
    table_row{error_code::route_not_found,
              {"route_not_found", 404, invalid_request_error, "No such endpoint."}},
    table_row{error_code::method_not_allowed,
              {"method_not_allowed", 405, invalid_request_error,
               "The endpoint does not support this method."}},
    table_row{error_code::already_exists,
              {"already_exists", 409, invalid_request_error, "An object with this id exists."}},
    table_row{error_code::invalid_state_transition,
              {"invalid_state_transition", 409, invalid_request_error,
               "The object's state does not allow this transition."}},
    table_row{error_code::insufficient_funds,
              {"insufficient_funds", 409, invalid_request_error,
               "The account's available balance is too low."}},
    table_row{error_code::balance_overflow,
              {"balance_overflow", 409, invalid_request_error,
               "The balance would exceed the largest representable amount."}},
    table_row{error_code::processor_state_uncertain,
              {"processor_state_uncertain", 409, invalid_request_error,
               "The processor's records do not show that nothing happened; reconcile first."}},
    table_row{error_code::review_window_open,
              {"review_window_open", 409, invalid_request_error,
               "The task's review window has not lapsed yet."}},
    table_row{error_code::task_history_full,
              {"task_history_full", 409, invalid_request_error,
               "The task has been reassigned too often to be reassigned again."}},
    table_row{error_code::last_admin_key,
              {"last_admin_key", 409, invalid_request_error,
               "This is the ledger's last active admin key: create another before revoking it."}},
    table_row{error_code::idempotency_key_in_use,
              {"idempotency_key_in_use", 409, idempotency_error,
               "A request with this idempotency key is still in flight; retry later."}},
    table_row{error_code::idempotency_key_reused,
              {"idempotency_key_reused", 422, idempotency_error,
               "This idempotency key was used with another request."}},
    table_row{error_code::rate_limited,
              {"rate_limited", 429, invalid_request_error, "Too many requests; slow down."}},
    table_row{error_code::processor_error,
              {"processor_error", 502, processor_error, "The payment processor failed."}},
    table_row{
        error_code::storage_full,
        {"storage_full", 503, api_error, "The ledger's storage is full; nothing was committed."}},
    table_row{
        error_code::storage_failed,
        {"storage_failed", 500, api_error, "The ledger's storage failed; nothing was committed."}},
    table_row{
        error_code::not_ready,
        {"not_ready", 503, api_error, "The server is not accepting writes now; retry later."}},
    table_row{error_code::internal,
              {"api_error", 500, api_error, "An internal error occurred; nothing was committed."}},
    table_row{error_code::timeout,
              {"timeout", 503, api_error, "The request timed out; retry with the same key."}},
    table_row{error_code::overloaded,
              {"overloaded", 503, api_error, "The server is overloaded; retry later."}},
    table_row{error_code::webhook_signature_invalid,
              {"webhook_signature_invalid", 400, invalid_request_error,
               "The webhook's Stripe-Signature does not verify."}},
};

constexpr error_description unknown_error{"api_error", 500, api_error, "Unknown error."};

}  // namespace

const error_description& describe(error_code code) {
  for (const auto& row : error_table)
    if (row.code == code) return row.description;
  return unknown_error;
}

std::optional<error_code> error_code_from_number(std::uint16_t number) {
  for (const auto& row : error_table)
    if (static_cast<std::uint16_t>(row.code) == number) return row.code;
  return std::nullopt;
}

std::string_view to_string(error_type type) {
  switch (type) {
    case invalid_request_error:
      return "invalid_request_error";
    case authentication_error:
      return "authentication_error";
    case permission_error:
      return "permission_error";
    case idempotency_error:
      return "idempotency_error";
    case processor_error:
      return "processor_error";
    case api_error:
      return "api_error";
  }
  return "api_error";
}

}  // namespace escrowd
