// bridge: how facade calls (from HTTP I/O threads, the processor boundary, benchmarks) enter
// the actors without blocking on them. A command goes straight to the directory with an
// answer_slot; the account or task actor that decides it answers the slot itself.
// Every request is answered within the deadline: a sweeper actor answers `timeout` for the
// slots past it once a second (a late answer then finds the slot taken and is dropped).
// One timer for all requests instead of one CAF request timeout per request: CAF 0.17
// sends each of those through its clock thread twice (set, then cancel).
// Thread affinity: submit() and stop() from any thread. Lifetime: owned by the ledger
// facade; destroyed before the actor system (it holds actor handles).
#pragma once

#include <atomic>
#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <chrono>
#include <memory>

#include "actors/actors.hpp"
#include "actors/answer_slot.hpp"

namespace escrowd::actors {

// How long a request may take end to end before the caller hears `timeout`; generous
// because a commit under a full disk or a slow fsync can take long, and the client retries
// with its idempotency key anyway.
inline constexpr auto request_deadline = std::chrono::seconds(60);
inline constexpr auto bridge_sweep_interval = std::chrono::seconds(1);

using deadline_sweeper_actor = caf::typed_actor<caf::reacts_to<sweep_atom>>;

class bridge {
 public:
  // `deadline`: request_deadline outside tests.
  bridge(caf::actor_system& system, directory_actor directory,
         std::chrono::steady_clock::duration deadline);
  ~bridge();
  bridge(const bridge&) = delete;
  bridge& operator=(const bridge&) = delete;

  void submit(task_command&& command, completion done);
  void submit(account_command&& command, completion done);
  // Stops the sweeper; a later submit answers `timeout` at once. A submit racing with stop
  // may still reach a stopping directory: its slot, dropped with the message, answers
  // `timeout` then.
  void stop();

 private:
  template <class Command>
  void send(Command&& command, completion done);

  const directory_actor directory_;
  const std::shared_ptr<answer_deadlines> deadlines_;
  const deadline_sweeper_actor sweeper_;
  std::atomic<bool> stopped_{false};
};

}  // namespace escrowd::actors
