// The Stripe endpoints the simulator serves: matching a method and path to a route, checking
// a route's parameters (before execution: never stored under an idempotency key) and
// executing it against the records (after execution began: stored). Also the sweep that moves
// payouts and authorizations on with time. Pure functions over sim_state: the caller (api)
// owns the state and serializes calls on the simulator's single I/O thread.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "form_codec.hpp"
#include "sim_state.hpp"
#include "stripe_error.hpp"

namespace escrowd::processor_sim {

enum class route_id {
  create_payment_intent,
  retrieve_payment_intent,
  list_payment_intents,
  search_payment_intents,
  confirm_payment_intent,
  capture_payment_intent,
  cancel_payment_intent,
  create_payout,
  retrieve_payout,
  list_payouts,
  cancel_payout,
};

struct route_match {
  route_id id;
  std::string object_id;  // the {id} path segment, when the route has one
  bool mutating = false;  // POST: eligible for write faults and idempotency keys
};

[[nodiscard]] std::optional<route_match> match_route(std::string_view method,
                                                     std::string_view path);

struct sim_settings {
  std::int64_t payout_settle_ms = 0;
  std::int64_t authorization_expiry_s = 0;
  std::int64_t search_lag_ms = 0;  // a new PaymentIntent is found by search this much later
};

// A webhook-worthy change: the event type and a snapshot of the object after it.
struct pending_event {
  std::string type;
  boost::json::object object;
};

struct route_outcome {
  int status = 200;
  boost::json::object body;
  std::vector<pending_event> events;
  bool retry_useless = false;  // answer `Stripe-Should-Retry: false` (card declines)
};

[[nodiscard]] route_outcome error_outcome(const stripe_error& error);

struct route_context {
  sim_state& state;
  const form_params& params;
  const std::string& object_id;
  std::int64_t now_ms;
  const sim_settings& settings;
  const std::string& idempotency_key;
  const std::string& request_id;
  std::string_view stripe_version;  // empty: the simulator's default
};

// The Payout routes (the rest are PaymentIntent routes).
[[nodiscard]] bool is_payout_route(route_id id);

// `stripe_version` is the request's Stripe-Version (empty: the simulator's default).
[[nodiscard]] std::optional<stripe_error> validate_route(route_id id, const form_params& params,
                                                         std::string_view stripe_version);
[[nodiscard]] route_outcome execute_route(route_id id, const route_context& context);

// Moves on everything due by `now_ms`: payouts settle, uncaptured authorizations expire.
[[nodiscard]] std::vector<pending_event> sweep_due(sim_state& state, std::int64_t now_ms,
                                                   const sim_settings& settings);

// Per-resource halves, defined in payment_intent_routes.cpp and payout_routes.cpp.
namespace payment_intent_routes {
[[nodiscard]] std::optional<stripe_error> validate(route_id id, const form_params& params,
                                                   std::string_view stripe_version);
[[nodiscard]] route_outcome execute(route_id id, const route_context& context);
[[nodiscard]] std::vector<pending_event> expire_holds(sim_state& state, std::int64_t now_ms);
}  // namespace payment_intent_routes

namespace payout_routes {
[[nodiscard]] std::optional<stripe_error> validate(route_id id, const form_params& params);
[[nodiscard]] route_outcome execute(route_id id, const route_context& context);
[[nodiscard]] std::vector<pending_event> settle(sim_state& state, std::int64_t now_ms,
                                                const sim_settings& settings);
}  // namespace payout_routes

}  // namespace escrowd::processor_sim
