// PaymentIntent endpoints and their state machine: created (requires_payment_method or
// requires_confirmation) -> confirmed with a test card -> succeeded, requires_capture (manual
// capture) or back to requires_payment_method on a decline; requires_capture -> succeeded by
// capture or canceled by cancel or by authorization expiry.
#include <algorithm>

#include "limits.hpp"
#include "list_route.hpp"
#include "param_rules.hpp"
#include "payment_intent_search.hpp"
#include "routes.hpp"
#include "test_instruments.hpp"

namespace escrowd::processor_sim::payment_intent_routes {
namespace {

constexpr std::string_view cancelable_statuses[] = {"requires_payment_method", "requires_capture",
                                                    "requires_confirmation", "requires_action",
                                                    "processing"};

std::optional<stripe_error> check_payment_method(const form_params& params) {
  const std::string* payment_method = params.find("payment_method");
  if (payment_method == nullptr || find_test_card(*payment_method)) return std::nullopt;
  return errors::resource_missing("payment_method",
                                  "No such PaymentMethod: '" + *payment_method + "'", 400);
}

// From API version 2023-08-16 on, an intent made without payment_method_types accepts
// the payment methods enabled in the Dashboard: automatic_payment_methods is on, and
// redirect-based methods are allowed unless allow_redirects is "never".
constexpr std::string_view automatic_by_default_since = "2023-08-16";

struct payment_method_choice {
  std::string allow_redirects;  // empty: automatic payment methods off
  std::optional<stripe_error> error;
};

payment_method_choice read_payment_method_choice(const form_params& params,
                                                 std::string_view stripe_version) {
  const auto automatic = nested_fields(params, "automatic_payment_methods");
  const bool explicit_types = !nested_fields(params, "payment_method_types").empty() ||
                              params.contains("payment_method_types");
  if (automatic.empty() && !params.contains("automatic_payment_methods")) {
    const bool by_default =
        !explicit_types && (stripe_version.empty() || stripe_version >= automatic_by_default_since);
    return {by_default ? "always" : "", std::nullopt};
  }
  if (explicit_types) {
    return {{},
            errors::parameter_invalid("automatic_payment_methods",
                                      "You may only specify one of these parameters: "
                                      "automatic_payment_methods, payment_method_types.")};
  }
  for (const auto& [name, value] : automatic) {
    if (name != "enabled" && name != "allow_redirects")
      return {{}, errors::parameter_unknown("automatic_payment_methods[" + name + "]")};
  }
  auto enabled = parse_bool(params, "automatic_payment_methods[enabled]", false);
  if (enabled.error) return {{}, enabled.error};
  if (!automatic.contains("enabled"))
    return {{}, errors::parameter_missing("automatic_payment_methods[enabled]")};
  auto redirects = parse_choice(params, "automatic_payment_methods[allow_redirects]",
                                {"always", "never"}, "always");
  if (redirects.error) return {{}, redirects.error};
  return {enabled.value ? redirects.value : "", std::nullopt};
}

// Card is the one payment method type the simulator has; a bare (non-array) value is as
// malformed for Stripe as for us.
std::optional<stripe_error> check_payment_method_types(const form_params& params) {
  if (params.contains("payment_method_types"))
    return errors::parameter_invalid("payment_method_types", "Invalid array");
  for (const auto& [index, type] : nested_fields(params, "payment_method_types")) {
    if (type != "card")
      return errors::parameter_invalid(
          "payment_method_types",
          "The payment method type `" + type + "` is not supported by the simulator (card only).");
  }
  return std::nullopt;
}

std::optional<stripe_error> check_return_url(const form_params& params) {
  const std::string* url = params.find("return_url");
  if (url == nullptr) return std::nullopt;
  const auto scheme_end = url->find("://");
  if (scheme_end == std::string::npos || scheme_end == 0 || scheme_end + 3 == url->size())
    return errors::parameter_invalid("return_url", "Not a valid URL");
  return std::nullopt;
}

stripe_error return_url_required() {
  return errors::parameter_invalid(
      "return_url",
      "A `return_url` must be specified because this Payment Intent is configured to "
      "automatically accept the payment methods enabled in the Dashboard, some of which may "
      "require a full page redirect to succeed. If you do not want to accept redirect-based "
      "payment methods, set `automatic_payment_methods[enabled]` to `true` and "
      "`automatic_payment_methods[allow_redirects]` to `never` when creating Setup Intents "
      "and Payment Intents.");
}

std::optional<stripe_error> validate_create(const form_params& params,
                                            std::string_view stripe_version) {
  if (auto e = check_known_params(
          params,
          {"amount", "currency", "payment_method", "confirm", "capture_method", "metadata",
           "description", "expand", "payment_method_types", "automatic_payment_methods",
           "receipt_email", "statement_descriptor", "statement_descriptor_suffix", "off_session",
           "return_url", "confirmation_method", "error_on_requires_action"})) {
    return e;
  }
  if (auto e = check_payment_method_types(params)) return e;
  if (auto e = check_return_url(params)) return e;
  auto choice = read_payment_method_choice(params, stripe_version);
  if (choice.error) return choice.error;
  if (auto amount = parse_amount(params, "amount", true); amount.error) return amount.error;
  if (auto currency = parse_currency(params); currency.error) return currency.error;
  if (auto metadata = parse_metadata(params); metadata.error) return metadata.error;
  if (auto d = parse_text(params, "description", description_chars_max); d.error) return d.error;
  auto capture =
      parse_choice(params, "capture_method", {"automatic", "automatic_async", "manual"}, "");
  if (capture.error) return capture.error;
  auto confirm = parse_bool(params, "confirm", false);
  if (confirm.error) return confirm.error;
  if (confirm.value && !params.contains("payment_method")) {
    return errors::parameter_missing("payment_method");
  }
  if (confirm.value && choice.allow_redirects == "always" && !params.contains("return_url"))
    return return_url_required();
  return check_payment_method(params);
}

route_outcome not_found(const std::string& id) {
  return error_outcome(errors::resource_missing("intent", "No such payment_intent: '" + id + "'"));
}

// Confirms `intent` with its payment method, as Stripe does at creation with confirm=true.
route_outcome confirm(payment_intent& intent, const route_context& context) {
  auto outcome = find_test_card(intent.payment_method);  // validated before execution
  intent.latest_charge = context.state.next_id("ch_");
  route_outcome out;
  if (outcome && outcome->approved) {
    if (intent.capture_method == "manual") {
      intent.status = "requires_capture";
      intent.amount_capturable = intent.amount;
      context.state.schedule_hold_expiry(
          intent.id, context.now_ms + context.settings.authorization_expiry_s * 1000);
      out.events.push_back({"payment_intent.amount_capturable_updated", to_json(intent)});
    } else {
      intent.status = "succeeded";
      intent.amount_received = intent.amount;
      out.events.push_back({"payment_intent.succeeded", to_json(intent)});
    }
    out.body = to_json(intent);
    return out;
  }
  stripe_error decline;
  decline.status = 402;
  decline.type = "card_error";
  decline.code = outcome ? outcome->code : "card_declined";
  decline.decline_code = outcome ? outcome->decline_code : "generic_decline";
  decline.message = outcome ? outcome->message : "Your card was declined.";
  decline.charge = intent.latest_charge;
  intent.last_payment_error = error_object(decline);
  intent.status = "requires_payment_method";
  intent.payment_method.clear();  // Stripe detaches the failed method
  decline.payment_intent = to_json(intent);
  out = error_outcome(decline);
  out.retry_useless = true;
  out.events.push_back({"payment_intent.payment_failed", to_json(intent)});
  return out;
}

route_outcome create(const route_context& context) {
  if (context.state.payment_intent_count() >= payment_intents_max) {
    return error_outcome(errors::capacity_exhausted("payment_intents_max"));
  }
  const form_params& params = context.params;
  payment_intent intent;
  intent.id = context.state.next_id("pi_");
  intent.client_secret = intent.id + "_secret_" + context.state.next_id("");
  intent.amount = parse_amount(params, "amount", true).value.value_or(0);
  intent.currency = parse_currency(params).value;
  intent.metadata = parse_metadata(params).value;
  intent.description = parse_text(params, "description", description_chars_max).value;
  intent.capture_method = parse_choice(params, "capture_method",
                                       {"automatic", "automatic_async", "manual"}, "automatic")
                              .value;
  if (const std::string* pm = params.find("payment_method")) intent.payment_method = *pm;
  intent.allow_redirects =
      read_payment_method_choice(params, context.stripe_version).allow_redirects;
  if (const std::string* url = params.find("return_url")) intent.return_url = *url;
  intent.created_s = context.now_ms / 1000;
  intent.created_ms = context.now_ms;
  intent.idempotency_key = context.idempotency_key;
  intent.request_id = context.request_id;
  bool confirm_now = parse_bool(params, "confirm", false).value;
  intent.status =
      intent.payment_method.empty() ? "requires_payment_method" : "requires_confirmation";
  payment_intent& stored = context.state.add_payment_intent(std::move(intent));
  if (!confirm_now) {
    route_outcome out;
    out.body = to_json(stored);
    return out;
  }
  return confirm(stored, context);
}

route_outcome confirm_existing(const route_context& context) {
  payment_intent* intent = context.state.find_payment_intent(context.object_id);
  if (intent == nullptr) return not_found(context.object_id);
  // A refused confirm changes nothing: the new method and URL are taken only once it runs.
  const std::string* new_method = context.params.find("payment_method");
  const std::string* new_url = context.params.find("return_url");
  const std::string& method = new_method ? *new_method : intent->payment_method;
  const std::string& url = new_url ? *new_url : intent->return_url;
  bool confirmable = intent->status == "requires_confirmation" ||
                     (intent->status == "requires_payment_method" && !method.empty());
  if (!confirmable) {
    return error_outcome(errors::unexpected_state(
        "payment_intent_unexpected_state",
        "You cannot confirm this PaymentIntent because it has a status of " + intent->status +
            "."));
  }
  if (intent->allow_redirects == "always" && url.empty())
    return error_outcome(return_url_required());
  intent->payment_method = method;
  intent->return_url = url;
  return confirm(*intent, context);
}

route_outcome capture(const route_context& context) {
  payment_intent* intent = context.state.find_payment_intent(context.object_id);
  if (intent == nullptr) return not_found(context.object_id);
  if (intent->status != "requires_capture") {
    return error_outcome(errors::unexpected_state(
        "payment_intent_unexpected_state",
        "This PaymentIntent could not be captured because it has a status of " + intent->status +
            ". Only a PaymentIntent with one of the following statuses may be captured: "
            "requires_capture."));
  }
  auto amount = parse_amount(context.params, "amount_to_capture", false).value;
  std::int64_t to_capture = amount.value_or(intent->amount_capturable);
  if (to_capture > intent->amount_capturable) {
    return error_outcome(
        errors::amount_too_large("amount_to_capture",
                                 "The amount to capture must be less than or equal to the amount "
                                 "capturable (" +
                                     std::to_string(intent->amount_capturable) + ")."));
  }
  auto metadata = parse_metadata_update(context.params, intent->metadata);
  if (metadata.error) return error_outcome(*metadata.error);
  intent->metadata = std::move(metadata.value);
  intent->status = "succeeded";
  intent->amount_received = to_capture;
  intent->amount_capturable = 0;
  route_outcome out;
  out.body = to_json(*intent);
  out.events.push_back({"payment_intent.succeeded", out.body});
  return out;
}

route_outcome cancel(const route_context& context) {
  payment_intent* intent = context.state.find_payment_intent(context.object_id);
  if (intent == nullptr) return not_found(context.object_id);
  if (std::find(std::begin(cancelable_statuses), std::end(cancelable_statuses), intent->status) ==
      std::end(cancelable_statuses)) {
    return error_outcome(errors::unexpected_state(
        "payment_intent_unexpected_state",
        "You cannot cancel this PaymentIntent because it has a status of " + intent->status +
            ". Only a PaymentIntent with one of the following statuses may be canceled: "
            "requires_payment_method, requires_capture, requires_confirmation, "
            "requires_action, processing."));
  }
  intent->status = "canceled";
  intent->amount_capturable = 0;
  intent->canceled_at_s = context.now_ms / 1000;
  if (const std::string* reason = context.params.find("cancellation_reason")) {
    intent->cancellation_reason = *reason;
  }
  route_outcome out;
  out.body = to_json(*intent);
  out.events.push_back({"payment_intent.canceled", out.body});
  return out;
}

route_outcome list(const route_context& context) {
  auto query = parse_list_query(context.params, false).value;
  return list_outcome(context.state.list_payment_intents(query), query, "payment_intent",
                      "/v1/payment_intents");
}

route_outcome search(const route_context& context) {
  auto request = parse_search_request(context.params).value;  // validated before execution
  auto page = search_payment_intents(context.state, request, context.now_ms,
                                     context.settings.search_lag_ms);
  if (page.page_unknown) {
    return error_outcome(errors::parameter_invalid(
        "page", "Invalid page: '" + request.page + "' is no next_page of a search."));
  }
  boost::json::array data;
  for (const payment_intent* intent : page.data) data.push_back(to_json(*intent));
  route_outcome out;
  out.body = search_result_json(std::move(data), page.has_more, page.next_page,
                                "/v1/payment_intents/search");
  return out;
}

}  // namespace

std::optional<stripe_error> validate(route_id id, const form_params& params,
                                     std::string_view stripe_version) {
  switch (id) {
    case route_id::create_payment_intent:
      return validate_create(params, stripe_version);
    case route_id::confirm_payment_intent:
      if (auto e = check_known_params(params, {"payment_method", "expand", "return_url"})) {
        return e;
      }
      if (auto e = check_return_url(params)) return e;
      return check_payment_method(params);
    case route_id::capture_payment_intent:
      // Of the routes on an existing intent only capture takes metadata, as at Stripe.
      if (auto e = check_known_params(params, {"amount_to_capture", "expand", "metadata"})) {
        return e;
      }
      if (auto e = parse_amount(params, "amount_to_capture", false).error) return e;
      return parse_metadata_update(params, {}).error;
    case route_id::cancel_payment_intent:
      if (auto e = check_known_params(params, {"cancellation_reason", "expand"})) return e;
      return parse_choice(params, "cancellation_reason",
                          {"duplicate", "fraudulent", "requested_by_customer", "abandoned"}, "")
          .error;
    case route_id::list_payment_intents:
      return parse_list_query(params, false).error;
    case route_id::search_payment_intents:
      return parse_search_request(params).error;
    default:
      return check_known_params(params, {"expand", "client_secret"});
  }
}

route_outcome execute(route_id id, const route_context& context) {
  switch (id) {
    case route_id::create_payment_intent:
      return create(context);
    case route_id::confirm_payment_intent:
      return confirm_existing(context);
    case route_id::capture_payment_intent:
      return capture(context);
    case route_id::cancel_payment_intent:
      return cancel(context);
    case route_id::list_payment_intents:
      return list(context);
    case route_id::search_payment_intents:
      return search(context);
    default: {
      const sim_state& records = context.state;  // a read: not a change for the state file
      const payment_intent* intent = records.find_payment_intent(context.object_id);
      if (intent == nullptr) return not_found(context.object_id);
      route_outcome out;
      out.body = to_json(*intent);
      return out;
    }
  }
}

std::vector<pending_event> expire_holds(sim_state& state, std::int64_t now_ms) {
  std::vector<pending_event> events;
  for (const std::string& id : state.take_due_hold_expiries(now_ms)) {
    payment_intent* intent = state.find_payment_intent(id);
    if (intent == nullptr || intent->status != "requires_capture") continue;
    intent->status = "canceled";
    intent->cancellation_reason = "automatic";
    intent->amount_capturable = 0;
    intent->canceled_at_s = now_ms / 1000;
    events.push_back({"payment_intent.canceled", to_json(*intent)});
  }
  return events;
}

}  // namespace escrowd::processor_sim::payment_intent_routes
