#include "actors/processor_responses.hpp"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace escrowd::actors {
namespace {

namespace json = boost::json;

json::value text_or_null(const std::string& text) {
  return text.empty() ? json::value(nullptr) : json::value(text);
}

json::object difference_json(const reconciliation_difference& difference) {
  const bool is_topup = difference.operation_kind == processor_kind::topup;
  json::object body{
      {"difference", to_string(difference.kind)},
      {"object", is_topup ? "topup" : "withdrawal"},
      {"id", difference.operation_id},
      {"account", text_or_null(difference.account_id)},
      {"engine_status", text_or_null(difference.engine_status)},
      {"processor_status", text_or_null(difference.processor_status)},
      {"processor_id", text_or_null(difference.processor_object_id)},
      {"repair", difference.repair ? json::value(to_string(difference.repair->status))
                                   : json::value(nullptr)},
      {"outcome", difference.outcome},
  };
  return body;
}

}  // namespace

rendered_response error_rendered(const error& failure, std::string_view message) {
  const auto& description = describe(failure.code);
  json::object body{
      {"type", to_string(description.type)},
      {"code", description.code},
      {"message", message.empty() ? description.message : message},
  };
  if (!failure.param.empty()) body["param"] = failure.param;
  return {description.http_status,
          json::serialize(json::object{{"error", std::move(body)}}),
          false,
          {},
          {}};
}

rendered_response webhook_receipt(std::string_view event_id, std::string_view outcome) {
  json::object body{
      {"object", "webhook_receipt"}, {"received", true}, {"event", event_id}, {"outcome", outcome}};
  return {200, json::serialize(body), false, {}, {}};
}

std::optional<telemetry::webhook_outcome> webhook_outcome_of(const rendered_response& answer) {
  using telemetry::webhook_outcome;
  if (answer.status == 400) return webhook_outcome::rejected;
  if (answer.status != 200) return std::nullopt;
  boost::system::error_code failed;
  const auto body = json::parse(answer.body, failed);
  const auto* object = body.if_object();
  const auto* outcome = object != nullptr ? object->if_contains("outcome") : nullptr;
  if (failed || outcome == nullptr || !outcome->is_string()) return std::nullopt;
  const std::string_view text = outcome->get_string();
  if (text == "settled") return webhook_outcome::settled;
  if (text == "unchanged") return webhook_outcome::unchanged;
  if (text == "duplicate") return webhook_outcome::duplicate;
  if (text.starts_with("ignored")) return webhook_outcome::ignored;
  return std::nullopt;
}

response_renderer webhook_settlement_renderer(std::string event_id) {
  return [event_id = std::move(event_id)](const operation_result& result) {
    if (result.outcome.ok())
      return webhook_receipt(event_id, result.changed ? "settled" : "unchanged");
    switch (result.outcome.code()) {
      case error_code::already_exists:  // the same event, recorded by a delivery that raced
        return webhook_receipt(event_id, "duplicate");
      case error_code::invalid_state_transition:  // contradicts a final state: reconcile
      case error_code::not_found:
        return webhook_receipt(event_id,
                               "ignored: " + std::string(describe(result.outcome.code()).code));
      default:
        return error_rendered(result.outcome.failure());
    }
  };
}

rendered_response reconciliation_rendered(const reconciliation_report& report,
                                          std::size_t differences_max) {
  // After an outage the repairs alone can number in the tens of thousands: the answer shows
  // at most the bound, those an operator must act on first, then the repairs.
  json::array differences;
  differences.reserve(std::min(report.differences.size(), differences_max));
  for (const bool repairs : {false, true})
    for (const auto& difference : report.differences)
      if (difference.repair.has_value() == repairs && differences.size() < differences_max)
        differences.push_back(difference_json(difference));
  json::object body{
      {"object", "reconciliation"},
      // Not ok while a list was cut short (what was not listed was not compared), nor while
      // any difference was found: a repaired one was wrong until the repair.
      {"ok", report.processor_lists_complete && report.differences_total == 0},
      {"operations_checked", report.operations_checked},
      {"processor_objects_checked", report.processor_objects_checked},
      {"processor_lists_complete", report.processor_lists_complete},
      {"processor_objects_created_since", report.processor_objects_created_since},
      {"differences_total", report.differences_total},
      {"repaired", report.repaired},
      {"has_more", differences.size() < report.differences_total},
      {"differences", std::move(differences)},
  };
  return {200, json::serialize(body), false, {}, {}};
}

}  // namespace escrowd::actors
