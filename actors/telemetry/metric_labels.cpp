// The label values of the series keyed by an enum (metrics.hpp), and how a processor
// call's HTTP answer maps to its outcome label: the names docs/metrics.md lists.
#include "actors/telemetry/metrics.hpp"

namespace escrowd::actors::telemetry {

std::string_view label_of(live_actor_kind kind) {
  return kind == live_actor_kind::account ? "account" : "task";
}

std::string_view label_of(mailbox_owner owner) {
  switch (owner) {
    case mailbox_owner::storage_writer:
      return "storage_writer";
    case mailbox_owner::directory:
      return "directory";
    case mailbox_owner::gateway:
      return "gateway";
  }
  return "unknown";
}

std::string_view label_of(idempotency_conflict reason) {
  return reason == idempotency_conflict::in_use ? "in_use" : "reused";
}

std::string_view label_of(processor_call call) {
  switch (call) {
    case processor_call::create_payment_intent:
      return "create_payment_intent";
    case processor_call::retrieve_payment_intent:
      return "retrieve_payment_intent";
    case processor_call::list_payment_intents:
      return "list_payment_intents";
    case processor_call::create_payout:
      return "create_payout";
    case processor_call::retrieve_payout:
      return "retrieve_payout";
    case processor_call::list_payouts:
      return "list_payouts";
    case processor_call::search_payment_intents:
      return "search_payment_intents";
  }
  return "unknown";
}

std::string_view label_of(processor_call_outcome outcome) {
  switch (outcome) {
    case processor_call_outcome::succeeded:
      return "succeeded";
    case processor_call_outcome::declined:
      return "declined";
    case processor_call_outcome::rejected:
      return "rejected";
    case processor_call_outcome::conflict:
      return "conflict";
    case processor_call_outcome::rate_limited:
      return "rate_limited";
    case processor_call_outcome::server_error:
      return "server_error";
    case processor_call_outcome::timeout:
      return "timeout";
    case processor_call_outcome::connection_error:
      return "connection_error";
  }
  return "unknown";
}

processor_call_outcome processor_call_outcome_of(int http_status, bool timed_out) {
  if (http_status == 0)
    return timed_out ? processor_call_outcome::timeout : processor_call_outcome::connection_error;
  if (http_status >= 200 && http_status < 300) return processor_call_outcome::succeeded;
  if (http_status == 402) return processor_call_outcome::declined;
  if (http_status == 409) return processor_call_outcome::conflict;
  if (http_status == 429) return processor_call_outcome::rate_limited;
  if (http_status >= 500) return processor_call_outcome::server_error;
  return processor_call_outcome::rejected;
}

std::string_view label_of(webhook_outcome outcome) {
  switch (outcome) {
    case webhook_outcome::settled:
      return "settled";
    case webhook_outcome::unchanged:
      return "unchanged";
    case webhook_outcome::duplicate:
      return "duplicate";
    case webhook_outcome::ignored:
      return "ignored";
    case webhook_outcome::rejected:
      return "rejected";
  }
  return "unknown";
}

}  // namespace escrowd::actors::telemetry
