#include "http/json_codec.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

namespace escrowd::http {
namespace {

namespace json = boost::json;

// An optional text field: absent values are rendered as null, as Stripe does.
json::value text_or_null(const std::string& text) {
  return text.empty() ? json::value(nullptr) : json::value(text);
}

json::value time_or_null(std::int64_t time) {
  return time == 0 ? json::value(nullptr) : json::value(time);
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

json::object account_json(const account& account) {
  return json::object{
      {"object", "account"},
      {"id", account.id},
      {"currency", account.currency.view()},
      {"owner", text_or_null(account.owner)},
      {"available", account.available},
      {"escrowed", account.escrowed},
      {"pending_withdrawal", account.pending_withdrawal},
      {"pending_topup", account.pending_topup},
      {"created_at", account.created_at},
  };
}

json::object task_json(const task& task) {
  json::array history;
  history.reserve(task.history.size());
  for (const auto& item : task.history) {
    history.push_back(json::object{{"transition", to_string(item.transition)},
                                   {"state", to_string(item.to)},
                                   {"at", item.time},
                                   {"actor", item.actor}});
  }
  return json::object{
      {"object", "task"},
      {"id", task.id},
      {"payer", task.payer},
      {"worker", text_or_null(task.worker)},
      {"amount", task.amount},
      {"currency", task.currency.view()},
      {"state", to_string(task.state)},
      {"escrow", task.escrow},
      {"review_window_s", task.review_window_s},
      {"review_deadline", time_or_null(task.review_deadline)},
      {"worker_amount",
       task.state == task_state::resolved ? json::value(task.worker_amount) : json::value(nullptr)},
      {"submission", text_or_null(task.submission)},
      {"dispute_reason", text_or_null(task.dispute_reason)},
      {"created_at", task.created_at},
      {"history", std::move(history)},
  };
}

json::object processor_operation_json(const processor_operation& operation) {
  const bool is_topup = operation.kind == processor_kind::topup;
  return json::object{
      {"object", is_topup ? "topup" : "withdrawal"},
      {"id", operation.id},
      {"account", operation.account_id},
      {"amount", operation.amount},
      {"currency", operation.currency.view()},
      {is_topup ? "payment_method" : "destination", operation.instrument},
      {"status", to_string(operation.status)},
      {"processor_id", text_or_null(operation.processor_object_id)},
      {"failure_code", text_or_null(operation.failure_code)},
      {"failure_message", text_or_null(operation.failure_message)},
      {"created_at", operation.created_at},
      {"updated_at", operation.updated_at},
  };
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
      {"message", message.empty() ? description.message : message},
  };
  if (!failure.param.empty()) body["param"] = failure.param;
  return json::object{{"error", std::move(body)}};
}

std::string serialize(const json::object& object) {
  return json::serialize(object);
}

}  // namespace escrowd::http
