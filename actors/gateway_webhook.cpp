// A webhook's settlement, confirmed by the processor before it is applied: the gateway
// retrieves the object the event names (through its call queue, so the rate limit holds
// and a poll of the same object in flight is joined) and settles from the object as the
// processor shows it now. A stale event (payout.paid after the payout failed), one that
// arrives out of order, or one signed with a leaked secret for an object the processor does
// not have, then settles nothing wrong; one the processor does not show final yet is
// refused (502), to be delivered again.
#include "actors/gateway.hpp"
#include "actors/processor_responses.hpp"
#include "engine/error_message.hpp"

namespace escrowd::actors {

void confirm_webhook(gateway_actor::stateful_pointer<gateway_state> self,
                     webhook_confirmation& confirmation, completion_handle& done) {
  const auto kind = confirmation.settle.operation_kind;
  const auto object_id = confirmation.object_id;
  // The event races the gateway's own call: its answer is being applied with the same
  // verdict, or, while sends wait for their turn (an outage's backlog), its send is queued or
  // in flight (the processor replays the answer under the key). Asking the processor again
  // would cost a call for each, one for every top-up in a drain, which halved it. The row is
  // driven until settled either way; without a backlog the event settles it at once.
  const auto key = processor_idempotency_key(kind, confirmation.settle.operation_id);
  const auto tracked = self->state.rows.find(key);
  if (tracked != self->state.rows.end() && tracked->second.settling_as == confirmation.claimed)
    return done.call(webhook_receipt(confirmation.settle.webhook_event_id, "unchanged"));
  if (tracked != self->state.rows.end() && !self->state.queue.empty() &&
      self->state.calls.contains(send_call_identity(key))) {
    tracked->second.skipped = tracked_row::skipped_event{object_id, confirmation.claimed};
    return done.call(webhook_receipt(confirmation.settle.webhook_event_id, "unchanged"));
  }
  request_retrieve(
      self, kind, object_id,
      [self, confirmation = std::move(confirmation), done](const processor_lookup& lookup) mutable {
        auto& settle = confirmation.settle;
        const auto& event_id = settle.webhook_event_id;
        // Not a 2xx: the processor delivers the event again later.
        if (!lookup.answered)
          return done.call(error_rendered(rejection(
              error_code::processor_error, {},
              "The processor could not be asked to confirm the event; deliver it again.")));
        if (lookup.objects.size() != 1)
          return done.call(webhook_receipt(event_id, "ignored: unknown at the processor"));
        const auto& object = lookup.objects.front();
        if (object.operation_id != settle.operation_id ||
            object_contradiction(object,
                                 {settle.operation_id, confirmation.amount, confirmation.currency}))
          return done.call(webhook_receipt(event_id, "ignored: not this operation's object"));
        // Every settling event names a final state, so the processor showing the object
        // still in progress means the answer predates the event (a lookup begun before it,
        // which this retrieve joined) or a read that lags: not a 200, so the processor
        // delivers the event again, and a later confirmation settles it.
        auto verdict = verdict_of(object);
        if (!verdict)
          return done.call(error_rendered(
              rejection(error_code::processor_error, {},
                        "The processor does not show the object final yet; deliver the event "
                        "again.")));
        settle.settlement = std::move(*verdict);
        auto render = settle.context.render;
        self->request(self->state.directory, gateway_command_timeout, std::move(settle))
            .then([done](const rendered_response& response) { done.call(response); },
                  [done, render](const caf::error&) {
                    done.call(render({error{error_code::timeout, {}}, {}, false}));
                  });
      });
}

}  // namespace escrowd::actors
