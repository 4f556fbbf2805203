#include "actors/processor_json.hpp"

#include <array>
#include <boost/json/parse.hpp>
#include <limits>

namespace escrowd::actors {
namespace {

namespace json = boost::json;

std::string text_of(const json::object& object, std::string_view name) {
  const auto* found = object.if_contains(name);
  if (found == nullptr || !found->is_string()) return {};
  return std::string(found->get_string());
}

std::int64_t integer_of(const json::object& object, std::string_view name) {
  const auto* found = object.if_contains(name);
  if (found == nullptr) return 0;
  if (found->is_int64()) return found->get_int64();
  if (found->is_uint64() &&
      found->get_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
    return static_cast<std::int64_t>(found->get_uint64());
  return 0;
}

void read_metadata(const json::object& object, processor_object& into) {
  const auto* metadata = object.if_contains("metadata");
  if (metadata == nullptr || !metadata->is_object()) return;
  const auto& fields = metadata->get_object();
  into.operation_id = text_of(
      fields, into.kind == processor_kind::topup ? topup_metadata_key : withdrawal_metadata_key);
  into.account_id = text_of(fields, account_metadata_key);
}

// A PaymentIntent's last_payment_error: the decline_code says more than the code.
void read_payment_error(const json::object& object, processor_object& into) {
  const auto* error = object.if_contains("last_payment_error");
  if (error == nullptr || !error->is_object()) return;
  const auto& fields = error->get_object();
  into.has_failure = true;
  into.failure_code = text_of(fields, "decline_code");
  if (into.failure_code.empty()) into.failure_code = text_of(fields, "code");
  into.failure_message = text_of(fields, "message");
}

}  // namespace

std::optional<processor_object> processor_object_from_json(const json::value& value) {
  if (!value.is_object()) return std::nullopt;
  const auto& object = value.get_object();
  const std::string type = text_of(object, "object");
  processor_object parsed;
  if (type == "payment_intent") {
    parsed.kind = processor_kind::topup;
  } else if (type == "payout") {
    parsed.kind = processor_kind::withdrawal;
  } else {
    return std::nullopt;
  }
  parsed.id = text_of(object, "id");
  parsed.status = text_of(object, "status");
  if (parsed.id.empty() || parsed.status.empty()) return std::nullopt;
  parsed.amount = integer_of(object, "amount");
  parsed.currency = text_of(object, "currency");
  read_metadata(object, parsed);
  if (parsed.kind == processor_kind::topup) {
    read_payment_error(object, parsed);
  } else {
    parsed.failure_code = text_of(object, "failure_code");
    parsed.failure_message = text_of(object, "failure_message");
    parsed.has_failure = !parsed.failure_code.empty();
  }
  return parsed;
}

result<webhook_event> parse_webhook_event(std::string_view payload) {
  boost::system::error_code failed;
  const json::value value = json::parse(json::string_view(payload.data(), payload.size()), failed);
  if (failed || !value.is_object()) return error{error_code::json_invalid, {}};
  const auto& object = value.get_object();
  webhook_event event;
  event.id = text_of(object, "id");
  event.type = text_of(object, "type");
  if (event.id.empty()) return error{error_code::parameter_missing, "id"};
  if (event.type.empty()) return error{error_code::parameter_missing, "type"};
  if (const auto* data = object.if_contains("data"); data != nullptr && data->is_object()) {
    if (const auto* inner = data->get_object().if_contains("object"))
      event.object = processor_object_from_json(*inner);
  }
  return event;
}

bool is_settling_event(std::string_view type) {
  static constexpr std::array<std::string_view, 6> settling{"payment_intent.succeeded",
                                                            "payment_intent.payment_failed",
                                                            "payment_intent.canceled",
                                                            "payout.paid",
                                                            "payout.failed",
                                                            "payout.canceled"};
  for (auto name : settling)
    if (name == type) return true;
  return false;
}

}  // namespace escrowd::actors
