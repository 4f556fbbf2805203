#include "http/json_codec.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include "engine/error_message.hpp"
#include "http/json_writer.hpp"

namespace escrowd::http {
namespace {

namespace json = boost::json;

// An optional text field: absent values are rendered as null, as Stripe does.
json::value text_or_null(const std::string& text) {
  return text.empty() ? json::value(nullptr) : json::value(text);
}

std::string_view book_name(book_kind kind) {
  switch (kind) {
    case book_kind::available:
      return "available";
    case book_kind::pending_withdrawal:
      return "pending_withdrawal";
    case book_kind::escrow:
      return "escrow";
    case book_kind::processor_clearing:
      return "processor_clearing";
  }
  return "unknown";
}

std::string_view entry_kind_name(entry_kind kind) {
  switch (kind) {
    case entry_kind::task_fund:
      return "task_fund";
    case entry_kind::task_release:
      return "task_release";
    case entry_kind::task_refund:
      return "task_refund";
    case entry_kind::task_resolve:
      return "task_resolve";
    case entry_kind::topup_succeeded:
      return "topup_succeeded";
    case entry_kind::withdrawal_hold:
      return "withdrawal_hold";
    case entry_kind::withdrawal_paid:
      return "withdrawal_paid";
    case entry_kind::withdrawal_returned:
      return "withdrawal_returned";
    case entry_kind::withdrawal_reversed:
      return "withdrawal_reversed";
  }
  return "unknown";
}

}  // namespace

std::string account_body(const account& account) {
  json_writer out(256);
  out.begin_object();
  out.key("object").string("account");
  out.key("id").string(account.id);
  out.key("currency").string(account.currency.view());
  out.key("owner").string_or_null(account.owner);
  out.key("available").number(account.available);
  out.key("escrowed").number(account.escrowed);
  out.key("pending_withdrawal").number(account.pending_withdrawal);
  out.key("pending_topup").number(account.pending_topup);
  out.key("created_at").number(account.created_at);
  out.end_object();
  return std::move(out).take();
}

std::string task_body(const task& task) {
  json_writer out(512 + 96 * task.history.size());
  out.begin_object();
  out.key("object").string("task");
  out.key("id").string(task.id);
  out.key("payer").string(task.payer);
  out.key("worker").string_or_null(task.worker);
  out.key("amount").number(task.amount);
  out.key("currency").string(task.currency.view());
  out.key("state").string(to_string(task.state));
  out.key("escrow").number(task.escrow);
  out.key("review_window_s").number(task.review_window_s);
  out.key("review_deadline");
  task.review_deadline == 0 ? out.null() : out.number(task.review_deadline);
  out.key("worker_amount");
  task.state == task_state::resolved ? out.number(task.worker_amount) : out.null();
  out.key("submission").string_or_null(task.submission);
  out.key("dispute_reason").string_or_null(task.dispute_reason);
  out.key("created_at").number(task.created_at);
  out.key("history").begin_array();
  for (const auto& item : task.history) {
    out.begin_object();
    out.key("transition").string(to_string(item.transition));
    out.key("state").string(to_string(item.to));
    out.key("at").number(item.time);
    out.key("actor").string(item.actor);
    out.end_object();
  }
  out.end_array();
  out.end_object();
  return std::move(out).take();
}

std::string processor_operation_body(const processor_operation& operation) {
  const bool is_topup = operation.kind == processor_kind::topup;
  json_writer out(384);
  out.begin_object();
  out.key("object").string(is_topup ? "topup" : "withdrawal");
  out.key("id").string(operation.id);
  out.key("account").string(operation.account_id);
  out.key("amount").number(operation.amount);
  out.key("currency").string(operation.currency.view());
  out.key(is_topup ? "payment_method" : "destination").string(operation.instrument);
  out.key("status").string(to_string(operation.status));
  out.key("processor_id").string_or_null(operation.processor_object_id);
  out.key("failure_code").string_or_null(operation.failure_code);
  out.key("failure_message").string_or_null(operation.failure_message);
  out.key("created_at").number(operation.created_at);
  out.key("updated_at").number(operation.updated_at);
  out.end_object();
  return std::move(out).take();
}

std::string entry_id(std::uint64_t sequence) {
  return "entry_" + std::to_string(sequence);
}

json::object entry_json(std::uint64_t sequence, const journal_entry& entry) {
  json::array legs;
  legs.reserve(entry.legs.size());
  for (const auto& leg : entry.legs) {
    legs.push_back(json::object{{"book", book_name(leg.book.kind)},
                                {"owner", text_or_null(leg.book.owner)},
                                {"currency", leg.book.currency.view()},
                                {"amount", leg.amount}});
  }
  return json::object{
      {"object", "entry"},
      {"id", entry_id(sequence)},
      {"kind", entry_kind_name(entry.kind)},
      {"reference", entry.reference},
      {"created_at", entry.time},
      {"legs", std::move(legs)},
  };
}

json::object error_json(const error& failure, std::string_view message) {
  const auto& description = describe(failure.code);
  json::object body{
      {"type", to_string(description.type)},
      {"code", description.code},
      {"message", !message.empty() ? std::string(message) : error_message(failure)},
  };
  if (!failure.param.empty()) body["param"] = failure.param;
  return json::object{{"error", std::move(body)}};
}

std::string serialize(const json::object& object) {
  return json::serialize(object);
}

}  // namespace escrowd::http
