#include "actors/reply.hpp"

namespace escrowd::actors {

void attach_idempotency(storage::commit_record& record, const request_context& context,
                        const rendered_response& response) {
  if (!context.idempotency) return;
  // api.md: a 400 is a request that was invalid, found so while executing (a worker's
  // currency, a split larger than the task) or before: nothing changed, and it is not
  // stored, so the corrected request runs under the same key.
  if (response.status == 400 && !has_effect(record)) return;
  const auto& claim = *context.idempotency;
  storage::idempotency_record stored;
  stored.scope = claim.scope;
  stored.key = claim.key;
  stored.fingerprint = claim.fingerprint;
  stored.endpoint = claim.endpoint;
  stored.status_code = response.status;
  stored.response_body = response.stored_body ? *response.stored_body : response.body;
  stored.request_id = claim.request_id;
  stored.created_at = claim.created_at;
  stored.expires_at = claim.expires_at;
  record.idempotency = std::move(stored);
}

bool has_effect(const storage::commit_record& record) {
  return !record.account_creates.empty() || !record.account_deltas.empty() ||
         !record.task_creates.empty() || !record.task_updates.empty() ||
         !record.operation_creates.empty() || !record.operation_updates.empty() ||
         record.entry.has_value() || record.idempotency.has_value() ||
         !record.outbox_puts.empty() || !record.outbox_deletes.empty() ||
         !record.api_key_creates.empty() || !record.api_key_revocations.empty() ||
         !record.webhook_events.empty();
}

escrowd::error answered_failure(const escrowd::error& refused) {
  if (refused.code == error_code::already_exists && refused.param == "idempotency_key")
    return escrowd::error{error_code::idempotency_key_in_use, {}};
  return refused;
}

void answer_commit(commit_waiters& waiters, const commit_answer& answer) {
  auto waiter = waiters.take(answer.waiter);
  if (!waiter) return;  // not waiting: never, as the writer answers each record once
  const auto& committed = answer.result;
  if (committed.outcome.ok()) {
    waiter->on_durable(std::move(waiter->response), committed.sequence);
    return;
  }
  const auto failure = answered_failure(committed.outcome.failure());
  waiter->on_failure(waiter->render(operation_result{failure, std::monostate{}, false}), failure);
}

rendered_response render_failure(const request_context& context, const escrowd::error& failure) {
  return context.render(operation_result{failure, std::monostate{}, false});
}

}  // namespace escrowd::actors
