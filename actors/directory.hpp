// directory: the id -> live actor map of accounts and tasks (protocol: directory_actor in
// actors.hpp). It spawns an entity's actor on first use and forwards (delegates) every
// message to it. It retires actors that were idle for a while (a few hundred per turn, so
// requests are not held up behind them), and past a cap the least recently used one for
// each new one, so memory stays bounded with millions of accounts. While an actor
// retires, messages for its id are held, and forwarded to a fresh actor (which loads from
// disk) only once the old one reported that all its records are durable. A retired actor
// is kept, vacant, and rebound to the next new id instead of spawning one.
// Lifetime: one per actor system; the store and writer outlive it.
#pragma once

#include <caf/typed_event_based_actor.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/account_identities.hpp"
#include "actors/actors.hpp"
#include "actors/limits.hpp"
#include "actors/telemetry/mailbox_backlog.hpp"
#include "storage/ledger_store.hpp"

namespace escrowd::actors::telemetry {
class metrics;
}

namespace escrowd::actors {

struct directory_config {
  std::size_t live_actors_max = live_actors_max_default;
  std::chrono::steady_clock::duration idle_timeout = actor_idle_timeout_default;
  std::chrono::steady_clock::duration sweep_interval = directory_sweep_interval_default;
  telemetry::metrics* metrics = nullptr;     // null: metrics off; outlives the directory
  account_identities* identities = nullptr;  // null: none kept; outlives the directory
};

// Ids of live, not retiring actors, most recently used first.
using recency_list = std::list<const std::string*>;

template <class Handle>
struct directory_entry {
  Handle handle;  // also kept while retiring, so that shutdown can stop it
  std::chrono::steady_clock::time_point last_used;
  bool retiring = false;
  // Forwarded once retired. Not bounded here: a retirement waits only for the actor's own
  // records to be durable, and what arrives meanwhile is bounded by the callers' requests
  // in flight (the HTTP layer's connections and pipelining limits).
  std::vector<std::function<void(const Handle&)>> held;
  recency_list::iterator recency;  // valid while live, not retiring
};

// One kind's actors. The recency list makes eviction cheap and smooth: past the cap, each
// new actor retires the least recently used one (a sweep that retired every excess actor
// at once held every request up behind the burst: p99 of account creation over HTTP
// ~250 ms against ~18 ms without evictions), and the idle are found at its tail.
template <class Handle>
struct entity_table {
  std::unordered_map<std::string, directory_entry<Handle>> entries;
  recency_list recency;
  std::size_t cap = 0;         // live, not retiring actors of this kind
  std::vector<Handle> vacant;  // retired, waiting for a new id (entity_lifecycle.hpp)
};

struct directory_state {
  entity_table<account_actor> accounts;
  entity_table<task_actor> tasks;
  bool eviction_turn_scheduled = false;  // an evict message is queued
  storage::ledger_store* store = nullptr;
  storage_writer_ref writer;
  directory_config config;
  telemetry::mailbox_backlog_estimator backlog;  // reported at every sweep
  static inline const char* name = "directory";
};

directory_actor::behavior_type directory(directory_actor::stateful_pointer<directory_state> self,
                                         storage::ledger_store* store, storage_writer_ref writer,
                                         directory_config config);

}  // namespace escrowd::actors
