#include "actors/directory.hpp"

#include <algorithm>
#include <tuple>
#include <type_traits>

#include "actors/account_actor.hpp"
#include "actors/task_actor.hpp"
#include "actors/telemetry/metrics.hpp"

namespace escrowd::actors {
namespace {

using self_pointer = directory_actor::stateful_pointer<directory_state>;
using clock = std::chrono::steady_clock;

void report_live_actors(self_pointer self) {
  auto* metrics = self->state.config.metrics;
  if (metrics == nullptr) return;
  const auto& [accounts, tasks] = std::tie(self->state.accounts, self->state.tasks);
  metrics->set_live_actors(telemetry::live_actor_kind::account, accounts.entries.size(),
                           accounts.vacant.size());
  metrics->set_live_actors(telemetry::live_actor_kind::task, tasks.entries.size(),
                           tasks.vacant.size());
}

// Called as the sweep timer's message is handled; the estimate restarts its window.
void report_backlog(self_pointer self) {
  const auto backlog = self->state.backlog.timer_fired(clock::now());
  auto* metrics = self->state.config.metrics;
  if (metrics != nullptr)
    metrics->set_mailbox_backlog(telemetry::mailbox_owner::directory, backlog);
}

void arm_sweep(self_pointer self) {
  self->state.backlog.timer_armed(clock::now(), self->state.config.sweep_interval);
  self->delayed_send(self, self->state.config.sweep_interval, sweep_atom::value);
}

// Entities are monitored, not linked: CAF 0.17 keeps an actor's links in one list that it
// scans on every link and unlink, so linking each entity to the directory made every spawn
// and every retirement cost O(live actors) on the directory's path (the actors benchmark
// spent 90% of its time in that scan at ~30,000 live tasks). A monitor sits in the
// entity's own list. The directory stops its entities itself on shutdown (exit handler).
//
// Spawned lazily: without caf::lazy_init CAF schedules every new actor once just to run its
// initialization, a trip through the scheduler's queue that usually wakes the other worker,
// and then again for the message the directory forwards right after. Lazily spawned, the
// actor starts with that first message.
constexpr auto entity_spawn_options = caf::monitored + caf::lazy_init;

account_actor spawn_entity(self_pointer self, const std::string& id, account_actor*) {
  return self->spawn<entity_spawn_options>(account_actor_behavior, id, self->state.store,
                                           self->state.writer,
                                           caf::actor_cast<directory_actor>(self));
}

task_actor spawn_entity(self_pointer self, const std::string& id, task_actor*) {
  return self->spawn<entity_spawn_options>(
      task_actor_behavior, id, self->state.store, self->state.writer,
      caf::actor_cast<directory_actor>(self), self->state.config.identities);
}

template <class Handle>
constexpr telemetry::live_actor_kind kind_of() {
  return std::is_same_v<Handle, account_actor> ? telemetry::live_actor_kind::account
                                               : telemetry::live_actor_kind::task;
}

// A vacant actor if one waits (it serves the id of the first command forwarded to it, so
// handing it over costs no message), else a new one.
template <class Handle>
Handle take_actor(self_pointer self, entity_table<Handle>& table, const std::string& id) {
  if (table.vacant.empty()) {
    if (auto* metrics = self->state.config.metrics) metrics->count_actor_spawned(kind_of<Handle>());
    return spawn_entity(self, id, static_cast<Handle*>(nullptr));
  }
  auto handle = std::move(table.vacant.back());
  table.vacant.pop_back();
  return handle;
}

template <class Handle>
void retire(self_pointer self, entity_table<Handle>& table, directory_entry<Handle>& entry) {
  if (entry.retiring || !entry.handle) return;
  entry.retiring = true;
  table.recency.erase(entry.recency);
  self->send(entry.handle, retire_atom::value);  // the handle stays, to stop it on shutdown
}

// The id's entry, its actor live (spawned if needed) unless the id's previous actor is
// still retiring; past the cap the least recently used actor retires as this one starts
// (never this one itself, which is at the front).
template <class Handle>
directory_entry<Handle>& touch(self_pointer self, entity_table<Handle>& table,
                               const std::string& id) {
  const auto position = table.entries.try_emplace(id).first;
  auto& entry = position->second;
  entry.last_used = clock::now();
  if (entry.retiring) return entry;
  const bool spawned = !entry.handle;
  if (spawned) {
    entry.handle = take_actor(self, table, id);
    table.recency.push_front(&position->first);
    entry.recency = table.recency.begin();
    report_live_actors(self);
  } else if (entry.recency != table.recency.begin()) {
    table.recency.splice(table.recency.begin(), table.recency, entry.recency);
  }
  self->state.backlog.handled();
  if (spawned && table.recency.size() > std::max<std::size_t>(table.cap, 1))
    retire(self, table, table.entries.find(*table.recency.back())->second);
  return entry;
}

// Hands `parts` (the message being handled) to the id's live actor through `send`, or
// holds them while the id's previous actor retires. Every request passes here: the parts
// are moved once, into the outgoing message, and only a held message is moved into a
// std::function (a heap allocation). `id` may name a field of the parts.
template <class Handle, class Send, class... Parts>
void deliver(self_pointer self, entity_table<Handle>& table, const std::string& id, Send send,
             Parts&... parts) {
  auto& entry = touch(self, table, id);
  if (!entry.retiring) return send(entry.handle, std::move(parts)...);
  entry.held.emplace_back([send = std::move(send), ... held = std::move(parts)](
                              const Handle& target) mutable { send(target, std::move(held)...); });
}

// The id's actor has nothing left to decide (a settled task): it retires now rather than
// after the idle timeout. Only the id's current actor may say so; a word from an actor
// the id no longer has changes nothing.
template <class Handle>
void retire_settled(self_pointer self, entity_table<Handle>& table, const std::string& id) {
  auto found = table.entries.find(id);
  if (found == table.entries.end() || !found->second.handle) return;
  if (found->second.handle.address() != caf::actor_cast<caf::actor_addr>(self->current_sender()))
    return;
  retire(self, table, found->second);
}

// Drops the id's entry; commands held for it go to the id's next actor, which starts from
// disk.
template <class Handle>
void forget(self_pointer self, entity_table<Handle>& table, const std::string& id) {
  auto found = table.entries.find(id);
  if (found == table.entries.end()) return;
  if (!found->second.retiring && found->second.handle)  // crashed: still in the list
    table.recency.erase(found->second.recency);
  auto held = std::move(found->second.held);
  table.entries.erase(found);
  report_live_actors(self);
  for (auto& forward : held) deliver(self, table, id, std::move(forward));
}

// The id's actor retired: it is vacant now, kept for a new id unless enough are.
template <class Handle>
void retired(self_pointer self, entity_table<Handle>& table, const std::string& id) {
  auto found = table.entries.find(id);
  if (found == table.entries.end() || !found->second.handle) return;
  if (table.vacant.size() < std::min(vacant_actors_max, table.cap))
    table.vacant.push_back(found->second.handle);
  else
    self->send(found->second.handle, retire_atom::value);  // vacant: it stops
  forget<Handle>(self, table, id);
}

// An entity that died without retiring (an exception): its id's next actor starts from
// disk. Rare, so the linear search is fine.
template <class Handle>
void forget_crashed(self_pointer self, entity_table<Handle>& table, const caf::actor_addr& source) {
  std::erase_if(table.vacant, [&](const Handle& vacant) { return vacant.address() == source; });
  for (auto& [id, entry] : table.entries) {
    if (entry.handle && entry.handle.address() == source) {
      const std::string crashed = id;
      forget<Handle>(self, table, crashed);
      return;
    }
  }
}

template <class Handle>
void stop_all(self_pointer self, entity_table<Handle>& table, const caf::error& reason) {
  for (auto& [id, entry] : table.entries)
    if (entry.handle) self->send_exit(entry.handle, reason);
  for (auto& vacant : table.vacant) self->send_exit(vacant, reason);
}

// Retires up to `budget` actors idle past the timeout, from the least recently used end;
// returns what is left of the budget.
template <class Handle>
std::size_t retire_idle(self_pointer self, entity_table<Handle>& table, std::size_t budget) {
  const auto cutoff = clock::now() - self->state.config.idle_timeout;
  while (budget > 0 && !table.recency.empty()) {
    auto& entry = table.entries.find(*table.recency.back())->second;
    if (entry.last_used >= cutoff) break;
    retire(self, table, entry);
    --budget;
  }
  return budget;
}

// One turn of idle retirements (retirements_per_turn_max); if more are due, the next turn
// queues behind whatever arrived meanwhile.
void evict_turn(self_pointer self) {
  auto& state = self->state;
  state.eviction_turn_scheduled = false;
  auto budget = retire_idle<account_actor>(self, state.accounts, retirements_per_turn_max);
  if (budget == 0 || retire_idle<task_actor>(self, state.tasks, budget) == 0) {
    state.eviction_turn_scheduled = true;
    self->send(self, evict_atom::value);
  }
}

}  // namespace

directory_actor::behavior_type directory(directory_actor::stateful_pointer<directory_state> self,
                                         storage::ledger_store* store, storage_writer_ref writer,
                                         directory_config config) {
  self->state.store = store;
  self->state.writer = std::move(writer);
  self->state.config = config;
  self->state.accounts.cap = config.live_actors_max / 2;
  self->state.tasks.cap = config.live_actors_max - config.live_actors_max / 2;
  arm_sweep(self);
  self->set_down_handler([=](caf::down_msg& down) {
    if (down.reason == caf::exit_reason::normal) return;  // retired: already forgotten
    forget_crashed<account_actor>(self, self->state.accounts, down.source);
    forget_crashed<task_actor>(self, self->state.tasks, down.source);
  });
  self->set_exit_handler([=](caf::exit_msg& exit) {
    stop_all<account_actor>(self, self->state.accounts, exit.reason);
    stop_all<task_actor>(self, self->state.tasks, exit.reason);
    self->quit(exit.reason);
  });
  return {
      [=](task_command& command) {
        auto promise = self->make_response_promise<rendered_response>();
        deliver(
            self, self->state.tasks, command.task_id,
            [promise](const task_actor& target, task_command&& moved) mutable {
              promise.delegate(target, std::move(moved));
            },
            command);
        return promise;
      },
      [=](account_command& command) {
        auto promise = self->make_response_promise<rendered_response>();
        deliver(
            self, self->state.accounts, command.account_id,
            [promise](const account_actor& target, account_command&& moved) mutable {
              promise.delegate(target, std::move(moved));
            },
            command);
        return promise;
      },
      [=](task_command& command, answer_slot& slot) {
        deliver(
            self, self->state.tasks, command.task_id,
            [self](const task_actor& target, task_command&& moved, answer_slot&& answer) {
              self->send(target, std::move(moved), std::move(answer));
            },
            command, slot);
      },
      [=](account_command& command, answer_slot& slot) {
        deliver(
            self, self->state.accounts, command.account_id,
            [self](const account_actor& target, account_command&& moved, answer_slot&& answer) {
              self->send(target, std::move(moved), std::move(answer));
            },
            command, slot);
      },
      [=](fund_request& request) {
        auto promise = self->make_response_promise<fund_verdict>();
        deliver(
            self, self->state.accounts, request.current.payer,
            [promise](const account_actor& target, fund_request&& moved) mutable {
              promise.delegate(target, std::move(moved));
            },
            request);
        return promise;
      },
      [=](retired_atom, entity_kind kind, const std::string& id) {
        if (kind == entity_kind::account)
          retired<account_actor>(self, self->state.accounts, id);
        else
          retired<task_actor>(self, self->state.tasks, id);
      },
      [=](settled_atom, const std::string& id) {
        retire_settled<task_actor>(self, self->state.tasks, id);
      },
      [=](sweep_atom) {
        report_backlog(self);
        if (!self->state.eviction_turn_scheduled) evict_turn(self);
        arm_sweep(self);
      },
      [=](evict_atom) { evict_turn(self); },
  };
}

}  // namespace escrowd::actors
