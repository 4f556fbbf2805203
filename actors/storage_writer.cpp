#include "actors/storage_writer.hpp"

#include <caf/actor_cast.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <chrono>
#include <span>

#include "actors/limits.hpp"
#include "actors/telemetry/commit_observer.hpp"
#include "actors/telemetry/log.hpp"
#include "actors/wall_clock.hpp"
#include "storage/limits.hpp"

namespace escrowd::actors {
namespace {

void arm_recovery(storage_writer_actor::stateful_pointer<storage_writer_state> self) {
  auto& state = self->state;
  if (state.recovery != storage_writer_state::recovery_stage::idle) return;
  state.recovery = storage_writer_state::recovery_stage::armed;
  self->delayed_send(self, storage_recovery_interval, resume_atom::value);
}

// Reopens the store once the cause of its sticky failure is gone; what the actors decided
// before it reopened is refused (commit_record::decided_in_opening), so they reload first.
void try_recovery(storage_writer_actor::stateful_pointer<storage_writer_state> self) {
  using recovery = storage::ledger_store::recovery;
  auto& state = self->state;
  state.recovery = storage_writer_state::recovery_stage::idle;
  switch (state.store->recover_from_failure()) {
    case recovery::reopened:
      if (state.failure_logged) telemetry::process_logger().info("storage recovered", {});
      state.failure_logged = false;
      return;
    case recovery::not_yet:
      arm_recovery(self);
      return;
    case recovery::needs_restart:
      state.recovery = storage_writer_state::recovery_stage::abandoned;
      telemetry::process_logger().error(
          "storage stays failed until a restart",
          {{"system_code", state.store->stats().failure_system_code}});
      return;
  }
}

// Answers every record of a committed batch: one message per run of records queued by
// one actor (a hot payer's fundings of a batch mostly come one after another), naming each
// record's waiter (commit_waiters.hpp).
void answer_batch(storage_writer_actor::stateful_pointer<storage_writer_state> self,
                  storage::batch_result& batch) {
  auto& replies = self->state.replies;
  const auto writer = caf::actor_cast<caf::strong_actor_ptr>(self);
  std::size_t i = 0;
  while (i < replies.size()) {
    auto& requester = replies[i].requester;
    if (!requester) {
      ++i;
      continue;
    }
    auto outcome_of = [&](std::size_t at) {
      return commit_answer{replies[at].waiter, at < batch.records.size()
                                                   ? std::move(batch.records[at])
                                                   : storage::commit_result{batch.outcome, 0}};
    };
    commit_answers answers{outcome_of(i), {}};
    std::size_t next = i + 1;
    while (next < replies.size() && replies[next].requester == requester)
      answers.more.push_back(outcome_of(next++));
    requester->enqueue(writer, caf::make_message_id(), caf::make_message(std::move(answers)),
                       self->context());
    i = next;
  }
}

// Commits what the writer took from its queue as one batch, then answers every record.
void commit_taken(storage_writer_actor::stateful_pointer<storage_writer_state> self) {
  auto& state = self->state;
  if (state.records.empty()) return;
  const auto started = std::chrono::steady_clock::now();
  auto batch = state.store->commit_batch(std::span<const storage::commit_record>(state.records));
  const auto elapsed = std::chrono::steady_clock::now() - started;
  // Before the replies (about 25 ns a record): a client that got its answer and then reads
  // /metrics must find its commit counted.
  if (state.observer != nullptr) state.observer->observe_batch(state.records, batch, elapsed);
  answer_batch(self, batch);
  if (!batch.outcome.ok() && !state.failure_logged)
    telemetry::process_logger().error(
        "storage batch failed",
        {{"code", describe(batch.outcome.code()).code}, {"records", state.records.size()}});
  state.failure_logged = !batch.outcome.ok();
  // Asked only after a failed batch: failed() takes the store's statistics lock.
  if (!batch.outcome.ok() && state.store->failed()) arm_recovery(self);
  // The records were allocated by the deciding actors' threads; freed here, on a thread
  // that never allocates them, they overflow its allocation cache and go back through
  // their arenas' locks (about a sixth of the writer's time). The disposer frees them
  // where they are allocated again.
  const auto batch_size = state.records.size();
  state.replies.clear();
  caf::anon_send(state.disposer, std::move(state.records));
  state.records = {};
  state.records.reserve(batch_size);
}

// Owns nothing and answers nothing: a batch's records are freed with the message. A class,
// not a function: CAF 0.17 spawns a function without arguments through a null
// std::shared_ptr<std::tuple<>> (undefined behaviour, reported by UBSan).
class record_disposer final : public caf::event_based_actor {
 public:
  using caf::event_based_actor::event_based_actor;

  caf::behavior make_behavior() override {
    return {[](const std::vector<storage::commit_record>&) {}};
  }
};

}  // namespace

storage_writer_actor::behavior_type storage_writer(
    storage_writer_actor::stateful_pointer<storage_writer_state> self, storage::ledger_store* store,
    std::shared_ptr<commit_queue> queue, telemetry::commit_observer* observer,
    storage_writer_settings settings) {
  self->state.store = store;
  self->state.settings = settings;
  self->state.queue = std::move(queue);
  self->state.observer = observer;
  self->state.disposer = self->spawn<record_disposer>();
  self->delayed_send(self, reap_interval, reap_atom::value);
  return {
      [=](flush_atom) {
        auto& state = self->state;
        // Everything queued until now (what queued up while the previous batch synced):
        // no timer when idle, bigger batches under load.
        const bool more =
            state.queue->take(state.records, state.replies, storage::batch_records_max);
        commit_taken(self);
        // Sampled once per batch, after it: the records that queued up while it synced,
        // which is the writer's backlog now that they skip its mailbox (0 once idle: a
        // sample taken before the commit stayed at the last batch's size until the next).
        if (auto* watching = state.observer)
          watching->sink().set_mailbox_backlog(telemetry::mailbox_owner::storage_writer,
                                               state.queue->size());
        if (more) self->send(self, flush_atom::value);
      },
      [=](reap_atom) {
        // A full chunk means more may be due: look again right after queued records.
        auto& ledger_store = *self->state.store;
        const auto now = unix_now();
        auto reaped = ledger_store.reap_expired_idempotency(now, reap_chunk_records);
        bool more = reaped && *reaped == reap_chunk_records;
        if (reaped) {
          reaped = ledger_store.reap_webhook_events(
              now - self->state.settings.webhook_event_retention.count(), reap_chunk_records);
          more = more || (reaped && *reaped == reap_chunk_records);
        }
        // A reap that failed (a full disk) fails the store as a batch would; with nothing
        // else to write (a server that is not ready gets no writes) only this reopens it.
        if (!reaped && ledger_store.failed()) {
          if (!self->state.failure_logged)
            telemetry::process_logger().error("storage reap failed",
                                              {{"code", describe(reaped.code()).code}});
          self->state.failure_logged = true;
          arm_recovery(self);
        }
        if (more)
          self->send(self, reap_atom::value);
        else
          self->delayed_send(self, reap_interval, reap_atom::value);
      },
      [=](resume_atom) { try_recovery(self); },
  };
}

}  // namespace escrowd::actors
