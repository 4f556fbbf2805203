#include "http/api_call.hpp"

#include "engine/fingerprint.hpp"
#include "http/api_response.hpp"

namespace escrowd::http {
namespace {

// api.md scopes a key to the principal; Stripe, to the account. Every key of one account
// shares a scope, so a client that rotated its key and retries its request replays it
// instead of running it twice; so do all admin keys, and all arbiter keys.
std::string idempotency_scope(const principal& who) {
  switch (who.role) {
    case principal_role::admin:
      return "admin";
    case principal_role::arbiter:
      return "arbiter";
    case principal_role::account:
      break;
  }
  return "account:" + who.account_id;
}

}  // namespace

result<actors::request_context> command_context(const api_call& call, unsigned success_status) {
  actors::request_context context;
  context.principal = *call.who;
  context.actor = call.who->actor_name();
  context.now = call.now;
  context.render = make_renderer(success_status);
  context.on_decided = call.on_decided;
  if (!call.idempotency_key.empty()) {
    auto fingerprint = call.canonical_body ? result<std::string>(fingerprint_of_canonical(
                                                 call.method, call.path, *call.canonical_body))
                                           : request_fingerprint(call.method, call.path, call.body);
    if (!fingerprint) return fingerprint.failure();
    actors::idempotency_claim claim;
    claim.scope = idempotency_scope(*call.who);
    claim.key = call.idempotency_key;
    claim.fingerprint = std::move(*fingerprint);
    claim.endpoint = route_template(call.match.route);
    claim.request_id = call.request_id;
    claim.created_at = call.now;
    claim.expires_at = call.now + call.settings.idempotency_retention_s;
    context.idempotency = std::move(claim);
  }
  return context;
}

actors::completion reply_with(const api_call& call) {
  return [reply = call.reply](actors::rendered_response rendered) {
    reply(to_http(std::move(rendered)));
  };
}

error access_error(access refused, std::string param) {
  if (refused == access::hidden) return error{error_code::not_found, std::move(param)};
  return error{error_code::permission_denied, {}};
}

}  // namespace escrowd::http
