// storage_writer: the detached actor that owns LMDB's single write transaction and group
// commits (protocol: storage_writer_actor in actors.hpp). Spawned `detached` because a
// commit blocks on fsync and must not stall a scheduler thread.
// Lifetime: the store outlives the actor; the composition root owns both.
#pragma once

#include <caf/actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <cstdint>
#include <vector>

#include "actors/actors.hpp"
#include "storage/ledger_store.hpp"

namespace escrowd::actors::telemetry {
class commit_observer;
}

namespace escrowd::actors {

struct storage_writer_state {
  storage::ledger_store* store = nullptr;
  std::vector<storage::commit_record> records;
  std::vector<caf::typed_response_promise<storage::commit_result>> promises;
  // Frees each committed batch's records on a scheduler thread (record_disposer).
  caf::actor disposer;
  telemetry::commit_observer* observer = nullptr;  // null: metrics off
  bool failure_logged = false;  // one log line per failure, not one per refused batch
  static inline const char* name = "storage_writer";
};

storage_writer_actor::behavior_type storage_writer(
    storage_writer_actor::stateful_pointer<storage_writer_state> self, storage::ledger_store* store,
    telemetry::commit_observer* observer);

}  // namespace escrowd::actors
