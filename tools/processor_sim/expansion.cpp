#include "expansion.hpp"

#include <string>
#include <vector>

#include "stripe_objects.hpp"

namespace escrowd::processor_sim {
namespace {

// The expand paths of the request, in order ("expand[0]", "expand[1]", ...).
std::vector<std::string> expand_paths(const form_params& params) {
  std::vector<std::string> paths;
  for (const auto& [name, value] : params.fields)
    if (name.starts_with("expand[")) paths.push_back(value);
  return paths;
}

bool is_list(route_id id) {
  return id == route_id::list_payment_intents || id == route_id::list_payouts ||
         id == route_id::search_payment_intents;
}

// The one field each object kind can expand, with "data." before it in a list.
std::string expandable_path(route_id id) {
  const std::string field = is_payout_route(id) ? "balance_transaction" : "latest_charge";
  return is_list(id) ? "data." + field : field;
}

void expand_object(route_id id, const sim_state& state, boost::json::object& object) {
  const auto* object_id = object.if_contains("id");
  if (object_id == nullptr || !object_id->is_string()) return;
  const std::string key(object_id->as_string());
  if (is_payout_route(id)) {
    if (const payout* found = state.find_payout(key))
      object["balance_transaction"] = balance_transaction_json(*found);
    return;
  }
  if (const payment_intent* found = state.find_payment_intent(key);
      found != nullptr && !found->latest_charge.empty())
    object["latest_charge"] = charge_json(*found);
}

}  // namespace

std::optional<stripe_error> check_expand(route_id id, const form_params& params) {
  const auto paths = expand_paths(params);
  for (std::size_t i = 0; i < paths.size(); ++i) {
    if (paths[i] != expandable_path(id))
      return errors::parameter_invalid("expand[" + std::to_string(i) + "]",
                                       "This property cannot be expanded (" + paths[i] + ").");
  }
  return std::nullopt;
}

void expand_answer(route_id id, const form_params& params, const sim_state& state,
                   boost::json::object& body) {
  if (expand_paths(params).empty()) return;  // checked before execution: the one path
  if (!is_list(id)) {
    expand_object(id, state, body);
    return;
  }
  auto* data = body.if_contains("data");
  if (data == nullptr || !data->is_array()) return;
  for (auto& item : data->as_array())
    if (item.is_object()) expand_object(id, state, item.as_object());
}

}  // namespace escrowd::processor_sim
