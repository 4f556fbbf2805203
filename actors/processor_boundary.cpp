#include "actors/processor_boundary.hpp"

#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/gateway.hpp"
#include "actors/processor_json.hpp"
#include "actors/processor_responses.hpp"
#include "actors/store_reads.hpp"
#include "actors/webhook_signature.hpp"

namespace escrowd::actors {
namespace {

constexpr auto stats_timeout = std::chrono::seconds(10);

// `done`, wrapped so that a successful, first-time answer kicks the gateway for `key`.
completion kicking(gateway_actor gateway, std::string key, completion done) {
  return [gateway = std::move(gateway), key = std::move(key),
          done = std::move(done)](rendered_response response) {
    const bool kick = response.status < 300 && !response.replayed;
    done(std::move(response));
    if (kick) caf::anon_send(gateway, kick_atom::value, key);
  };
}

request_context webhook_context(const std::string& event_id, std::int64_t now) {
  request_context context;
  context.principal = {principal_role::admin, "webhook", {}};
  context.actor = "webhook";
  context.now = now;
  context.render = webhook_settlement_renderer(event_id);
  return context;
}

}  // namespace

processor_boundary::processor_boundary(caf::actor_system& system, storage::ledger_store* store,
                                       directory_actor directory, bridge* front,
                                       processor_boundary_config config)
    : store_(store),
      front_(front),
      config_(std::move(config)),
      inbox_(std::make_shared<gateway_inbox>()),
      system_(system) {
  if (config_.webhook_tolerance_s <= 0) config_.webhook_tolerance_s = webhook_tolerance_s_default;
  if (!config_.port) return;
  gateway_ = system.spawn(gateway, config_.port, inbox_, store, std::move(directory),
                          config_.gateway, config_.metrics);
}

processor_boundary::~processor_boundary() {
  stop();
}

void processor_boundary::stop() {
  inbox_->close();
  if (gateway_) caf::anon_send_exit(gateway_, caf::exit_reason::user_shutdown);
  gateway_ = nullptr;
  front_ = nullptr;
}

completion processor_boundary::kick_after(const account_command& command, completion done) {
  const bool creates = command.kind == account_command_kind::request_topup ||
                       command.kind == account_command_kind::request_withdrawal;
  if (!gateway_ || !creates) return done;
  const auto kind = command.kind == account_command_kind::request_topup
                        ? processor_kind::topup
                        : processor_kind::withdrawal;
  return kicking(gateway_, processor_idempotency_key(kind, command.processor_request.id),
                 std::move(done));
}

void processor_boundary::handle_webhook(std::string payload, const std::string& signature,
                                        std::int64_t now, completion done) {
  // Counted by the answer it finally gets, whichever of the paths below gives it.
  if (auto* metrics = config_.metrics) {
    done = [metrics, done = std::move(done)](rendered_response answer) {
      if (const auto outcome = webhook_outcome_of(answer)) metrics->record_webhook(*outcome);
      done(std::move(answer));
    };
  }
  const auto verdict = verify_webhook_signature(config_.webhook_secrets, signature, payload, now,
                                                config_.webhook_tolerance_s);
  if (verdict != signature_verdict::valid) {
    return done(error_rendered({error_code::webhook_signature_invalid, "Stripe-Signature"},
                               "The webhook's Stripe-Signature does not verify (" +
                                   std::string(to_string(verdict)) + ")."));
  }
  auto event = parse_webhook_event(payload);
  if (!event) return done(error_rendered(event.failure()));
  if (!is_settling_event(event->type)) return done(webhook_receipt(event->id, "ignored: type"));
  if (!event->object || event->object->operation_id.empty())
    return done(webhook_receipt(event->id, "ignored: not an escrowd operation"));
  const auto& object = *event->object;
  const auto claimed = verdict_of(object);
  if (!claimed) return done(webhook_receipt(event->id, "ignored: not final"));
  {
    auto snapshot = store_->snapshot();
    if (!snapshot) return done(error_rendered(snapshot.failure()));
    auto seen = snapshot->has_webhook_event(event->id);
    if (!seen) return done(error_rendered(seen.failure()));
    if (*seen) return done(webhook_receipt(event->id, "duplicate"));
  }
  auto operation = optional_row(store_->get_operation(object.kind, object.operation_id));
  if (!operation) return done(error_rendered(operation.failure()));
  if (!*operation) return done(webhook_receipt(event->id, "ignored: unknown operation"));
  // The metadata names the operation; another amount or currency means it is not what we
  // sent.
  if (auto why = object_contradiction(
          object, {(*operation)->id, (*operation)->amount, (*operation)->currency.view()}))
    return done(webhook_receipt(event->id, "ignored: " + *why));
  // Most events only repeat what the gateway's own call already settled: nothing to ask
  // the processor (a burst of them would queue behind its rate limit), nothing to change.
  if ((*operation)->status == claimed->status) return done(webhook_receipt(event->id, "unchanged"));
  // Settled from what the processor shows when asked, never from the event alone.
  if (!gateway_)
    return done(webhook_receipt(event->id, "ignored: no processor to confirm it with"));
  webhook_confirmation confirmation;
  auto& command = confirmation.settle;
  command.kind = account_command_kind::settle_operation;
  command.account_id = (*operation)->account_id;
  command.operation_kind = object.kind;
  command.operation_id = object.operation_id;
  command.webhook_event_id = event->id;
  command.context = webhook_context(event->id, now);
  confirmation.object_id = object.id;
  confirmation.amount = (*operation)->amount;
  confirmation.currency = (*operation)->currency.str();
  confirmation.claimed = claimed->status;
  caf::anon_send(gateway_, std::move(confirmation), completion_handle{std::move(done)});
}

void processor_boundary::reconcile(completion done) {
  if (!gateway_)
    return done(
        error_rendered({error_code::processor_error, {}}, "No payment processor is configured."));
  caf::anon_send(gateway_, reconcile_atom::value, completion_handle{std::move(done)});
}

void processor_boundary::submit(operation_admin_command command, completion done) {
  auto& context = command.context;
  auto stored = optional_row(store_->get_operation(command.operation_kind, command.operation_id));
  if (!stored) return done(context.render({stored.failure(), {}, false}));
  if (!*stored) return done(context.render({error{error_code::not_found, "id"}, {}, false}));
  if (command.kind == operation_admin_kind::cancel && gateway_) {
    caf::anon_send(
        gateway_,
        operation_cancel_request{command.operation_kind, command.operation_id, std::move(context)},
        completion_handle{std::move(done)});
    return;
  }
  account_command decided;
  decided.kind = command.kind == operation_admin_kind::retry
                     ? account_command_kind::retry_operation
                     : account_command_kind::cancel_operation;
  decided.account_id = (*stored)->account_id;
  decided.operation_kind = command.operation_kind;
  decided.operation_id = command.operation_id;
  // Without a processor to ask, a parked operation cannot be shown to be untouched: the
  // account actor refuses the cancel (processor_state_uncertain).
  decided.processor_shows_nothing = false;
  decided.context = std::move(context);
  if (decided.kind == account_command_kind::retry_operation && gateway_)
    done =
        kicking(gateway_, processor_idempotency_key(decided.operation_kind, decided.operation_id),
                std::move(done));
  submit_to_front(std::move(decided), std::move(done));
}

void processor_boundary::submit_to_front(account_command command, completion done) {
  if (front_ == nullptr)
    return done(command.context.render({error{error_code::timeout, {}}, {}, false}));
  front_->submit(std::move(command), std::move(done));
}

result<gateway_stats> processor_boundary::stats() {
  if (!gateway_) return gateway_stats{};
  caf::scoped_actor self{system_};
  result<gateway_stats> answer = error{error_code::timeout, {}};
  self->request(gateway_, stats_timeout, stats_atom::value)
      .receive([&](const gateway_stats& stats) { answer = stats; },
               [&](const caf::error&) {
                 answer = error{error_code::timeout, {}};
               });
  return answer;
}

}  // namespace escrowd::actors
