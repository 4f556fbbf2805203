#include "actors/account_actor.hpp"

#include <memory>

#include "actors/operation_decisions.hpp"
#include "actors/processor_payload.hpp"
#include "actors/reply.hpp"
#include "actors/store_reads.hpp"

namespace escrowd::actors {

bool account_actor_state::reload() {
  lifecycle.loaded_in_opening = store->opening();
  auto row = optional_row(store->get_account(id));
  if (!row) return false;
  current = std::move(*row);
  return true;
}

namespace {

using self_pointer = account_actor::stateful_pointer<account_actor_state>;
using verdict_sink = std::function<void(fund_verdict)>;

// Commits one decision and calls `deliver` once it is durable or has failed. A failure
// means memory may be ahead of the disk: the actor turns stale until it has reloaded.
void commit_decision(self_pointer self, storage::commit_record record,
                     const request_context& context, rendered_response rendered,
                     std::function<void(rendered_response, bool durable)> deliver) {
  begin_commit(self);
  stamp_opening(record, self->state.lifecycle);
  // Shared, not copied: `deliver` may carry a whole task (a funding's verdict), and each
  // handler below is copied again on its way into CAF's response handler.
  auto shared = std::make_shared<std::function<void(rendered_response, bool)>>(std::move(deliver));
  commit_rendered(
      self, self->state.writer, std::move(record), context, std::move(rendered),
      [self, shared](rendered_response response, std::uint64_t) {
        (*shared)(std::move(response), true);
        end_commit(self, true);
      },
      [self, shared](rendered_response response, escrowd::error) {
        (*shared)(std::move(response), false);
        end_commit(self, false);
      });
}

void commit_decision(self_pointer self, storage::commit_record record,
                     const request_context& context, const operation_result& result,
                     std::function<void(rendered_response, bool durable)> deliver) {
  commit_decision(self, std::move(record), context, context.render(result), std::move(deliver));
}

// Before a shortfall is refused: credits other actors committed may be missing from memory
// (account_actor.hpp). Returns true if `decide_again` was taken: run now on the reloaded
// row when nothing of this actor's is in flight, else first in line once that is durable
// (the actor is stale until then, so later commands wait behind it).
template <class Decide>
bool reloaded_before_refusing(self_pointer self, const escrowd::error& failure, bool reloaded,
                              Decide&& decide_again) {
  if (reloaded || failure.code != error_code::insufficient_funds) return false;
  auto& state = self->state;
  if (state.lifecycle.in_flight == 0 && state.reload()) {
    decide_again();
    return true;
  }
  state.lifecycle.stale = true;
  state.lifecycle.waiting.push_front(std::forward<Decide>(decide_again));
  return true;
}

// A rejection decided here: stored with the request's idempotency key, if any.
void reject(self_pointer self, const request_context& context, escrowd::error failure,
            std::function<void(rendered_response, bool durable)> deliver) {
  commit_decision(self, {}, context, operation_result{std::move(failure), {}, false},
                  std::move(deliver));
}

void decide(self_pointer self, const account_command& command,
            std::function<void(rendered_response, bool)> deliver);

// An answer that writes nothing of the account waits for the account's records in flight
// (entity_lifecycle.hpp): true if the command was taken back, to be decided again.
bool decided_again_once_durable(self_pointer self, const account_command& command,
                                const std::function<void(rendered_response, bool)>& deliver) {
  return decide_again_once_durable(self,
                                   [self, command, deliver] { decide(self, command, deliver); });
}

void decide_create(self_pointer self, const account_command& command,
                   std::function<void(rendered_response, bool)> deliver) {
  auto& state = self->state;
  if (state.current) {
    if (decided_again_once_durable(self, command, deliver)) return;
    reject(self, command.context, {error_code::already_exists, "id"}, std::move(deliver));
    return;
  }
  auto created = create_account(command.create, command.context.now);
  if (!created) {
    reject(self, command.context, created.failure(), std::move(deliver));
    return;
  }
  state.current = *created;
  storage::commit_record record;
  record.account_creates.push_back(*created);
  commit_decision(self, std::move(record), command.context,
                  operation_result{{}, std::move(*created), true}, std::move(deliver));
}

void decide_processor_request(self_pointer self, const account_command& command,
                              std::function<void(rendered_response, bool)> deliver,
                              bool reloaded = false) {
  auto& state = self->state;
  if (!state.current) {
    reject(self, command.context, {error_code::not_found, "id"}, std::move(deliver));
    return;
  }
  const bool is_topup = command.kind == account_command_kind::request_topup;
  auto outcome =
      is_topup ? request_topup(*state.current, command.processor_request, command.context.now)
               : request_withdrawal(*state.current, command.processor_request, command.context.now);
  auto next = outcome ? apply_deltas(*state.current, outcome->deltas) : outcome.failure();
  if (!next) {
    if (reloaded_before_refusing(self, next.failure(), reloaded, [=]() mutable {
          decide_processor_request(self, command, std::move(deliver), true);
        }))
      return;
    reject(self, command.context, next.failure(), std::move(deliver));
    return;
  }
  state.current = *next;
  storage::commit_record record;
  record.operation_creates.push_back(outcome->operation);
  record.account_deltas = outcome->deltas;
  record.entry = outcome->entry;
  record.outbox_puts.push_back(outbox_row_for(outcome->operation, command.context.now));
  commit_decision(self, std::move(record), command.context,
                  operation_result{{}, outcome->operation, true}, std::move(deliver));
}

// The operation as this actor last decided it: its record in flight first, else the disk.
result<std::optional<processor_operation>> current_operation(const account_actor_state& state,
                                                             processor_kind kind,
                                                             const std::string& id) {
  auto ahead = state.operations_ahead.find({kind, id});
  if (ahead != state.operations_ahead.end())
    return std::optional<processor_operation>(ahead->second.operation);
  return optional_row(state.store->get_operation(kind, id));
}

result<std::optional<storage::outbox_row>> stored_outbox_row(const account_actor_state& state,
                                                             const account_command& command,
                                                             const processor_operation& current) {
  if (command.kind == account_command_kind::settle_operation ||
      command.kind == account_command_kind::cancel_operation)
    return std::optional<storage::outbox_row>{};
  auto snapshot = state.store->snapshot();
  if (!snapshot) return snapshot.failure();
  return optional_row(snapshot->get_outbox(processor_idempotency_key(current)));
}

// Settlements, the gateway's bookkeeping and admin retry/cancel of one operation
// (operation_decisions.hpp), serialized here with every other change of the balances.
void decide_operation_command(self_pointer self, const account_command& command,
                              std::function<void(rendered_response, bool)> deliver) {
  auto& state = self->state;
  const auto& context = command.context;
  auto stored = current_operation(state, command.operation_kind, command.operation_id);
  if (!stored) return deliver(render_failure(context, stored.failure()), true);
  if (!*stored || (*stored)->account_id != state.id || !state.current) {
    reject(self, context, {error_code::not_found, "id"}, std::move(deliver));
    return;
  }
  auto row = stored_outbox_row(state, command, **stored);
  if (!row) return deliver(render_failure(context, row.failure()), true);
  auto decision = decide_operation(command, **stored, *row, context.now);
  if ((!decision || !decision->outcome.changed) &&
      decided_again_once_durable(self, command, deliver))
    return;
  if (!decision) {
    reject(self, context, decision.failure(), std::move(deliver));
    return;
  }
  const auto& operation = decision->outcome.operation;
  const bool changed = decision->outcome.changed;
  if (changed) {
    auto next = apply_deltas(*state.current, decision->outcome.deltas);
    if (!next) {
      if (decided_again_once_durable(self, command, deliver)) return;
      reject(self, context, next.failure(), std::move(deliver));
      return;
    }
    state.current = *next;
    auto& ahead = state.operations_ahead[{operation.kind, operation.id}];
    ahead.operation = operation;
    ++ahead.records_in_flight;
  }
  commit_decision(self, std::move(decision->record), context,
                  operation_result{{}, operation, changed},
                  [self, changed, key = std::make_pair(operation.kind, operation.id),
                   deliver = std::move(deliver)](rendered_response response, bool durable) {
                    auto& ahead = self->state.operations_ahead;
                    if (auto found = ahead.find(key);
                        changed && found != ahead.end() && --found->second.records_in_flight == 0)
                      ahead.erase(found);
                    deliver(std::move(response), durable);
                  });
}

void decide_fund(self_pointer self, const fund_request& request, verdict_sink sink,
                 bool reloaded = false) {
  auto& state = self->state;
  const auto& context = request.context;
  auto reject_funding = [&](escrowd::error failure) {
    reject(self, context, failure, [sink, failure](rendered_response response, bool) {
      sink(fund_verdict{failure, {}, std::move(response)});
    });
    if (context.on_decided) context.on_decided();
  };
  if (!state.current) {
    reject_funding({error_code::not_found, "payer"});
    return;
  }
  auto outcome = fund_task(request.current, *state.current, context.actor, context.now);
  // Made only on a shortfall: it copies the request, task included.
  auto fund_again = [&] {
    return [=]() mutable { decide_fund(self, request, std::move(sink), true); };
  };
  if (!outcome) {
    if (!reloaded_before_refusing(self, outcome.failure(), reloaded, fund_again()))
      reject_funding(outcome.failure());
    return;
  }
  storage::commit_record record;
  record.decided_in_opening = request.task_loaded_in_opening;
  if (outcome->changed) {
    auto next = apply_deltas(*state.current, outcome->deltas);
    if (!next) {
      if (!reloaded_before_refusing(self, next.failure(), reloaded, fund_again()))
        reject_funding(next.failure());
      return;
    }
    state.current = std::move(*next);
    record.account_deltas = std::move(outcome->deltas);
    record.entry = std::move(outcome->entry);
  }
  // Rendered first, so the task is copied once (into the record) and then moves on to the
  // verdict.
  operation_result result{{}, std::move(outcome->task), outcome->changed};
  auto rendered = context.render(result);
  auto& funded_task = std::get<task>(result.object);
  if (result.changed)
    (request.is_new ? record.task_creates : record.task_updates).push_back(funded_task);
  commit_decision(
      self, std::move(record), context, std::move(rendered),
      [sink, funded = std::move(funded_task)](rendered_response response, bool durable) mutable {
        if (durable)
          sink(fund_verdict{{}, std::move(funded), std::move(response)});
        else
          sink(fund_verdict{
              escrowd::error{error_code::storage_failed, {}}, {}, std::move(response)});
      });
  if (context.on_decided) context.on_decided();
}

void decide(self_pointer self, const account_command& command,
            std::function<void(rendered_response, bool)> deliver) {
  switch (command.kind) {
    case account_command_kind::create:
      return decide_create(self, command, std::move(deliver));
    case account_command_kind::request_topup:
    case account_command_kind::request_withdrawal:
      return decide_processor_request(self, command, std::move(deliver));
    case account_command_kind::settle_operation:
    case account_command_kind::reschedule_operation:
    case account_command_kind::park_operation:
    case account_command_kind::retry_operation:
    case account_command_kind::cancel_operation:
      return decide_operation_command(self, command, std::move(deliver));
  }
}

}  // namespace

account_actor::behavior_type account_actor_behavior(
    account_actor::stateful_pointer<account_actor_state> self, std::string id,
    storage::ledger_store* store, storage_writer_ref writer, directory_actor directory) {
  bind_entity(self->state, std::move(id), store, std::move(writer), std::move(directory));
  return {
      [=](account_command& command) {
        take_id_if_vacant(self, command.account_id);
        auto promise = self->make_response_promise<rendered_response>();
        when_ready(
            self,
            [self, promise](account_command& held) mutable {
              decide(self, held, [promise](rendered_response response, bool) mutable {
                promise.deliver(std::move(response));
              });
            },
            command);
        return promise;
      },
      [=](account_command& command, answer_slot& slot) {
        take_id_if_vacant(self, command.account_id);
        when_ready(
            self,
            [self](account_command& held, answer_slot& answer) {
              decide(self, held, [answer](rendered_response response, bool) {
                answer.answer(std::move(response));
              });
            },
            command, slot);
      },
      [=](fund_request& request) {
        take_id_if_vacant(self, request.current.payer);
        auto promise = self->make_response_promise<fund_verdict>();
        when_ready(
            self,
            [self, promise](fund_request& held) mutable {
              decide_fund(self, held, [promise](fund_verdict verdict) mutable {
                promise.deliver(std::move(verdict));
              });
            },
            request);
        return promise;
      },
      [=](commit_answers& answers) { take_commit_answers(self, answers); },
      [=](retire_atom) { request_retire(self); },
      [=](reload_atom) { retry_reload(self); },
  };
}

}  // namespace escrowd::actors
