// The processor boundary's operator side (issue 6): signed webhooks, reconciliation, and
// an admin's retry or cancel of an operation that waits for reconciliation. The decisions
// live in the actors' gateway; these handlers only check the request and authorize.
#include <chrono>

#include "actors/ledger_clock.hpp"
#include "engine/id.hpp"
#include "http/api_response.hpp"
#include "http/body_reader.hpp"
#include "http/endpoints.hpp"

namespace escrowd::http {
namespace {

status submit_admin(api_call& call, actors::operation_admin_kind kind,
                    processor_kind operation_kind) {
  const access decided = authorize(*call.who, action::manage_processor_operation, {});
  if (decided != access::allowed) return access_error(decided, "id");
  if (!is_valid_id(call.match.id)) return error{error_code::not_found, "id"};
  auto body = body_reader::parse(call.body);
  if (!body) return body.failure();
  if (auto done = body->finish(); !done) return done;
  auto context = command_context(call, 200);
  if (!context) return context.failure();
  actors::operation_admin_command command;
  command.kind = kind;
  command.operation_kind = operation_kind;
  command.operation_id = call.match.id;
  command.context = std::move(*context);
  call.ledger.submit(std::move(command), reply_with(call));
  return {};
}

}  // namespace

status retry_topup(api_call& call) {
  return submit_admin(call, actors::operation_admin_kind::retry, processor_kind::topup);
}

status cancel_topup(api_call& call) {
  return submit_admin(call, actors::operation_admin_kind::cancel, processor_kind::topup);
}

status retry_withdrawal(api_call& call) {
  return submit_admin(call, actors::operation_admin_kind::retry, processor_kind::withdrawal);
}

status cancel_withdrawal(api_call& call) {
  return submit_admin(call, actors::operation_admin_kind::cancel, processor_kind::withdrawal);
}

status processor_webhooks(api_call& call) {
  // The signature covers the raw bytes: the body goes on untouched.
  // The signed timestamp is the processor's clock: compared with the system clock itself.
  call.ledger.handle_webhook(std::move(call.body), call.signature, actors::system_unix_now(),
                             reply_with(call));
  return {};
}

status reconciliation(api_call& call) {
  const access decided = authorize(*call.who, action::reconcile, {});
  if (decided != access::allowed) return access_error(decided);
  call.ledger.reconcile(reply_with(call));
  return {};
}

// Prometheus scrapes every 15 s or so; a second-old exposition costs it nothing, and a flood
// of scrapes (the route needs no key) then costs one rendering a second.
constexpr std::chrono::milliseconds metrics_max_age{1'000};

status metrics(api_call& call) {
  response answer = json_response(200, *call.ledger.recent_metrics_exposition(metrics_max_age));
  answer.content_type = "text/plain; version=0.0.4; charset=utf-8";
  call.reply(std::move(answer));
  return {};
}

}  // namespace escrowd::http
