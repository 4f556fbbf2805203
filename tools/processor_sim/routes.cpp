// The route table: path shapes to route ids, and dispatch to the per-resource halves.
#include "routes.hpp"

#include <array>

#include "expansion.hpp"

namespace escrowd::processor_sim {
namespace {

struct route_row {
  std::string_view method;
  std::string_view pattern;  // "{id}" matches one path segment
  route_id id;
};

// First match wins: the search path comes before the retrieve route, which would take
// "search" for an id.
constexpr std::array<route_row, 11> route_table{{
    {"POST", "/v1/payment_intents", route_id::create_payment_intent},
    {"GET", "/v1/payment_intents", route_id::list_payment_intents},
    {"GET", "/v1/payment_intents/search", route_id::search_payment_intents},
    {"GET", "/v1/payment_intents/{id}", route_id::retrieve_payment_intent},
    {"POST", "/v1/payment_intents/{id}/confirm", route_id::confirm_payment_intent},
    {"POST", "/v1/payment_intents/{id}/capture", route_id::capture_payment_intent},
    {"POST", "/v1/payment_intents/{id}/cancel", route_id::cancel_payment_intent},
    {"POST", "/v1/payouts", route_id::create_payout},
    {"GET", "/v1/payouts", route_id::list_payouts},
    {"GET", "/v1/payouts/{id}", route_id::retrieve_payout},
    {"POST", "/v1/payouts/{id}/cancel", route_id::cancel_payout},
}};

// Matches `path` against `pattern` segment by segment, capturing the {id} segment.
bool match_pattern(std::string_view pattern, std::string_view path, std::string& object_id) {
  while (!pattern.empty() || !path.empty()) {
    if (pattern.empty() || path.empty() || pattern[0] != '/' || path[0] != '/') return false;
    pattern.remove_prefix(1);
    path.remove_prefix(1);
    std::string_view want = pattern.substr(0, pattern.find('/'));
    std::string_view have = path.substr(0, path.find('/'));
    if (want == "{id}") {
      if (have.empty()) return false;
      object_id = have;
    } else if (want != have) {
      return false;
    }
    pattern.remove_prefix(want.size());
    path.remove_prefix(have.size());
  }
  return true;
}

}  // namespace

bool is_payout_route(route_id id) {
  return id == route_id::create_payout || id == route_id::retrieve_payout ||
         id == route_id::list_payouts || id == route_id::cancel_payout;
}

std::optional<route_match> match_route(std::string_view method, std::string_view path) {
  for (const auto& row : route_table) {
    std::string object_id;
    if (row.method == method && match_pattern(row.pattern, path, object_id)) {
      return route_match{row.id, std::move(object_id), method == "POST"};
    }
  }
  return std::nullopt;
}

route_outcome error_outcome(const stripe_error& error) {
  route_outcome out;
  out.status = error.status;
  out.body["error"] = error_object(error);
  return out;
}

std::optional<stripe_error> validate_route(route_id id, const form_params& params,
                                           std::string_view stripe_version) {
  auto invalid = is_payout_route(id) ? payout_routes::validate(id, params)
                                     : payment_intent_routes::validate(id, params, stripe_version);
  if (invalid) return invalid;
  return check_expand(id, params);
}

route_outcome execute_route(route_id id, const route_context& context) {
  return is_payout_route(id) ? payout_routes::execute(id, context)
                             : payment_intent_routes::execute(id, context);
}

std::vector<pending_event> sweep_due(sim_state& state, std::int64_t now_ms,
                                     const sim_settings& settings) {
  auto events = payout_routes::settle(state, now_ms, settings);
  auto expired = payment_intent_routes::expire_holds(state, now_ms);
  events.insert(events.end(), std::make_move_iterator(expired.begin()),
                std::make_move_iterator(expired.end()));
  return events;
}

}  // namespace escrowd::processor_sim
