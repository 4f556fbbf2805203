// The simulator's request pipeline (api) driven without sockets, for its unit tests: both
// phases of a call as the server runs them, the JSON of an answer, a header, the number of
// charges, on the simulator's own clock. Thread affinity: the test's thread.
#pragma once

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <optional>
#include <string>

#include "api.hpp"

namespace escrowd::processor_sim::testing {

inline api_options default_options() {
  api_options options;
  options.idempotency_ttl_s = 60;
  options.settings.payout_settle_ms = 1000;
  options.settings.authorization_expiry_s = 3600;
  options.seed = 5;
  return options;
}

class api_test : public ::testing::Test {
 protected:
  explicit api_test(api_options options = default_options()) : logic_(options, clock_) {}

  // Runs both phases, as the server does (without waiting for --slow delays).
  api_reply call(std::string method, std::string target, std::string body = {},
                 std::optional<std::string> key = std::nullopt,
                 std::string authorization = "Bearer sk_test_abc",
                 std::string stripe_version = {}) {
    api_request request;
    request.stripe_version = std::move(stripe_version);
    request.method = std::move(method);
    request.target = std::move(target);
    request.body = std::move(body);
    request.authorization = std::move(authorization);
    request.has_idempotency_key = key.has_value();
    request.idempotency_key = key.value_or("");
    auto prepared = logic_.prepare(request);
    if (prepared.reply) return *prepared.reply;
    return logic_.execute(std::move(*prepared.call));
  }

  static boost::json::object json(const api_reply& reply) {
    return boost::json::parse(reply.body).as_object();
  }
  static std::string header(const api_reply& reply, std::string_view name) {
    for (const auto& [n, v] : reply.headers) {
      if (n == name) return v;
    }
    return {};
  }
  std::size_t charges() {
    return boost::json::parse(call("GET", "/_sim/charges").body).as_array().size();
  }

  sim_clock clock_;
  api logic_;
};

inline const std::string visa =
    "amount=1000&currency=usd&payment_method=pm_card_visa&confirm=true"
    "&payment_method_types[]=card";

// Form encoding of a parameter value, as a client library sends it (quotes, spaces, brackets).
inline std::string form_encoded(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 0xf];
    }
  }
  return out;
}

// `GET /v1/payment_intents/search` for a query in Stripe's search language.
inline std::string search_target(std::string_view query) {
  return "/v1/payment_intents/search?query=" + form_encoded(query);
}

// A raw request, for tests that run the two phases themselves.
inline api_request keyed_visa_payment(std::string key) {
  api_request request;
  request.method = "POST";
  request.target = "/v1/payment_intents";
  request.body = visa;
  request.authorization = "Bearer sk_test_abc";
  request.has_idempotency_key = true;
  request.idempotency_key = std::move(key);
  return request;
}

}  // namespace escrowd::processor_sim::testing
