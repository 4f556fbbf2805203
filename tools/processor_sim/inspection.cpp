// The test-only /_sim endpoints (not Stripe): every charge and payout with its idempotency
// key, counters, the clock, and a reset. No authentication and no faults, so a test can
// always see the processor's records, however hostile the configured faults are.
#include <boost/json/serialize.hpp>
#include <charconv>

#include "api.hpp"
#include "limits.hpp"
#include "sim_journal.hpp"

namespace escrowd::processor_sim {
namespace {

api_reply json_reply(const boost::json::value& value) {
  api_reply reply;
  reply.body = boost::json::serialize(value);
  return reply;
}

std::optional<std::int64_t> parse_nonnegative(const std::string* text) {
  std::int64_t value = 0;
  if (text == nullptr) return std::nullopt;
  auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (error != std::errc{} || end != text->data() + text->size() || value < 0) {
    return std::nullopt;
  }
  return value;
}

}  // namespace

boost::json::object api::stats_json() const {
  boost::json::object by_status;
  for (const auto& [status, count] : stats_.responses_by_status) {
    by_status[std::to_string(status)] = count;
  }
  boost::json::object faults;
  faults["rate_limit"] = stats_.rate_limit;
  faults["lock_timeout"] = stats_.lock_timeout;
  faults["fail_before_effect"] = stats_.fail_before_effect;
  faults["fail_after_effect"] = stats_.fail_after_effect;
  faults["drop_after_effect"] = stats_.drop_after_effect;
  faults["slow"] = stats_.slow;
  faults["webhook_duplicate"] = stats_.webhook_duplicates;
  boost::json::object out;
  out["requests"] = stats_.requests;
  out["responses_by_status"] = std::move(by_status);
  out["faults"] = std::move(faults);
  out["idempotent_replays"] = stats_.idempotent_replays;
  out["idempotency_errors"] = stats_.idempotency_errors;
  out["idempotency_in_use"] = stats_.idempotency_in_use;
  out["idempotency_keys"] = idempotency_.size();
  out["payment_intents"] = state_.payment_intent_count();
  out["payouts"] = state_.payout_count();
  out["events_created"] = stats_.events_created;
  if (webhook_stats_) out["webhooks"] = webhook_stats_();
  if (journal_) {
    const journal_stats file = journal_->stats();
    out["state_file"] = {{"compactions", file.compactions},
                         {"failed_compactions", file.failed_compactions},
                         {"file_bytes", file.file_bytes},
                         {"compacted_bytes", file.compacted_bytes}};
  }
  return out;
}

api_reply api::inspect(const api_request& request, std::string_view path, std::string_view query,
                       const std::string& /*request_id*/) {
  const bool get = request.method == "GET";
  const bool post = request.method == "POST";
  if (get && path == "/_sim/charges") {
    boost::json::array out;
    for (const auto& intent : state_.payment_intents()) out.push_back(inspection_json(intent));
    return json_reply(out);
  }
  if (get && path == "/_sim/payouts") {
    boost::json::array out;
    for (const auto& item : state_.payouts()) out.push_back(inspection_json(item));
    return json_reply(out);
  }
  if (get && path == "/_sim/stats") return json_reply(stats_json());
  if (get && path == "/_sim/clock") return json_reply({{"now_ms", clock_.now_ms()}});
  if (post && path == "/_sim/clock/advance") {
    auto form = parse_form(request.body.empty() ? query : std::string_view(request.body));
    std::optional<std::int64_t> ms;
    const std::int64_t room_ms = clock_offset_ms_max - clock_.offset_ms();
    if (form.params) {
      if (auto s = parse_nonnegative(form.params->find("seconds")))
        ms = *s <= room_ms / 1000 ? *s * 1000 : room_ms + 1;
      if (auto m = parse_nonnegative(form.params->find("ms"))) ms = *m;
    }
    if (!ms) return error_reply(errors::parameter_missing("seconds"));
    if (*ms > room_ms) {
      return error_reply(errors::parameter_invalid(
          "seconds", "The simulator's clock moves at most a century from the wall clock."));
    }
    clock_.advance_ms(*ms);
    tick();
    return json_reply({{"now_ms", clock_.now_ms()}});
  }
  if (post && path == "/_sim/reset") {
    state_.clear();
    idempotency_.clear();
    stats_ = api_stats{};
    events_.clear();
    events_to_record_.clear();
    undelivered_.clear();
    return json_reply({{"reset", true}});
  }
  return error_reply(errors::unrecognized_url(request.method, path));
}

}  // namespace escrowd::processor_sim
