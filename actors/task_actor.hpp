// task_actor: one per task (protocol: task_actor in actors.hpp). It decides the task's
// transitions with the engine and authorizes each command against the task as it is (the
// payer and worker can change only here, so there is no check-then-act gap). Funding goes
// to the payer's account actor, the holder of the balance constraint; while that decision
// is out the task queues its other commands. Releases, refunds and resolutions are
// committed here; the credited accounts' actors are not told (account_actor.hpp).
// Lifetime: spawned by the directory on first use; retires when idle, or as soon as its
// task is settled (released, resolved, cancelled): a settled task takes no transition any
// more, so keeping its actor for the idle timeout only grew the live set (the directory's
// maps, the actors' memory) with every finished task. A later command for it (an approve
// repeated) reaches a fresh actor that loads the row; reads never go through the actor.
#pragma once

#include <caf/typed_event_based_actor.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "actors/account_identities.hpp"
#include "actors/actors.hpp"
#include "actors/commit_waiters.hpp"
#include "actors/entity_lifecycle.hpp"
#include "storage/ledger_store.hpp"

namespace escrowd::actors {

struct task_actor_state {
  std::string id;
  std::optional<task> current;  // empty: no such task on disk (yet)
  entity_lifecycle lifecycle;
  commit_waiters commits;     // this actor's records in flight (reply.hpp)
  bool settled_told = false;  // the directory knows this task is settled
  storage::ledger_store* store = nullptr;
  storage_writer_ref writer;
  directory_actor directory;
  account_identities* identities = nullptr;  // null: every creation reads its accounts
  static constexpr entity_kind kind = entity_kind::task;
  static inline const char* name = "task";

  // Reads the durable row; false if storage could not be read (stays stale).
  bool reload();
  void vacate() {
    id.clear();
    current.reset();
    settled_told = false;
  }
};

task_actor::behavior_type task_actor_behavior(task_actor::stateful_pointer<task_actor_state> self,
                                              std::string id, storage::ledger_store* store,
                                              storage_writer_ref writer, directory_actor directory,
                                              account_identities* identities);

}  // namespace escrowd::actors
