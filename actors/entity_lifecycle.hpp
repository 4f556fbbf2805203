// The lifecycle every entity actor (account, task) shares: a decision runs only while the
// actor's memory matches the disk plus its own in-flight records; after a failed record it
// turns stale, lets what is in flight finish, and reloads before deciding again; `busy`
// holds decisions while a cross-actor decision is out; `retire` makes it give up its id
// once nothing of its own is in flight, telling the directory so the id's next actor
// starts from disk. A retired actor stays, vacant, for the directory to hand to a new
// id: an actor spawned per new id and stopped per retirement cost a spawn, a cleanup and a
// lock of CAF's clock (every stopping actor cancels its timeouts there) per new task once
// the live cap was reached, ~15% of the actors benchmark's rate. `retire` to a vacant
// actor stops it.
// Thread affinity: the owning actor's handlers only.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "actors/actors.hpp"
#include "actors/held_decisions.hpp"
#include "actors/limits.hpp"

namespace escrowd::storage {
class ledger_store;
}

namespace escrowd::actors {

struct entity_lifecycle {
  std::size_t in_flight = 0;
  bool stale = true;  // loads from disk before the first decision
  bool busy = false;
  bool retire_requested = false;
  bool reload_retry_armed = false;  // a reload message is on its way to this actor
  // The store opening (ledger_store::opening) read just before the last reload: the
  // actor's records carry it, and the writer refuses them once the store has reopened.
  std::uint64_t loaded_in_opening = 0;
  held_decisions waiting;

  bool can_decide() const { return !stale && !busy; }
};

// Stamps a record with the earliest opening its decision rests on: what it already carries
// (a funding carries its task's) or this actor's.
inline void stamp_opening(storage::commit_record& record, const entity_lifecycle& life) {
  const auto carried = record.decided_in_opening;
  record.decided_in_opening =
      carried == 0 ? life.loaded_in_opening : std::min(carried, life.loaded_in_opening);
}

// State requirements: `lifecycle`, `id`, `store`, `writer`, `directory`, `kind`,
// `bool reload()` and `void vacate()` (forgets the id and everything loaded for it).
template <class State>
void bind_entity(State& state, std::string id, storage::ledger_store* store,
                 storage_writer_ref writer, directory_actor directory) {
  state.id = std::move(id);
  state.store = store;
  state.writer = std::move(writer);
  state.directory = std::move(directory);
}

template <class Self>
void maybe_retire(Self self) {
  auto& state = self->state;
  auto& life = state.lifecycle;
  if (!life.retire_requested || life.in_flight > 0 || life.busy || !life.waiting.empty()) return;
  self->send(state.directory, retired_atom::value, state.kind, state.id);
  state.vacate();
  life = entity_lifecycle{};
}

// The `retire` handler: give up the id as soon as nothing of this actor's own is in
// flight; a vacant actor stops.
template <class Self>
void request_retire(Self self) {
  if (self->state.id.empty()) return self->quit();
  self->state.lifecycle.retire_requested = true;
  maybe_retire(self);
}

// The `reload` handler: the retry reload_if_stale armed. A vacant actor, or one with
// nothing waiting, has nothing to load for.
template <class Self>
void retry_reload(Self self) {
  auto& life = self->state.lifecycle;
  life.reload_retry_armed = false;
  if (self->state.id.empty() || (life.waiting.empty() && !life.retire_requested)) return;
  drain(self);
}

// A vacant actor serves the id of the first command the directory forwards to it: that is
// how the directory hands it a new id (no message of its own). Its lifecycle is stale, so
// it loads the id from disk before deciding.
template <class Self>
void take_id_if_vacant(Self self, const std::string& id) {
  if (self->state.id.empty()) self->state.id = id;
}

// Reloads a stale actor once nothing of its own is in flight. A reload that fails (the
// store is closed while it reopens after a full disk) is tried again shortly: nothing else
// might come for the id to try it, and the directory holds the id's messages behind a
// retirement that waits for the held decisions.
template <class Self>
void reload_if_stale(Self self) {
  auto& life = self->state.lifecycle;
  if (!life.stale || life.in_flight > 0) return;
  life.stale = !self->state.reload();
  if (!life.stale || life.reload_retry_armed) return;
  life.reload_retry_armed = true;
  self->delayed_send(self, entity_reload_retry_interval, reload_atom::value);
}

template <class Self>
void drain(Self self) {
  auto& life = self->state.lifecycle;
  reload_if_stale(self);
  while (life.can_decide() && !life.waiting.empty()) {
    auto decide = life.waiting.pop_front();
    decide();
  }
  maybe_retire(self);
}

// Runs `decide(parts...)` now if the actor may decide, else when it may again. `parts` are
// the message being handled: decided now, they are used in place; only a decision that
// must wait moves them (~500 instructions for a command) into a std::function (a heap
// allocation).
template <class Self, class Decide, class... Parts>
void when_ready(Self self, Decide decide, Parts&... parts) {
  auto& life = self->state.lifecycle;
  reload_if_stale(self);
  if (!life.can_decide() || !life.waiting.empty()) {
    life.waiting.push_back(
        [decide = std::move(decide), ... held = std::move(parts)]() mutable { decide(held...); });
    // Decisions that waited for a reload that failed before and succeeded just now: nothing
    // in flight is left to drain them.
    if (life.can_decide()) drain(self);
    return;
  }
  decide(parts...);
}

// A decision that writes nothing of its entity (a refusal, a repeat that changes nothing)
// answers from memory, which runs ahead of the disk while the actor's records are in
// flight: were one of them to fail, the answer would tell of a state the ledger never
// reached (a repeated submit answered "submitted" while the first is refused for a full
// disk). Such a decision is taken back and made again once they are durable, from the
// disk (the actor reloads: stale), ahead of what arrived meanwhile. Returns whether
// `decide_again` was taken; the caller then answers nothing now.
template <class Self, class Decide>
bool decide_again_once_durable(Self self, Decide&& decide_again) {
  auto& life = self->state.lifecycle;
  if (life.in_flight == 0) return false;
  life.stale = true;
  life.waiting.push_front(std::forward<Decide>(decide_again));
  return true;
}

template <class Self>
void begin_commit(Self self) {
  ++self->state.lifecycle.in_flight;
}

// `durable` false: memory may be ahead of the disk.
template <class Self>
void end_commit(Self self, bool durable) {
  auto& life = self->state.lifecycle;
  if (!durable) life.stale = true;
  --life.in_flight;
  if (life.in_flight == 0) drain(self);
}

}  // namespace escrowd::actors
