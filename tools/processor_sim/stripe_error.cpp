// Stripe's error shapes. Messages follow the wording of Stripe's public API where we know it
// so that clients matching on them (rare, but it happens) behave as they would in production.
#include "stripe_error.hpp"

#include <boost/json/serialize.hpp>

namespace escrowd::processor_sim {
namespace {

boost::json::value text_or_null(const std::string& text) {
  return text.empty() ? boost::json::value(nullptr) : boost::json::value(text);
}

stripe_error make(int status, std::string_view type, std::string_view code,
                  std::string_view message, std::string_view param = {}) {
  stripe_error error;
  error.status = status;
  error.type = type;
  error.code = code;
  error.message = message;
  error.param = param;
  return error;
}

}  // namespace

boost::json::object error_object(const stripe_error& error) {
  boost::json::object out;
  out["type"] = error.type;
  out["code"] = text_or_null(error.code);
  out["message"] = error.message;
  out["param"] = text_or_null(error.param);
  out["decline_code"] = text_or_null(error.decline_code);
  if (!error.charge.empty()) out["charge"] = error.charge;
  if (!error.code.empty()) out["doc_url"] = "https://stripe.com/docs/error-codes/" + error.code;
  if (error.payment_intent) out["payment_intent"] = *error.payment_intent;
  return out;
}

std::string error_body(const stripe_error& error) {
  boost::json::object envelope;
  envelope["error"] = error_object(error);
  return boost::json::serialize(envelope);
}

namespace errors {

stripe_error missing_api_key() {
  return make(401, "invalid_request_error", "",
              "You did not provide an API key. You need to provide your API key in the "
              "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer "
              "YOUR_SECRET_KEY').");
}

stripe_error invalid_api_key(std::string_view key) {
  std::string shown = key.size() > 4 ? "****" + std::string(key.substr(key.size() - 4)) : "";
  return make(401, "invalid_request_error", "api_key_invalid",
              "Invalid API Key provided: " + shown + " (the simulator accepts sk_test_ keys)");
}

stripe_error unrecognized_url(std::string_view method, std::string_view path) {
  return make(404, "invalid_request_error", "",
              "Unrecognized request URL (" + std::string(method) + ": " + std::string(path) + ").");
}

stripe_error malformed_body(std::string_view why) {
  return make(400, "invalid_request_error", "", "Invalid request body: " + std::string(why));
}

stripe_error invalid_api_version(std::string_view version) {
  return make(400, "invalid_request_error", "",
              "Invalid Stripe API version: " + std::string(version) + ".", "");
}

stripe_error parameter_missing(std::string_view param) {
  return make(400, "invalid_request_error", "parameter_missing",
              "Missing required param: " + std::string(param) + ".", param);
}

stripe_error parameter_unknown(std::string_view param) {
  return make(400, "invalid_request_error", "parameter_unknown",
              "Received unknown parameter: " + std::string(param), param);
}

stripe_error parameter_invalid_integer(std::string_view param, std::string_view message) {
  return make(400, "invalid_request_error", "parameter_invalid_integer", message, param);
}

stripe_error parameter_invalid(std::string_view param, std::string_view message) {
  return make(400, "invalid_request_error", "", message, param);
}

stripe_error amount_too_large(std::string_view param, std::string_view message) {
  return make(400, "invalid_request_error", "amount_too_large", message, param);
}

stripe_error resource_missing(std::string_view param, std::string_view message, int status) {
  return make(status, "invalid_request_error", "resource_missing", message, param);
}

stripe_error unexpected_state(std::string_view code, std::string_view message) {
  return make(400, "invalid_request_error", code, message);
}

stripe_error idempotency_key_too_long() {
  return make(400, "invalid_request_error", "",
              "Idempotency-Key must be between 1 and 255 characters long.");
}

stripe_error idempotency_key_not_utf8() {
  return make(400, "invalid_request_error", "", "Idempotency-Key must be valid UTF-8 text.");
}

stripe_error idempotency_params_mismatch(std::string_view key) {
  return make(400, "idempotency_error", "",
              "Keys for idempotent requests can only be used with the same parameters they were "
              "first used with. Try using a key other than '" +
                  std::string(key) + "' if you meant to execute a different request.");
}

stripe_error idempotency_endpoint_mismatch(std::string_view key, std::string_view first_endpoint,
                                           std::string_view this_endpoint) {
  return make(400, "idempotency_error", "",
              "Keys for idempotent requests can only be used for the same endpoint they were "
              "first used for ('" +
                  std::string(first_endpoint) + "' vs '" + std::string(this_endpoint) +
                  "'). Try using a key other than '" + std::string(key) +
                  "' if you meant to execute a different request.");
}

stripe_error idempotency_key_in_use(std::string_view key) {
  return make(409, "invalid_request_error", "idempotency_key_in_use",
              "There is currently another in-progress request using this Idempotent Key "
              "(that probably means you submitted twice, and the other request is still going "
              "through): " +
                  std::string(key) + ". Please try again later.");
}

stripe_error rate_limited() {
  return make(429, "invalid_request_error", "rate_limit",
              "Request rate limit exceeded. Learn more about rate limits here "
              "https://stripe.com/docs/rate-limits.");
}

stripe_error lock_timeout() {
  return make(429, "invalid_request_error", "lock_timeout",
              "This object cannot be accessed right now because another API request or Stripe "
              "process is currently accessing it. Please retry your request.");
}

stripe_error api_error(std::string_view message) {
  return make(500, "api_error", "", message);
}

stripe_error state_file_unwritable() {
  return make(503, "api_error", "",
              "The processor simulator cannot write its state file (is the disk full?); nothing "
              "was done. Retry later.");
}

stripe_error capacity_exhausted(std::string_view what) {
  return make(500, "api_error", "",
              "The processor simulator is full (" + std::string(what) +
                  "); restart it or POST /_sim/reset.");
}

}  // namespace errors
}  // namespace escrowd::processor_sim
