#include "actors/processor_port.hpp"

namespace escrowd::actors {
namespace {

settlement failed_with(const processor_object& object, std::string fallback_code) {
  settlement verdict;
  verdict.status = processor_status::failed;
  verdict.processor_object_id = object.id;
  verdict.failure_code =
      object.failure_code.empty() ? std::move(fallback_code) : object.failure_code;
  verdict.failure_message = object.failure_message;
  return verdict;
}

}  // namespace

std::optional<settlement> verdict_of(const processor_object& object) {
  if (object.kind == processor_kind::topup) {
    if (object.status == "succeeded")
      return settlement{processor_status::succeeded, object.id, {}, {}};
    // With confirm=true a PaymentIntent back in requires_payment_method was declined.
    if (object.status == "requires_payment_method" && object.has_failure)
      return failed_with(object, "card_declined");
    if (object.status == "canceled") return failed_with(object, "canceled");
    return std::nullopt;  // processing, requires_action, requires_capture, ...
  }
  if (object.status == "paid") return settlement{processor_status::paid, object.id, {}, {}};
  if (object.status == "failed") return failed_with(object, "payout_failed");
  if (object.status == "canceled") return failed_with(object, "canceled");
  return std::nullopt;  // pending, in_transit
}

}  // namespace escrowd::actors
