// The last step every deciding actor takes: render the response once, put it into the
// idempotency record of the request (if it carried a key), commit the record through the
// storage writer, and answer only once the record is durable.
// Thread affinity: called from within an actor's handler; callbacks run on that actor.
#pragma once

#include <caf/event_based_actor.hpp>
#include <functional>

#include "actors/actors.hpp"
#include "actors/commit_queue.hpp"
#include "actors/commit_waiters.hpp"

namespace escrowd::actors {

// The base of the timeouts of requests between entities (a task asking its payer to fund
// it): CAF 0.17 has no broken_promise, so a request to an actor that may die without
// answering must carry a finite timeout.
inline constexpr auto commit_timeout = std::chrono::seconds(30);

// Fills record.idempotency from the context and the rendered response, unless the
// response is a 400 that changed nothing (never stored: api.md).
void attach_idempotency(storage::commit_record& record, const request_context& context,
                        const rendered_response& response);

// Whether the record carries anything to write.
[[nodiscard]] bool has_effect(const storage::commit_record& record);

// The response for an error that happened after the decision (storage refused or failed):
// never stored, so a retry with the same key runs again.
[[nodiscard]] rendered_response render_failure(const request_context& context,
                                               const escrowd::error& failure);

// The failure a caller hears for a record the writer refused. One refused because its
// idempotency key was taken meanwhile is the retry of a request the caller's deadline gave
// up on (which released the key) while that request went on: to the client the key is
// still in use, and a later retry replays the first answer (api.md: 409
// idempotency_key_in_use), rather than a bare already_exists.
[[nodiscard]] escrowd::error answered_failure(const escrowd::error& refused);

// Runs the waiter `answer` names (taken out first: it may commit again): on_durable with the
// rendered response and the record's journal sequence, or on_failure with the failure
// rendered.
void answer_commit(commit_waiters& waiters, const commit_answer& answer);

// Renders `result`, commits `record` (+ idempotency), then calls `on_durable(response,
// sequence of its journal entry or 0)` or `on_failure(response, error)` on the actor's
// thread. A record with no effect and no idempotency key is answered without a commit.
// Self's state holds a commit_waiters `commits`, and Self handles `commit_answers` with
// take_commit_answers.
template <class Self>
void commit_then(Self* self, const storage_writer_ref& writer, storage::commit_record record,
                 const request_context& context, const operation_result& result,
                 std::function<void(rendered_response, std::uint64_t)> on_durable,
                 std::function<void(rendered_response, escrowd::error)> on_failure);

// As commit_then, with the response rendered by the caller: a decided task can then move
// into the record once rendered instead of being copied for the rendering.
template <class Self>
void commit_rendered(Self* self, const storage_writer_ref& writer, storage::commit_record record,
                     const request_context& context, rendered_response response,
                     std::function<void(rendered_response, std::uint64_t)> on_durable,
                     std::function<void(rendered_response, escrowd::error)> on_failure) {
  attach_idempotency(record, context, response);
  if (!has_effect(record)) {
    on_durable(std::move(response), 0);
    return;
  }
  // Here, on the deciding actor's thread, rather than in the storage writer, the stage
  // every commit passes one at a time.
  storage::encode_tasks(record);
  // No timeout: the writer answers every record it takes (a failed batch answers each),
  // and the bridge's deadline bounds what a caller waits if it never does.
  const auto waiter = self->state.commits.wait(context.render, std::move(response),
                                               std::move(on_durable), std::move(on_failure));
  if (writer.queue->push(std::move(record), {self->ctrl(), waiter}))
    self->send(writer.actor, flush_atom::value);
}

// The `commit_answers` handler of an actor that commits with commit_rendered: runs each
// record's waiter, in the order the writer answered them.
template <class Self>
void take_commit_answers(Self* self, commit_answers& answers) {
  answer_commit(self->state.commits, answers.first);
  for (auto& answer : answers.more) answer_commit(self->state.commits, answer);
}

template <class Self>
void commit_then(Self* self, const storage_writer_ref& writer, storage::commit_record record,
                 const request_context& context, const operation_result& result,
                 std::function<void(rendered_response, std::uint64_t)> on_durable,
                 std::function<void(rendered_response, escrowd::error)> on_failure) {
  commit_rendered(self, writer, std::move(record), context, context.render(result),
                  std::move(on_durable), std::move(on_failure));
}

}  // namespace escrowd::actors
