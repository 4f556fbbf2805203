#include "actors/directory.hpp"

#include <algorithm>

#include "actors/account_actor.hpp"
#include "actors/task_actor.hpp"

namespace escrowd::actors {
namespace {

using self_pointer = directory_actor::stateful_pointer<directory_state>;
using clock = std::chrono::steady_clock;

account_actor spawn_entity(self_pointer self, const std::string& id, account_actor*) {
  return self->spawn<caf::linked>(account_actor_behavior, id, self->state.store, self->state.writer,
                                  caf::actor_cast<directory_actor>(self));
}

task_actor spawn_entity(self_pointer self, const std::string& id, task_actor*) {
  return self->spawn<caf::linked>(task_actor_behavior, id, self->state.store, self->state.writer,
                                  caf::actor_cast<directory_actor>(self));
}

// Forwards to the id's live actor, spawning it if needed, or holds the message while the
// id's previous actor retires.
template <class Handle>
void route(self_pointer self, std::unordered_map<std::string, directory_entry<Handle>>& map,
           const std::string& id, std::function<void(const Handle&)> forward) {
  auto& entry = map[id];
  entry.last_used = clock::now();
  if (entry.retiring) {
    entry.held.push_back(std::move(forward));
    return;
  }
  if (!entry.handle) entry.handle = spawn_entity(self, id, static_cast<Handle*>(nullptr));
  forward(entry.handle);
}

template <class Handle>
void retired(self_pointer self, std::unordered_map<std::string, directory_entry<Handle>>& map,
             const std::string& id) {
  auto found = map.find(id);
  if (found == map.end()) return;
  auto held = std::move(found->second.held);
  map.erase(found);
  for (auto& forward : held) route<Handle>(self, map, id, std::move(forward));
}

template <class Handle>
void retire(self_pointer self, directory_entry<Handle>& entry) {
  if (entry.retiring || !entry.handle) return;
  entry.retiring = true;
  self->send(entry.handle, retire_atom::value);
  entry.handle = Handle{};
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
  self->delayed_send(self, self->state.config.sweep_interval, sweep_atom::value);
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
      [=](credit_notice& notice) {
        // Without a live actor the credit needs no delivery: the id's next actor loads
        // its row from disk, where the credit already is.
        auto found = self->state.accounts.find(notice.account_id);
        if (found == self->state.accounts.end() || !found->second.handle) return;
        self->send(found->second.handle, std::move(notice));
      },
      [=](retired_atom, entity_kind kind, const std::string& id) {
        if (kind == entity_kind::account)
          retired<account_actor>(self, self->state.accounts, id);
        else
          retired<task_actor>(self, self->state.tasks, id);
      },
      [=](sweep_atom) {
        const auto cap = self->state.config.live_actors_max;
        sweep<account_actor>(self, self->state.accounts, cap / 2);
        sweep<task_actor>(self, self->state.tasks, cap - cap / 2);
        self->delayed_send(self, self->state.config.sweep_interval, sweep_atom::value);
      },
  };
}

}  // namespace escrowd::actors
