#include "http/processor_client/stripe_find.hpp"

#include <utility>

#include "actors/processor_json.hpp"

namespace escrowd::processor_client {

std::string metadata_search_query(std::string_view key, std::string_view value) {
  std::string query = "metadata['";
  query += key;
  query += "']:'";
  for (char c : value) {
    if (c == '\'' || c == '\\') query.push_back('\\');
    query.push_back(c);
  }
  query += "'";
  return query;
}

wire_request payment_intent_search_request(std::string_view operation_id,
                                           const client_identity& identity) {
  return get_request(
      "/v1/payment_intents/search?query=" +
          form_escape(metadata_search_query(actors::topup_metadata_key, operation_id)) +
          "&limit=" + std::to_string(search_results_max),
      identity);
}

object_scan::object_scan(processor_kind kind, std::string operation_id, std::int64_t created_at)
    : kind_(kind),
      operation_id_(std::move(operation_id)),
      created_since_(created_at > actors::processor_clock_skew_margin_s
                         ? created_at - actors::processor_clock_skew_margin_s
                         : 0) {}

wire_request object_scan::next_request(const client_identity& identity) const {
  return list_request(kind_, created_since_, starting_after_, object_scan_page_size, identity);
}

bool object_scan::take(const wire_answer& answer) {
  auto page = classify_list(kind_, answer);
  lookup_.http_status = page.http_status;
  lookup_.timed_out = page.timed_out;
  lookup_.detail = page.detail;
  if (!page.answered) {
    lookup_.answered = false;
    lookup_.objects.clear();
    return true;
  }
  const std::string last_listed = page.objects.empty() ? "" : page.objects.back().id;
  for (auto& object : page.objects)
    if (object.operation_id == operation_id_) lookup_.objects.push_back(std::move(object));
  ++pages_;
  if (!page.has_more) {
    lookup_.answered = true;
    return true;
  }
  // A page that says there is more but names no object to go on from cannot be followed.
  if (pages_ >= object_scan_pages_max || last_listed.empty()) {
    lookup_.answered = false;
    lookup_.objects.clear();
    lookup_.detail = last_listed.empty()
                         ? "a list page with more to come listed nothing readable"
                         : "more than " + std::to_string(pages_ * object_scan_page_size) +
                               " objects created since " + std::to_string(created_since_) +
                               ": the scan stopped";
    return true;
  }
  starting_after_ = last_listed;
  return false;
}

}  // namespace escrowd::processor_client
