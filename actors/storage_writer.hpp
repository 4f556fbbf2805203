// storage_writer: the detached actor that owns LMDB's single write transaction and group
// commits (protocol: storage_writer_actor in actors.hpp). Spawned `detached` because a
// commit blocks on fsync and must not stall a scheduler thread.
// Lifetime: the store outlives the actor; the composition root owns both.
#pragma once

#include <caf/actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "actors/actors.hpp"
#include "actors/commit_queue.hpp"
#include "actors/limits.hpp"
#include "storage/ledger_store.hpp"

namespace escrowd::actors::telemetry {
class commit_observer;
}

namespace escrowd::actors {

// The writer's upkeep between batches (defaults in actors/limits.hpp).
struct storage_writer_settings {
  // How long a processed webhook event is kept so a redelivery is recognised: past the
  // processor's retry window (Stripe retries for 3 days), then reaped.
  std::chrono::seconds webhook_event_retention = webhook_event_retention_default;
};

struct storage_writer_state {
  storage::ledger_store* store = nullptr;
  storage_writer_settings settings;
  std::shared_ptr<commit_queue> queue;  // where the deciding actors put their records
  // The batch being committed, taken from the queue, and where each record's answer goes.
  std::vector<storage::commit_record> records;
  std::vector<commit_reply_address> replies;
  // Frees each committed batch's records on a scheduler thread (record_disposer).
  caf::actor disposer;
  telemetry::commit_observer* observer = nullptr;  // null: metrics off
  bool failure_logged = false;  // one log line per failure, not one per refused batch
  // idle: not failed, or not yet asked; armed: a resume is due (storage_recovery_interval);
  // abandoned: the failure is not one a reopen cures, a restart is needed.
  enum class recovery_stage : std::uint8_t { idle, armed, abandoned };
  recovery_stage recovery = recovery_stage::idle;
  static inline const char* name = "storage_writer";
};

storage_writer_actor::behavior_type storage_writer(
    storage_writer_actor::stateful_pointer<storage_writer_state> self, storage::ledger_store* store,
    std::shared_ptr<commit_queue> queue, telemetry::commit_observer* observer,
    storage_writer_settings settings);

}  // namespace escrowd::actors
