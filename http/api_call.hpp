// One API request on its way through the router: what the endpoint handlers read (the
// request, the authenticated principal, the matched route) and how they answer. A batch
// makes one per operation, so handlers never see the transport.
// Thread affinity: built and handled on an I/O thread; `reply` may be called from any
// thread, once.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "actors/ledger.hpp"
#include "engine/authorization.hpp"
#include "http/api_settings.hpp"
#include "http/background_worker.hpp"
#include "http/request.hpp"
#include "http/route_table.hpp"

namespace escrowd::http {

using reply_function = std::function<void(response)>;

struct api_call {
  actors::ledger& ledger;
  const api_settings& settings;
  background_worker& background;  // for jobs too long for an I/O thread
  std::string method;
  std::string path;   // without the query
  std::string query;  // without the '?'
  std::string body;
  // The body's canonical form (engine/fingerprint.hpp), set by api::dispatch for every
  // POST (a batch's operations included); a call that did not pass there has none, and
  // its fingerprint reads the body itself.
  std::optional<std::string> canonical_body;
  std::string request_id;
  std::string idempotency_key;   // empty when the request carried none
  std::string signature;         // Stripe-Signature (webhooks only)
  std::optional<principal> who;  // empty only on routes that need no API key
  route_match match;
  std::int64_t now = 0;  // Unix seconds, read once when the request arrived
  reply_function reply;
  // A batch's early start of the operations that wait for this one (request_context).
  std::function<void()> on_decided;
};

// The context a command carries to the deciding actor: principal, time, the renderer for
// `success_status`, and the idempotency claim when the request carried a key. Fails with
// json_invalid when the body cannot be fingerprinted.
[[nodiscard]] result<actors::request_context> command_context(const api_call& call,
                                                              unsigned success_status);

// Answers `call` with the rendered response once the actors are done.
[[nodiscard]] actors::completion reply_with(const api_call& call);

// 403 or 404 (api.md: a principal that may not see an object must not learn it exists).
[[nodiscard]] error access_error(access refused, std::string param = {});

}  // namespace escrowd::http
