#include "http/api.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <exception>
#include <memory>

#include "actors/telemetry/log.hpp"
#include "actors/wall_clock.hpp"
#include "engine/error_message.hpp"
#include "engine/fingerprint.hpp"
#include "http/api_response.hpp"
#include "http/endpoints.hpp"
#include "http/query.hpp"
#include "http/transport_error.hpp"

namespace escrowd::http {
namespace {

// RFC 9110 11.1: the scheme is a case-insensitive token, then one or more spaces and the
// credentials. nullopt when the header is not Bearer with a non-empty key.
std::optional<std::string_view> bearer_secret(std::string_view authorization) {
  constexpr std::string_view scheme = "Bearer";
  if (authorization.size() <= scheme.size() || authorization[scheme.size()] != ' ' ||
      !ascii_iequals(authorization.substr(0, scheme.size()), scheme))
    return std::nullopt;
  auto secret = authorization.substr(scheme.size());
  while (!secret.empty() && secret.front() == ' ') secret.remove_prefix(1);
  if (secret.empty()) return std::nullopt;
  return secret;
}

// "application/json", any case, with or without parameters ("; charset=utf-8").
bool is_json_media_type(std::string_view content_type) {
  return ascii_iequals(trimmed_ows(content_type.substr(0, content_type.find(';'))),
                       "application/json");
}

// What the answer of one request is counted and logged with; filled in as the request
// is understood (route after matching, principal after authentication).
struct request_trace {
  std::string route{"unmatched"};  // a route template, never a raw path (bounded labels)
  std::string principal;           // the key id, never the secret
  std::string request_id;
  std::string idempotency_key;  // echoed on the answer, as Stripe does (processor-notes 1.6)
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
};

// Counts the answer in the HTTP metrics and logs it: successes at debug (an access log at
// 50k requests/s is an operator's choice, ESCROWD_LOG_LEVEL=debug), 4xx at info, 5xx at
// error.
reply_function observed(actors::ledger& ledger, std::shared_ptr<request_trace> trace,
                        responder respond) {
  return [&ledger, trace = std::move(trace), respond](response answer) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - trace->started).count();
    ledger.record_http_request(trace->route, answer.status, seconds);
    auto& log = actors::telemetry::process_logger();
    const auto level = answer.status >= 500   ? actors::telemetry::log_level::error
                       : answer.status >= 400 ? actors::telemetry::log_level::info
                                              : actors::telemetry::log_level::debug;
    if (log.enabled(level)) {
      log.log(level, "request",
              {{"request_id", trace->request_id},
               {"principal", trace->principal},
               {"route", trace->route},
               {"status", answer.status},
               {"duration_ms", seconds * 1000.0}});
    }
    with_retry_hint(answer);
    if (!trace->idempotency_key.empty())
      answer.headers.emplace_back("Idempotency-Key", trace->idempotency_key);
    respond(std::move(answer));
  };
}

}  // namespace

api::api(actors::ledger& ledger, api_settings settings)
    : ledger_(ledger), settings_(settings), background_(std::make_unique<background_worker>()) {}

void api::stop() {
  background_->stop();
}

// Counted with a duration of 0: such answers go out as soon as the request is read, and
// the request's first byte is the one moment the transport does not know.
void api::answered_by_transport(std::string_view method, std::string_view target, unsigned status) {
  std::string_view route = "unmatched";
  if (!method.empty())
    if (auto matched =
            match_route(method == "HEAD" ? "GET" : method, split_request_target(target).path))
      route = route_template(matched->route);
  ledger_.record_http_request(std::string(route), status, 0.0);
}

void api::handle(request incoming, responder respond) {
  const auto target = split_request_target(incoming.target);
  api_call call{ledger_,
                settings_,
                *background_,
                std::move(incoming.method),
                std::string(target.path),
                std::string(target.query),
                std::move(incoming.body),
                std::nullopt,
                std::move(incoming.request_id),
                std::string(incoming.header("Idempotency-Key")),
                std::string(incoming.header("Stripe-Signature")),
                std::nullopt,
                {},
                actors::unix_now(),
                {},
                {}};
  // HEAD is GET without the body (RFC 9110 9.3.2), which the transport leaves out.
  if (call.method == "HEAD") call.method = "GET";
  auto trace = std::make_shared<request_trace>();
  trace->request_id = call.request_id;
  // Echoed on every answer to a POST with one valid key, refusals (401, 415, ...) included.
  if (call.method == "POST" && incoming.header_count("Idempotency-Key") == 1 &&
      is_valid_idempotency_key(call.idempotency_key))
    trace->idempotency_key = call.idempotency_key;
  call.reply = observed(ledger_, trace, std::move(respond));
  const std::size_t keys_sent = incoming.header_count("Idempotency-Key");
  auto matched = match_route(call.method, call.path);
  if (!matched) {
    response answer = error_response(matched.failure());
    if (matched.code() == error_code::method_not_allowed)
      answer.headers.emplace_back("Allow", allowed_methods(call.path));
    call.reply(std::move(answer));
    return;
  }
  call.match = std::move(*matched);
  trace->route = route_template(call.match.route);
  if (!is_public(call.match.route)) {
    if (incoming.header_count("Authorization") > 1) {
      // Which principal the client meant is unknown: acting as either one could be wrong.
      call.reply(error_response(rejection(error_code::parameter_invalid, "Authorization",
                                          "Send one Authorization header, not several.")));
      return;
    }
    const std::string_view authorization = incoming.header("Authorization");
    if (authorization.empty()) {
      call.reply(error_response({error_code::authentication_required, {}}));
      return;
    }
    const auto secret = bearer_secret(authorization);
    if (!secret) {
      call.reply(error_response({error_code::api_key_invalid, {}}));
      return;
    }
    auto who = ledger_.authenticate(*secret);
    if (!who) {
      call.reply(error_response(who.failure()));
      return;
    }
    if (!*who) {
      call.reply(error_response({error_code::api_key_invalid, {}}));
      return;
    }
    call.who = std::move(*who);
    trace->principal = call.who->key_id;
  }
  // api.md: JSON bodies. A body declared as something else (a form, text) is refused rather
  // than read as JSON; one without a Content-Type is read as JSON. The processor's
  // webhooks are the processor's to frame.
  if (call.method == "POST" && !call.body.empty() &&
      call.match.route != route::processor_webhooks) {
    const std::string_view content_type = incoming.header("Content-Type");
    if (!content_type.empty() && !is_json_media_type(content_type)) {
      call.reply(error_response({error_code::unsupported_media_type, "Content-Type"}));
      return;
    }
  }
  if (call.method == "POST" && keys_sent > 0) {
    if (keys_sent > 1) {
      // Which one the client meant is unknown; running under either could run twice.
      call.reply(error_response(rejection(error_code::idempotency_key_invalid, "Idempotency-Key",
                                          "Send one Idempotency-Key header, not several.")));
      return;
    }
    if (!is_valid_idempotency_key(call.idempotency_key)) {
      call.reply(error_response({error_code::idempotency_key_invalid, "Idempotency-Key"}));
      return;
    }
  }
  dispatch(std::move(call));
}

void api::dispatch(api_call call) {
  if (call.method != "POST") call.idempotency_key.clear();  // api.md: ignored on GET
  // api.md rejects unknown fields, and a query parameter the route does not read is one,
  // so a misspelt `limt` is not silently the default. List routes read their own; the
  // unauthenticated probes and the processor's webhooks take what callers add.
  if (!call.query.empty() && call.match.route != route::list_entries &&
      !is_public(call.match.route)) {
    auto parameters = query_parameters::parse(call.query);
    const status refused = parameters ? parameters->finish() : status(parameters.failure());
    if (!refused) {
      call.reply(error_response(refused.failure()));
      return;
    }
  }
  // The engine's reading of the body rejects what Boost.JSON would accept silently
  // (duplicate keys, nesting past its depth bound), so every endpoint sees one meaning.
  if (call.method == "POST" && call.match.route != route::processor_webhooks) {
    auto canonical = canonical_json(call.body);
    if (!canonical) {
      call.reply(error_response(canonical.failure()));
      return;
    }
    call.canonical_body = std::move(*canonical);
  }
  if (call.match.route == route::batch) {
    run_batch(call);
    return;
  }
  if (background_->stopped()) {
    call.reply(error_response({error_code::not_ready, {}}));
    return;
  }
  const endpoint handler = endpoint_for(call.match.route);
  if (handler == nullptr) {
    call.reply(error_response({error_code::route_not_found, {}}));
    return;
  }
  auto reply = call.reply;
  try {
    if (auto handled = handler(call); !handled) reply(error_response(handled.failure()));
  } catch (const std::exception&) {
    reply(error_response({error_code::internal, {}}));
  }
}

}  // namespace escrowd::http
