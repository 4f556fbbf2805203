// Tasks: creation, reads and every transition (api.md "Tasks (escrow)"). The task actor
// authorizes transitions against the task as it is when the command reaches it.
#include "engine/error_message.hpp"
#include "engine/id.hpp"
#include "engine/task.hpp"
#include "http/api_response.hpp"
#include "http/body_reader.hpp"
#include "http/endpoints.hpp"
#include "http/fresh_ids.hpp"
#include "http/json_codec.hpp"

namespace escrowd::http {
namespace {

status submit_task(api_call& call, actors::task_command command, unsigned success_status) {
  auto context = command_context(call, success_status);
  if (!context) return context.failure();
  command.context = std::move(*context);
  call.ledger.submit(std::move(command), reply_with(call));
  return {};
}

// Reads the transition's body into `command`; every field the route does not take is
// parameter_unknown.
status read_transition_body(route which, body_reader& body, actors::task_command& command) {
  using kind = actors::task_command_kind;
  switch (which) {
    case route::assign_task: {
      command.kind = kind::assign;
      auto worker = body.required_id("worker");
      if (!worker) return worker.failure();
      command.worker = std::move(*worker);
      break;
    }
    case route::fund_task:
      command.kind = kind::fund;
      break;
    case route::submit_task: {
      command.kind = kind::submit;
      auto submission = body.optional_string("submission");
      if (!submission) return submission.failure();
      if (*submission && (*submission)->size() > submission_length_max)
        return too_long("submission", submission_length_max);
      command.text = submission->value_or("");
      break;
    }
    case route::approve_task:
      command.kind = kind::approve;
      break;
    case route::dispute_task: {
      command.kind = kind::dispute;
      auto reason = body.required_string("reason");
      if (!reason) return reason.failure();
      if (reason->size() > dispute_reason_length_max)
        return too_long("reason", dispute_reason_length_max);
      command.text = std::move(*reason);
      break;
    }
    case route::resolve_task: {
      command.kind = kind::resolve;
      auto worker_amount = body.required_integer("worker_amount");
      if (!worker_amount) return worker_amount.failure();
      command.worker_amount = *worker_amount;
      break;
    }
    case route::cancel_task:
      command.kind = kind::cancel;
      break;
    default:
      return error{error_code::internal, "route"};
  }
  return body.finish();
}

}  // namespace

status create_task(api_call& call) {
  auto body = body_reader::parse(call.body);
  if (!body) return body.failure();
  auto id = body->optional_id("id");
  if (!id) return id.failure();
  auto payer = body->required_id("payer");
  if (!payer) return payer.failure();
  auto worker = body->optional_id("worker");
  if (!worker) return worker.failure();
  auto amount = body->required_amount("amount");
  if (!amount) return amount.failure();
  auto currency = body->required_currency("currency");
  if (!currency) return currency.failure();
  auto review_window = body->optional_integer("review_window_s");
  if (!review_window) return review_window.failure();
  auto fund = body->optional_bool("fund", false);
  if (!fund) return fund.failure();
  if (auto done = body->finish(); !done) return done;

  actors::task_command command;
  command.kind =
      *fund ? actors::task_command_kind::create_funded : actors::task_command_kind::create;
  command.task_id = id->has_value() ? **id : make_object_id(task_id_prefix);
  command.payer = std::move(*payer);
  command.create.id = command.task_id;
  command.create.worker = worker->value_or("");
  command.create.amount = *amount;
  command.create.currency = *currency;
  command.create.review_window_s = *review_window;
  command.create.actor = call.who->actor_name();
  return submit_task(call, std::move(command), 201);
}

status get_task(api_call& call) {
  if (!is_valid_id(call.match.id)) return error{error_code::not_found, "id"};
  auto found = call.ledger.read_task(call.match.id);
  if (!found) return found.failure();
  if (!*found) return error{error_code::not_found, "id"};
  const auto& current = **found;
  const access decided =
      authorize(*call.who, action::read_task, {current.payer, current.payer, current.worker});
  if (decided != access::allowed) return access_error(decided, "id");
  call.reply(json_response(200, task_body(current)));
  return {};
}

status transition_task(api_call& call) {
  if (!is_valid_id(call.match.id)) return error{error_code::not_found, "id"};
  auto body = body_reader::parse(call.body);
  if (!body) return body.failure();
  actors::task_command command;
  if (auto read = read_transition_body(call.match.route, *body, command); !read) return read;
  command.task_id = call.match.id;
  return submit_task(call, std::move(command), 200);
}

}  // namespace escrowd::http
