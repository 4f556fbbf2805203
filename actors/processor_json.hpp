// Reading Stripe's JSON: a PaymentIntent or Payout object into a processor_object (used by
// the HTTP client for its answers and by the webhook intake for event payloads), and a
// webhook Event envelope. Pure functions; malformed input is an error value, never thrown.
// Thread affinity: none.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "actors/processor_port.hpp"
#include "engine/result.hpp"

namespace escrowd::actors {

// Metadata keys escrowd writes into every object (processor_payload.cpp).
inline constexpr std::string_view topup_metadata_key = "escrowd_topup";
inline constexpr std::string_view withdrawal_metadata_key = "escrowd_withdrawal";
inline constexpr std::string_view account_metadata_key = "escrowd_account";

// nullopt unless `value` is a JSON object with "object": "payment_intent" or "payout"
// and a string id and status.
[[nodiscard]] std::optional<processor_object> processor_object_from_json(
    const boost::json::value& value);

// A Stripe Event: `{"id":"evt_...","type":"payout.paid","data":{"object":{...}}, ...}`.
struct webhook_event {
  std::string id;
  std::string type;
  std::optional<processor_object> object;  // data.object, when it is a PaymentIntent or Payout
};

// json_invalid when the payload is not JSON, parameter_missing ("id", "type") when it is
// not an event.
[[nodiscard]] result<webhook_event> parse_webhook_event(std::string_view payload);

// Whether escrowd settles operations on this event type: payment_intent.succeeded,
// payment_intent.payment_failed, payment_intent.canceled, payout.paid, payout.failed,
// payout.canceled. Others (created, amount_capturable_updated, ...) are acknowledged only.
[[nodiscard]] bool is_settling_event(std::string_view type);

}  // namespace escrowd::actors
