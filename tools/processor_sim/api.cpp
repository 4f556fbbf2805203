// The request pipeline, in Stripe's order: route, authentication, rate limiting, parameter
// decoding, idempotency, validation (nothing saved so far), then execution, whose response is
// saved under the key whatever it is, 500s included.
#include "api.hpp"

#include <algorithm>
#include <boost/json/serialize.hpp>

#include "auth.hpp"
#include "engine/utf8.hpp"
#include "expansion.hpp"
#include "limits.hpp"
#include "sim_journal.hpp"  // api owns the journal: its constructor may destroy one
#include "stripe_error.hpp"

namespace escrowd::processor_sim {
namespace {

constexpr std::string_view default_stripe_version = "2024-06-20";

// Stripe's API versions are dates, some with a release name: 2024-06-20, 2026-11-18.endive.
bool is_api_version(std::string_view version) {
  auto digits = [&](std::size_t from, std::size_t count) {
    for (std::size_t i = from; i < from + count; ++i)
      if (i >= version.size() || version[i] < '0' || version[i] > '9') return false;
    return true;
  };
  if (version.size() < 10 || !digits(0, 4) || version[4] != '-' || !digits(5, 2) ||
      version[7] != '-' || !digits(8, 2))
    return false;
  if (version.size() == 10) return true;
  if (version[10] != '.' || version.size() == 11) return false;
  return std::all_of(version.begin() + 11, version.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); });
}

std::string endpoint_name(std::string_view method, std::string_view path) {
  return std::string(method) + " " + std::string(path);
}

stored_response to_stored(const api_reply& reply, const std::string& request_id) {
  stored_response stored{reply.status, reply.body, request_id, {}};
  for (const auto& header : reply.headers) {
    if (header.first == "Stripe-Should-Retry") stored.headers.push_back(header);
  }
  return stored;
}

}  // namespace

api_reply error_reply(const stripe_error& error) {
  api_reply reply;
  reply.status = error.status;
  reply.body = error_body(error);
  return reply;
}

api::api(const api_options& options, sim_clock& clock)
    : options_(options),
      clock_(clock),
      state_(options.seed),
      idempotency_(options.idempotency_ttl_s * 1000, idempotency_keys_max),
      faults_(options.faults, options.seed) {}

prepared_call api::prepare(const api_request& request) {
  ++stats_.requests;
  std::string request_id = state_.next_id("req_");
  std::string_view target = request.target;
  std::string_view path = target.substr(0, target.find('?'));
  std::string_view query = path.size() < target.size() ? target.substr(path.size() + 1) : "";
  if (!journal_caught_up())
    return {finish(state_file_unwritable_reply(), request_id, {}, request.stripe_version), {}, 0};
  // The path names the endpoint an idempotency key is saved for, and answers quote it.
  if (!is_utf8(target)) {
    return {finish(error_reply(errors::malformed_body("the request URL is not valid UTF-8")),
                   request_id, {}, {}),
            {},
            0};
  }
  if (path.starts_with("/_sim/")) {
    api_reply reply = inspect(request, path, query, request_id);
    commit();  // a clock advance or a reset
    if (journal_behind_) reply = state_file_unwritable_reply();
    return {finish(std::move(reply), request_id, {}, {}), {}, 0};
  }
  auto route = match_route(request.method, path);
  if (!route) {
    return {finish(error_reply(errors::unrecognized_url(request.method, path)), request_id, {},
                   request.stripe_version),
            {},
            0};
  }
  return prepare_route(request, std::move(*route), query, request_id);
}

prepared_call api::prepare_route(const api_request& request, route_match route,
                                 std::string_view query, const std::string& request_id) {
  const std::string echoed_key = route.mutating ? request.idempotency_key : std::string();
  auto answer = [&](api_reply reply) -> prepared_call {
    return {finish(std::move(reply), request_id, echoed_key, request.stripe_version), {}, 0};
  };
  auto auth = authenticate(request.authorization);
  if (auth.error) {
    api_reply reply = error_reply(*auth.error);
    reply.set_header("WWW-Authenticate", "Bearer realm=\"Stripe\"");
    return answer(std::move(reply));
  }
  if (!request.stripe_version.empty() && !is_api_version(request.stripe_version)) {
    const std::string quoted = is_utf8(request.stripe_version) ? request.stripe_version : "";
    return {finish(error_reply(errors::invalid_api_version(quoted)), request_id, echoed_key, {}),
            {},
            0};
  }
  bool eligible = route.mutating || options_.faults.fault_reads;
  fault_draw draw = eligible ? faults_.draw() : fault_draw{};
  if (draw.rate_limit || draw.lock_timeout) {
    ++(draw.rate_limit ? stats_.rate_limit : stats_.lock_timeout);
    api_reply reply =
        error_reply(draw.rate_limit ? errors::rate_limited() : errors::lock_timeout());
    reply.set_header("Retry-After", std::to_string(retry_after_s));
    if (draw.rate_limit) {
      reply.set_header("Stripe-Rate-Limited-Reason", "global-rate");
    } else {
      reply.set_header("Stripe-Should-Retry", "true");
    }
    return answer(std::move(reply));
  }
  auto parsed = parse_form(route.mutating ? std::string_view(request.body) : query);
  if (!parsed.params) return answer(error_reply(errors::malformed_body(parsed.error)));

  pending_call call{std::move(route),
                    std::move(*parsed.params),
                    request_id,
                    {},
                    {},
                    request.stripe_version,
                    draw};
  if (call.route.mutating && request.has_idempotency_key) {
    if (auto refused = claim_key(request, auth.api_key, call)) return answer(std::move(*refused));
  }
  if (stage_hook_) stage_hook_(call_stage::key_claimed);
  if (auto invalid = validate_route(call.route.id, call.params, call.stripe_version)) {
    call.claim.release();
    return answer(error_reply(*invalid));
  }
  std::int64_t delay_ms = 0;
  if (draw.slow) {
    ++stats_.slow;
    delay_ms = options_.faults.slow_ms;
  }
  return {std::nullopt, std::move(call), delay_ms};
}

std::optional<api_reply> api::claim_key(const api_request& request, const std::string& api_key,
                                        pending_call& call) {
  const std::string& key = request.idempotency_key;
  if (key.empty() || key.size() > idempotency_key_chars_max) {
    return error_reply(errors::idempotency_key_too_long());
  }
  // Saved with the answer and quoted by the errors about it: text only (see is_utf8).
  if (!is_utf8(key)) return error_reply(errors::idempotency_key_not_utf8());
  std::string scope = api_key + '\n' + key;
  std::string endpoint =
      endpoint_name(request.method, request.target.substr(0, request.target.find('?')));
  auto begun = idempotency_.begin(scope, endpoint, canonical_text(call.params), clock_.now_ms());
  switch (begun.status) {
    case begin_status::started:
      call.idempotency_key = key;
      call.claim = std::move(begun.claim);
      return std::nullopt;
    case begin_status::replay:
      return replay(*begun.response);
    case begin_status::params_mismatch:
      ++stats_.idempotency_errors;
      return error_reply(errors::idempotency_params_mismatch(key));
    case begin_status::endpoint_mismatch:
      ++stats_.idempotency_errors;
      return error_reply(
          errors::idempotency_endpoint_mismatch(key, begun.first_endpoint, endpoint));
    case begin_status::in_use: {
      ++stats_.idempotency_in_use;
      api_reply reply = error_reply(errors::idempotency_key_in_use(key));
      reply.set_header("Stripe-Should-Retry", "true");
      return reply;
    }
    case begin_status::full:
      break;
  }
  return error_reply(errors::capacity_exhausted("idempotency_keys_max"));
}

api_reply api::network_error_reply(const stripe_error& error) {
  return finish(error_reply(error), state_.next_id("req_"), {}, {});
}

api_reply api::execute(pending_call call) {
  // A 500 is saved under the key, so a retry would only replay it: like Stripe, say so, and
  // leave the caller to find out from the processor's records what happened.
  auto mark_final = [](api_reply& reply) {
    if (reply.status >= 500) reply.set_header("Stripe-Should-Retry", "false");
  };
  api_reply reply;
  try {
    reply = run_route(call);
    mark_final(reply);
    if (stage_hook_) stage_hook_(call_stage::answer_ready);
    call.claim.complete(to_stored(reply, call.request_id));
  } catch (const std::exception& e) {
    // A bug or an exhausted resource, not a fault. The route may have applied its effect, so
    // the key must not be freed for a retry to apply it again: answer and save Stripe's 500.
    // Should saving throw again, the claim leaves with `call` and frees the key, which
    // beats a key executing for ever.
    reply = error_reply(errors::api_error(std::string("internal simulator error: ") + e.what()));
    mark_final(reply);
    call.claim.complete(to_stored(reply, call.request_id));
  }
  commit();
  // Done in memory only: answered as a response lost on the way. A retry with the key
  // replays the stored answer once the file holds it.
  if (journal_behind_) reply = state_file_unwritable_reply();
  if (call.faults.drop_after_effect) {
    ++stats_.drop_after_effect;
    reply.how = options_.faults.drop == drop_mode::hang ? delivery::hang : delivery::reset;
    reply.hang_ms = options_.faults.hang_ms;
  }
  return finish(std::move(reply), call.request_id, call.idempotency_key, call.stripe_version);
}

api_reply api::run_route(const pending_call& call) {
  if (call.faults.fail_before_effect) {
    ++stats_.fail_before_effect;
    return error_reply(
        errors::api_error("An unknown error occurred while processing your request (injected: "
                          "fail-before-effect, nothing was applied)."));
  }
  std::int64_t now_ms = clock_.now_ms();
  route_context context{state_,          call.params,        call.route.object_id,
                        now_ms,          options_.settings,  call.idempotency_key,
                        call.request_id, call.stripe_version};
  route_outcome outcome = execute_route(call.route.id, context);
  queue_events(std::move(outcome.events), {call.request_id, call.idempotency_key});
  if (call.faults.fail_after_effect) {
    ++stats_.fail_after_effect;
    return error_reply(errors::api_error(
        "An unknown error occurred while processing your request (injected: fail-after-effect, "
        "the request may have been applied)."));
  }
  if (outcome.status == 200) expand_answer(call.route.id, call.params, state_, outcome.body);
  api_reply reply;
  reply.status = outcome.status;
  reply.body = boost::json::serialize(outcome.body);
  if (outcome.retry_useless) reply.set_header("Stripe-Should-Retry", "false");
  return reply;
}

api_reply api::replay(const stored_response& stored) {
  ++stats_.idempotent_replays;
  api_reply reply;
  reply.status = stored.status;
  reply.body = stored.body;
  reply.headers = stored.headers;
  reply.set_header("Idempotent-Replayed", "true");
  reply.set_header("Original-Request", stored.request_id);
  return reply;
}

void api::queue_events(std::vector<pending_event> events, const event_origin& origin) {
  std::int64_t created_s = clock_.now_s();
  for (auto& event : events) {
    ++stats_.events_created;
    std::string id = state_.next_id("evt_");
    std::string body = boost::json::serialize(
        event_json(id, event.type, created_s, std::move(event.object), origin));
    int copies = faults_.draw_webhook_duplicate() ? 2 : 1;
    if (copies == 2) ++stats_.webhook_duplicates;
    for (int i = 0; i < copies; ++i) {
      events_.push_back({id, event.type, body, next_delivery_++});
      if (journal_ && track_webhook_deliveries_) events_to_record_.push_back(events_.back());
    }
  }
}

void api::tick() {
  if (!journal_caught_up()) return;
  std::int64_t now_ms = clock_.now_ms();
  idempotency_.expire(now_ms);
  queue_events(sweep_due(state_, now_ms, options_.settings), {});
  commit();
}

std::vector<webhook_event> api::take_events() {
  std::vector<webhook_event> out;
  if (journal_behind_) return out;  // they stay queued until the file holds them
  out.swap(events_);
  return out;
}

void api::set_webhook_stats(std::function<boost::json::object()> provider) {
  webhook_stats_ = std::move(provider);
}

api_reply api::finish(api_reply reply, const std::string& request_id,
                      const std::string& idempotency_key, const std::string& stripe_version) {
  // A lost response was never answered: it is counted under faults only.
  if (reply.how == delivery::send) ++stats_.responses_by_status[reply.status];
  reply.set_header("Request-Id", request_id);
  reply.set_header("Content-Type", "application/json");
  reply.set_header("Cache-Control", "no-cache, no-store");
  reply.set_header("Stripe-Version",
                   stripe_version.empty() ? std::string(default_stripe_version) : stripe_version);
  if (!idempotency_key.empty()) reply.set_header("Idempotency-Key", idempotency_key);
  return reply;
}

}  // namespace escrowd::processor_sim
