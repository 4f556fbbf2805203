// Stripe's error envelope and the one table of the simulator's error answers: every refusal
// is made by one of the factories below, so status, type and code stay consistent.
// Values only: no thread affinity.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace escrowd::processor_sim {

struct stripe_error {
  int status = 500;
  std::string type;  // api_error, card_error, idempotency_error, invalid_request_error
  std::string code;  // empty: field is null
  std::string message;
  std::string param;
  std::string decline_code;
  std::string charge;
  std::optional<boost::json::object> payment_intent;  // embedded on card declines
};

// The `error` object alone (also used as PaymentIntent.last_payment_error).
[[nodiscard]] boost::json::object error_object(const stripe_error& error);
// `{"error": {...}}`, serialized.
[[nodiscard]] std::string error_body(const stripe_error& error);

namespace errors {
[[nodiscard]] stripe_error missing_api_key();
[[nodiscard]] stripe_error invalid_api_key(std::string_view key);
[[nodiscard]] stripe_error unrecognized_url(std::string_view method, std::string_view path);
[[nodiscard]] stripe_error malformed_body(std::string_view why);
[[nodiscard]] stripe_error invalid_api_version(std::string_view version);
[[nodiscard]] stripe_error parameter_missing(std::string_view param);
[[nodiscard]] stripe_error parameter_unknown(std::string_view param);
[[nodiscard]] stripe_error parameter_invalid_integer(std::string_view param,
                                                     std::string_view message);
[[nodiscard]] stripe_error parameter_invalid(std::string_view param, std::string_view message);
[[nodiscard]] stripe_error amount_too_large(std::string_view param, std::string_view message);
// 404 for an id in the URL; 400 for an id passed as a parameter (as Stripe does).
[[nodiscard]] stripe_error resource_missing(std::string_view param, std::string_view message,
                                            int status = 404);
[[nodiscard]] stripe_error unexpected_state(std::string_view code, std::string_view message);
[[nodiscard]] stripe_error idempotency_key_too_long();
[[nodiscard]] stripe_error idempotency_key_not_utf8();
[[nodiscard]] stripe_error idempotency_params_mismatch(std::string_view key);
[[nodiscard]] stripe_error idempotency_endpoint_mismatch(std::string_view key,
                                                         std::string_view first_endpoint,
                                                         std::string_view this_endpoint);
[[nodiscard]] stripe_error idempotency_key_in_use(std::string_view key);
[[nodiscard]] stripe_error rate_limited();
[[nodiscard]] stripe_error lock_timeout();
[[nodiscard]] stripe_error api_error(std::string_view message);
// 503: the state file cannot be written, so nothing may be done or shown (sim_journal).
[[nodiscard]] stripe_error state_file_unwritable();
[[nodiscard]] stripe_error capacity_exhausted(std::string_view what);
}  // namespace errors

}  // namespace escrowd::processor_sim
