#include "actors/directory.hpp"

#include <algorithm>

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
  metrics->set_live_actors(telemetry::live_actor_kind::account, self->state.accounts.size());
  metrics->set_live_actors(telemetry::live_actor_kind::task, self->state.tasks.size());
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
  return self->spawn<entity_spawn_options>(task_actor_behavior, id, self->state.store,
                                           self->state.writer,
                                           caf::actor_cast<directory_actor>(self));
}

// Forwards to the id's live actor, spawning it if needed, or holds the message while the
// id's previous actor retires. Only a held message becomes a std::function: every request
// passes here, and wrapping the command it carries costs a heap allocation.
template <class Handle, class Forward>
void route(self_pointer self, std::unordered_map<std::string, directory_entry<Handle>>& map,
           const std::string& id, Forward&& forward) {
  auto& entry = map[id];
  entry.last_used = clock::now();
  if (entry.retiring) {
    entry.held.emplace_back(std::forward<Forward>(forward));
    return;
  }
  if (!entry.handle) {
    entry.handle = spawn_entity(self, id, static_cast<Handle*>(nullptr));
    report_live_actors(self);
  }
  self->state.backlog.handled();
  forward(entry.handle);
}

template <class Handle>
void retired(self_pointer self, std::unordered_map<std::string, directory_entry<Handle>>& map,
             const std::string& id) {
  auto found = map.find(id);
  if (found == map.end()) return;
  auto held = std::move(found->second.held);
  map.erase(found);
  report_live_actors(self);
  for (auto& forward : held) route<Handle>(self, map, id, std::move(forward));
}

template <class Handle>
void retire(self_pointer self, directory_entry<Handle>& entry) {
  if (entry.retiring || !entry.handle) return;
  entry.retiring = true;
  self->send(entry.handle, retire_atom::value);  // the handle stays, to stop it on shutdown
}

// An entity that died without retiring (an exception): its id's next actor starts from
// disk. Rare, so the linear search is fine.
template <class Handle>
void forget_crashed(self_pointer self,
                    std::unordered_map<std::string, directory_entry<Handle>>& map,
                    const caf::actor_addr& source) {
  for (auto& [id, entry] : map) {
    if (entry.handle && entry.handle.address() == source) {
      const std::string crashed = id;
      retired<Handle>(self, map, crashed);
      return;
    }
  }
}

template <class Handle>
void stop_all(self_pointer self, std::unordered_map<std::string, directory_entry<Handle>>& map,
              const caf::error& reason) {
  for (auto& [id, entry] : map)
    if (entry.handle) self->send_exit(entry.handle, reason);
}

// Retires what was idle past the timeout, then the least recently used past the cap.
template <class Handle>
void sweep(self_pointer self, std::unordered_map<std::string, directory_entry<Handle>>& map,
           std::size_t cap) {
  const auto cutoff = clock::now() - self->state.config.idle_timeout;
  std::vector<std::pair<clock::time_point, directory_entry<Handle>*>> live;
  for (auto& [id, entry] : map) {
    if (entry.retiring) continue;
    if (entry.last_used < cutoff)
      retire(self, entry);
    else
      live.emplace_back(entry.last_used, &entry);
  }
  if (live.size() <= cap) return;
  const auto excess = live.size() - cap;
  std::nth_element(live.begin(), live.begin() + std::ptrdiff_t(excess), live.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (std::size_t i = 0; i < excess; ++i) retire(self, *live[i].second);
}

}  // namespace

directory_actor::behavior_type directory(directory_actor::stateful_pointer<directory_state> self,
                                         storage::ledger_store* store, storage_writer_actor writer,
                                         directory_config config) {
  self->state.store = store;
  self->state.writer = std::move(writer);
  self->state.config = config;
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
        const auto id = command.task_id;
        route<task_actor>(
            self, self->state.tasks, id,
            [promise, command = std::move(command)](const task_actor& target) mutable {
              promise.delegate(target, std::move(command));
            });
        return promise;
      },
      [=](account_command& command) {
        auto promise = self->make_response_promise<rendered_response>();
        const auto id = command.account_id;
        route<account_actor>(
            self, self->state.accounts, id,
            [promise, command = std::move(command)](const account_actor& target) mutable {
              promise.delegate(target, std::move(command));
            });
        return promise;
      },
      [=](task_command& command, answer_slot& slot) {
        const auto id = command.task_id;
        route<task_actor>(self, self->state.tasks, id,
                          [self, command = std::move(command),
                           slot = std::move(slot)](const task_actor& target) mutable {
                            self->send(target, std::move(command), std::move(slot));
                          });
      },
      [=](account_command& command, answer_slot& slot) {
        const auto id = command.account_id;
        route<account_actor>(self, self->state.accounts, id,
                             [self, command = std::move(command),
                              slot = std::move(slot)](const account_actor& target) mutable {
                               self->send(target, std::move(command), std::move(slot));
                             });
      },
      [=](fund_request& request) {
        auto promise = self->make_response_promise<fund_verdict>();
        const auto id = request.current.payer;
        route<account_actor>(
            self, self->state.accounts, id,
            [promise, request = std::move(request)](const account_actor& target) mutable {
              promise.delegate(target, std::move(request));
            });
        return promise;
      },
      [=](retired_atom, entity_kind kind, const std::string& id) {
        if (kind == entity_kind::account)
          retired<account_actor>(self, self->state.accounts, id);
        else
          retired<task_actor>(self, self->state.tasks, id);
      },
      [=](sweep_atom) {
        report_backlog(self);
        const auto cap = self->state.config.live_actors_max;
        sweep<account_actor>(self, self->state.accounts, cap / 2);
        sweep<task_actor>(self, self->state.tasks, cap - cap / 2);
        arm_sweep(self);
      },
  };
}

}  // namespace escrowd::actors
