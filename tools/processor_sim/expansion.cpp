#include "expansion.hpp"

#include <string>
#include <vector>

namespace escrowd::processor_sim {
namespace {

// The expand paths of the request, in order ("expand[0]", "expand[1]", ...).
std::vector<std::string> expand_paths(const form_params& params) {
  std::vector<std::string> paths;
  for (const auto& [name, value] : params.fields)
    if (name.starts_with("expand[")) paths.push_back(value);
  return paths;
}

bool is_payout(route_id id) {
  return id == route_id::create_payout || id == route_id::retrieve_payout ||
         id == route_id::list_payouts || id == route_id::cancel_payout;
}

bool is_list(route_id id) {
  return id == route_id::list_payment_intents || id == route_id::list_payouts;
}

// The one field each object kind can expand, with "data." before it in a list.
std::string expandable_path(route_id id) {
  const std::string field = is_payout(id) ? "balance_transaction" : "latest_charge";
  return is_list(id) ? "data." + field : field;
}

boost::json::value text_or_null(const std::string& text) {
  return text.empty() ? boost::json::value(nullptr) : boost::json::value(text);
}

void expand_object(route_id id, const sim_state& state, boost::json::object& object) {
  const auto* object_id = object.if_contains("id");
  if (object_id == nullptr || !object_id->is_string()) return;
  const std::string key(object_id->as_string());
  if (is_payout(id)) {
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

boost::json::object charge_json(const payment_intent& intent) {
  const bool failed =
      intent.last_payment_error.has_value() && intent.status == "requires_payment_method";
  const bool captured = intent.amount_received > 0;
  const bool released = intent.status == "canceled";
  std::string failure_code;
  std::string failure_message;
  if (failed) {
    if (const auto* code = intent.last_payment_error->if_contains("code");
        code && code->is_string())
      failure_code = std::string(code->as_string());
    if (const auto* message = intent.last_payment_error->if_contains("message");
        message && message->is_string())
      failure_message = std::string(message->as_string());
  }
  boost::json::object out;
  out["id"] = intent.latest_charge;
  out["object"] = "charge";
  out["amount"] = intent.amount;
  out["amount_captured"] = intent.amount_received;
  // What was authorized and not captured went back: all of it on a cancel, the rest on a
  // partial capture.
  out["amount_refunded"] = released && !captured ? intent.amount
                           : captured            ? intent.amount - intent.amount_received
                                                 : 0;
  out["captured"] = captured;
  out["created"] = intent.created_s;
  out["currency"] = intent.currency;
  out["description"] = text_or_null(intent.description);
  out["failure_code"] = text_or_null(failure_code);
  out["failure_message"] = text_or_null(failure_message);
  out["livemode"] = false;
  out["metadata"] = metadata_json(intent.metadata);
  out["paid"] = !failed;
  out["payment_intent"] = intent.id;
  out["payment_method"] = text_or_null(intent.payment_method);
  out["refunded"] = released && !captured;
  out["status"] = failed ? "failed" : "succeeded";
  return out;
}

boost::json::object balance_transaction_json(const payout& payout) {
  boost::json::object out;
  out["id"] = payout.balance_transaction;
  out["object"] = "balance_transaction";
  out["amount"] = -payout.amount;
  out["available_on"] = payout.arrival_date_s;
  out["created"] = payout.created_s;
  out["currency"] = payout.currency;
  out["description"] = text_or_null(payout.description);
  out["fee"] = 0;
  out["net"] = -payout.amount;
  out["source"] = payout.id;
  // The money left the balance once the payout settled; a failure comes back in
  // failure_balance_transaction, not by undoing this one.
  out["status"] = payout.status == "paid" || payout.status == "failed" ? "available" : "pending";
  out["type"] = "payout";
  return out;
}

}  // namespace escrowd::processor_sim
