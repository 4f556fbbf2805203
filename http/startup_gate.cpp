#include "http/startup_gate.hpp"

#include "http/api_response.hpp"
#include "http/query.hpp"
#include "http/transport_error.hpp"

namespace escrowd::http {

void startup_gate::handle(request incoming, responder respond) {
  if (auto* api = api_.load(std::memory_order_acquire))
    return api->handle(std::move(incoming), std::move(respond));
  const auto path = split_request_target(incoming.target).path;
  if ((incoming.method == "GET" || incoming.method == "HEAD") && path == "/healthz")
    return respond(json_response(200, R"({"status":"starting"})"));
  auto answer = error_response({error_code::not_ready, {}});
  with_retry_hint(answer);
  respond(std::move(answer));
}

void startup_gate::answered_by_transport(std::string_view method, std::string_view target,
                                         unsigned status) {
  if (auto* api = api_.load(std::memory_order_acquire))
    api->answered_by_transport(method, target, status);
}

}  // namespace escrowd::http
