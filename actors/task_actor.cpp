#include "actors/task_actor.hpp"

#include <memory>

#include "actors/reply.hpp"
#include "actors/store_reads.hpp"

namespace escrowd::actors {

bool task_actor_state::reload() {
  lifecycle.loaded_in_opening = store->opening();
  auto row = optional_row(store->get_task(id));
  if (!row) return false;
  current = *row;
  return true;
}

namespace {

using self_pointer = task_actor::stateful_pointer<task_actor_state>;
using deliverer = std::function<void(rendered_response)>;

action action_for(task_command_kind kind) {
  switch (kind) {
    case task_command_kind::create:
    case task_command_kind::create_funded:
      return action::create_task;
    case task_command_kind::assign:
      return action::assign_task;
    case task_command_kind::fund:
      return action::fund_task;
    case task_command_kind::submit:
      return action::submit_task;
    case task_command_kind::approve:
      return action::approve_task;
    case task_command_kind::dispute:
      return action::dispute_task;
    case task_command_kind::resolve:
      return action::resolve_task;
    case task_command_kind::cancel:
      return action::cancel_task;
    case task_command_kind::lapse_review_window:
      return action::approve_task;
  }
  return action::read_task;
}

// Who may send this command to the task as it is now; the error if nobody may.
std::optional<escrowd::error> refusal(const task_command& command, const task& current) {
  if (command.kind == task_command_kind::lapse_review_window) return std::nullopt;  // internal
  const resource_scope scope{current.payer, current.payer, current.worker};
  switch (authorize(command.context.principal, action_for(command.kind), scope)) {
    case access::allowed:
      return std::nullopt;
    case access::forbidden:
      return escrowd::error{error_code::permission_denied, {}};
    case access::hidden:
      return escrowd::error{error_code::not_found, "id"};
  }
  return escrowd::error{error_code::permission_denied, {}};
}

// Answers without storing anything: the request was refused before it began executing
// (unknown object, no permission), so a retry with the same key runs again.
void refuse(const task_command& command, escrowd::error failure, const deliverer& deliver) {
  deliver(command.context.render(operation_result{std::move(failure), {}, false}));
}

void decide(self_pointer self, const task_command& command, deliverer deliver);

// An answer that writes nothing of the task waits for the task's records in flight
// (entity_lifecycle.hpp): true if the command was taken back, to be decided again.
bool decided_again_once_durable(self_pointer self, const task_command& command,
                                const deliverer& deliver) {
  return decide_again_once_durable(self,
                                   [self, command, deliver] { decide(self, command, deliver); });
}

void commit_decision(self_pointer self, storage::commit_record record,
                     const request_context& context, rendered_response rendered,
                     deliverer deliver) {
  begin_commit(self);
  stamp_opening(record, self->state.lifecycle);
  // Both handlers share the deliverer: a copy of it (the caller's promise) is an allocation.
  auto shared_deliver = std::make_shared<const deliverer>(std::move(deliver));
  // The accounts this record credits are not told: their actors find credits on disk when
  // a debit would otherwise fall short (account_actor.hpp).
  commit_rendered(
      self, self->state.writer, std::move(record), context, std::move(rendered),
      [self, shared_deliver](rendered_response response, std::uint64_t) {
        (*shared_deliver)(std::move(response));
        end_commit(self, true);
      },
      [self, shared_deliver](rendered_response response, escrowd::error) {
        (*shared_deliver)(std::move(response));
        end_commit(self, false);
      });
}

void commit_decision(self_pointer self, storage::commit_record record,
                     const request_context& context, const operation_result& result,
                     deliverer deliver) {
  commit_decision(self, std::move(record), context, context.render(result), std::move(deliver));
}

void decide_outcome(self_pointer self, const task_command& command, result<task_outcome> outcome,
                    bool is_new, deliverer deliver) {
  const auto& context = command.context;
  if ((!outcome || !outcome->changed) && decided_again_once_durable(self, command, deliver)) return;
  if (!outcome) {
    commit_decision(self, {}, context, operation_result{outcome.failure(), {}, false},
                    std::move(deliver));
    return;
  }
  // Rendered first, so the task is copied once (into this actor's state) and then moves
  // into the record.
  operation_result result{{}, std::move(outcome->task), outcome->changed};
  auto rendered = context.render(result);
  storage::commit_record record;
  if (result.changed) {
    auto& decided = std::get<task>(result.object);
    self->state.current = decided;
    (is_new ? record.task_creates : record.task_updates).push_back(std::move(decided));
    record.account_deltas = std::move(outcome->deltas);
    record.entry = std::move(outcome->entry);
  }
  commit_decision(self, std::move(record), context, std::move(rendered), std::move(deliver));
}

// Funding is decided by the payer's account actor; this task waits for its verdict.
void ask_payer_to_fund(self_pointer self, const task_command& command, task current, bool is_new,
                       deliverer deliver) {
  auto& life = self->state.lifecycle;
  life.busy = true;
  fund_request request{std::move(current), is_new, life.loaded_in_opening, command.context};
  // No timeout of our own: the payer answers once its record is durable (or refused), and
  // CAF answers with an error if the payer's actor dies first. The caller's deadline is the
  // bridge's; a CAF request timeout would cost a trip through CAF's clock thread per
  // funding, and could free the task while the payer still commits the funding.
  // Both handlers share the deliverer, and the failure handler keeps only the renderer: a
  // copy of the command (its strings) or of the deliverer (the caller's promise) costs
  // allocations on every funding.
  auto shared_deliver = std::make_shared<const deliverer>(std::move(deliver));
  self->request(self->state.directory, caf::infinite, std::move(request))
      .then(
          // By reference: the verdict is this handler's alone, so its rendered answer moves
          // on instead of being copied.
          [self, shared_deliver](fund_verdict& verdict) {
            if (verdict.funded) self->state.current = std::move(*verdict.funded);
            if (verdict.outcome.code() == error_code::storage_failed)
              self->state.lifecycle.stale = true;
            self->state.lifecycle.busy = false;
            (*shared_deliver)(std::move(verdict.response));
            drain(self);
          },
          [self, shared_deliver, render = command.context.render](const caf::error&) {
            self->state.lifecycle.busy = false;
            self->state.lifecycle.stale = true;  // the payer may still commit it
            (*shared_deliver)(
                render(operation_result{escrowd::error{error_code::timeout, {}}, {}, false}));
            drain(self);
          });
}

void decide_create(self_pointer self, const task_command& command, deliverer deliver) {
  auto& state = self->state;
  const auto& context = command.context;
  if (state.current) {
    if (decided_again_once_durable(self, command, deliver)) return;
    commit_decision(self, {}, context,
                    operation_result{escrowd::error{error_code::already_exists, "id"}, {}, false},
                    std::move(deliver));
    return;
  }
  const resource_scope scope{command.payer, command.payer, {}};
  switch (authorize(context.principal, action::create_task, scope)) {
    case access::allowed:
      break;
    case access::forbidden:
    case access::hidden:
      return refuse(command, {error_code::permission_denied, "payer"}, deliver);
  }
  // Creation reads an account's id and currency only, which never change: kept ones are
  // not read again. One snapshot for the rest: each costs a read transaction from the pool.
  std::optional<storage::read_snapshot> snapshot;
  std::optional<escrowd::error> unreadable;
  auto identity = [&](const std::string& id) -> std::optional<account> {
    if (state.identities != nullptr)
      if (auto code = state.identities->find(id)) {
        account known;  // balances unknown: what create_task does not read
        known.id = id;
        known.currency = *code;
        return known;
      }
    if (!snapshot) {
      auto taken = state.store->snapshot();
      if (!taken) {
        unreadable = taken.failure();
        return std::nullopt;
      }
      snapshot.emplace(std::move(*taken));
    }
    auto row = optional_row(snapshot->get_account(id));
    if (!row || !*row) return std::nullopt;
    if (state.identities != nullptr) state.identities->keep(id, (*row)->currency);
    return std::move(**row);
  };
  auto payer = identity(command.payer);
  if (unreadable) return refuse(command, *unreadable, deliver);
  if (!payer) return refuse(command, {error_code::not_found, "payer"}, deliver);
  std::optional<account> worker;
  if (!command.create.worker.empty()) {
    worker = identity(command.create.worker);
    if (unreadable) return refuse(command, *unreadable, deliver);
    if (!worker) return refuse(command, {error_code::not_found, "worker"}, deliver);
  }
  auto created = create_task(command.create, *payer, worker ? &*worker : nullptr, context.now);
  if (command.kind == task_command_kind::create_funded && created)
    return ask_payer_to_fund(self, command, std::move(created->task), true, std::move(deliver));
  decide_outcome(self, command, std::move(created), true, std::move(deliver));
}

result<task_outcome> decide_transition(self_pointer self, const task_command& command) {
  const task& current = *self->state.current;
  const auto& context = command.context;
  switch (command.kind) {
    case task_command_kind::submit:
      return submit_task(current, command.text, context.actor, context.now);
    case task_command_kind::approve:
      return approve_task(current, context.actor, context.now);
    case task_command_kind::dispute:
      return dispute_task(current, command.text, context.actor, context.now);
    case task_command_kind::resolve:
      return resolve_task(current, command.worker_amount, context.actor, context.now);
    case task_command_kind::cancel:
      return cancel_task(current, context.actor, context.now);
    case task_command_kind::lapse_review_window:
      return lapse_review_window(current, context.now);
    default:
      return escrowd::error{error_code::internal, {}};
  }
}

void decide(self_pointer self, const task_command& command, deliverer deliver) {
  auto& state = self->state;
  if (command.kind == task_command_kind::create || command.kind == task_command_kind::create_funded)
    return decide_create(self, command, std::move(deliver));
  if (!state.current) return refuse(command, {error_code::not_found, "id"}, deliver);
  if (auto refused = refusal(command, *state.current)) {
    if (decided_again_once_durable(self, command, deliver)) return;
    return refuse(command, *refused, deliver);
  }

  if (command.kind == task_command_kind::fund)
    return ask_payer_to_fund(self, command, *state.current, false, std::move(deliver));
  if (command.kind == task_command_kind::assign) {
    auto worker = optional_row(state.store->get_account(command.worker));
    if (!worker || !*worker) return refuse(command, {error_code::not_found, "worker"}, deliver);
    return decide_outcome(
        self, command,
        assign_task(*state.current, **worker, command.context.actor, command.context.now), false,
        std::move(deliver));
  }
  decide_outcome(self, command, decide_transition(self, command), false, std::move(deliver));
}

// Once per id: the directory retires this actor when nothing of it is in flight any more.
void tell_if_settled(self_pointer self) {
  auto& state = self->state;
  if (state.settled_told || !state.current || !is_settled(state.current->state)) return;
  state.settled_told = true;
  self->send(state.directory, settled_atom::value, state.id);
}

}  // namespace

task_actor::behavior_type task_actor_behavior(task_actor::stateful_pointer<task_actor_state> self,
                                              std::string id, storage::ledger_store* store,
                                              storage_writer_ref writer, directory_actor directory,
                                              account_identities* identities) {
  bind_entity(self->state, std::move(id), store, std::move(writer), std::move(directory));
  self->state.identities = identities;
  return {
      [=](task_command& command) {
        take_id_if_vacant(self, command.task_id);
        auto promise = self->make_response_promise<rendered_response>();
        when_ready(
            self,
            [self, promise](task_command& held) mutable {
              decide(self, held, [promise](rendered_response response) mutable {
                promise.deliver(std::move(response));
              });
              tell_if_settled(self);
            },
            command);
        return promise;
      },
      [=](task_command& command, answer_slot& slot) {
        take_id_if_vacant(self, command.task_id);
        when_ready(
            self,
            [self](task_command& held, answer_slot& answer) {
              decide(self, held,
                     [answer](rendered_response response) { answer.answer(std::move(response)); });
              tell_if_settled(self);
            },
            command, slot);
      },
      [=](commit_answers& answers) { take_commit_answers(self, answers); },
      [=](retire_atom) { request_retire(self); },
      [=](reload_atom) { retry_reload(self); },
  };
}

}  // namespace escrowd::actors
