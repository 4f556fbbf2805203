// JSON shapes of Stripe's objects, field order as Stripe prints them (id and object first).
#include "stripe_objects.hpp"

namespace escrowd::processor_sim {
namespace {

boost::json::value text_or_null(const std::string& text) {
  return text.empty() ? boost::json::value(nullptr) : boost::json::value(text);
}

}  // namespace

boost::json::object metadata_json(const metadata_map& metadata) {
  boost::json::object out;
  for (const auto& [key, value] : metadata) out[key] = value;
  return out;
}

boost::json::object to_json(const payment_intent& intent) {
  boost::json::object out;
  out["id"] = intent.id;
  out["object"] = "payment_intent";
  out["amount"] = intent.amount;
  out["amount_capturable"] = intent.amount_capturable;
  out["amount_received"] = intent.amount_received;
  if (intent.allow_redirects.empty()) {
    out["automatic_payment_methods"] = nullptr;
  } else {
    out["automatic_payment_methods"] = {{"allow_redirects", intent.allow_redirects},
                                        {"enabled", true}};
  }
  out["canceled_at"] =
      intent.canceled_at_s ? boost::json::value(*intent.canceled_at_s) : boost::json::value();
  out["cancellation_reason"] = text_or_null(intent.cancellation_reason);
  out["capture_method"] = intent.capture_method;
  out["client_secret"] = intent.client_secret;
  out["confirmation_method"] = "automatic";
  out["created"] = intent.created_s;
  out["currency"] = intent.currency;
  out["description"] = text_or_null(intent.description);
  out["last_payment_error"] = intent.last_payment_error
                                  ? boost::json::value(*intent.last_payment_error)
                                  : boost::json::value();
  out["latest_charge"] = text_or_null(intent.latest_charge);
  out["livemode"] = false;
  out["metadata"] = metadata_json(intent.metadata);
  out["payment_method"] = text_or_null(intent.payment_method);
  out["payment_method_types"] = boost::json::array{"card"};
  out["return_url"] = text_or_null(intent.return_url);
  out["status"] = intent.status;
  return out;
}

boost::json::object to_json(const payout& payout) {
  boost::json::object out;
  out["id"] = payout.id;
  out["object"] = "payout";
  out["amount"] = payout.amount;
  out["arrival_date"] = payout.arrival_date_s;
  out["automatic"] = false;
  out["balance_transaction"] = payout.balance_transaction;
  out["created"] = payout.created_s;
  out["currency"] = payout.currency;
  out["description"] = text_or_null(payout.description);
  out["destination"] = payout.destination;
  out["failure_balance_transaction"] = text_or_null(payout.failure_balance_transaction);
  out["failure_code"] = text_or_null(payout.failure_code);
  out["failure_message"] = text_or_null(payout.failure_message);
  out["livemode"] = false;
  out["metadata"] = metadata_json(payout.metadata);
  out["method"] = payout.method;
  out["source_type"] = "card";
  out["statement_descriptor"] = nullptr;
  out["status"] = payout.status;
  out["type"] = "bank_account";
  return out;
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

boost::json::object list_json(boost::json::array data, bool has_more, std::string url) {
  boost::json::object out;
  out["object"] = "list";
  out["data"] = std::move(data);
  out["has_more"] = has_more;
  out["url"] = std::move(url);
  return out;
}

boost::json::object search_result_json(boost::json::array data, bool has_more,
                                       const std::string& next_page, std::string url) {
  boost::json::object out;
  out["object"] = "search_result";
  out["url"] = std::move(url);
  out["has_more"] = has_more;
  out["next_page"] =
      next_page.empty() ? boost::json::value(nullptr) : boost::json::value(next_page);
  out["data"] = std::move(data);
  return out;
}

boost::json::object event_json(const std::string& id, const std::string& type,
                               std::int64_t created_s, boost::json::object object,
                               const event_origin& origin) {
  boost::json::object data;
  data["object"] = std::move(object);
  boost::json::object request;
  request["id"] = text_or_null(origin.request_id);
  request["idempotency_key"] = text_or_null(origin.idempotency_key);
  boost::json::object out;
  out["id"] = id;
  out["object"] = "event";
  out["api_version"] = "2024-06-20";
  out["created"] = created_s;
  out["data"] = std::move(data);
  out["livemode"] = false;
  out["pending_webhooks"] = 1;
  out["request"] = std::move(request);
  out["type"] = type;
  return out;
}

boost::json::object inspection_json(const payment_intent& intent) {
  boost::json::object out;
  out["id"] = intent.id;
  out["idempotency_key"] = text_or_null(intent.idempotency_key);
  out["request_id"] = intent.request_id;
  out["amount"] = intent.amount;
  out["amount_received"] = intent.amount_received;
  out["currency"] = intent.currency;
  out["status"] = intent.status;
  out["payment_method"] = text_or_null(intent.payment_method);
  out["created"] = intent.created_s;
  out["metadata"] = metadata_json(intent.metadata);
  return out;
}

boost::json::object inspection_json(const payout& payout) {
  boost::json::object out;
  out["id"] = payout.id;
  out["idempotency_key"] = text_or_null(payout.idempotency_key);
  out["request_id"] = payout.request_id;
  out["amount"] = payout.amount;
  out["currency"] = payout.currency;
  out["destination"] = payout.destination;
  out["status"] = payout.status;
  out["failure_code"] = text_or_null(payout.failure_code);
  out["created"] = payout.created_s;
  out["metadata"] = metadata_json(payout.metadata);
  return out;
}

}  // namespace escrowd::processor_sim
