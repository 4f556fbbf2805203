#include "actors/bridge.hpp"

#include <caf/send.hpp>

namespace escrowd::actors {
namespace {

struct deadline_sweeper_state {
  std::shared_ptr<answer_deadlines> deadlines;
  static inline const char* name = "deadline_sweeper";
};

deadline_sweeper_actor::behavior_type deadline_sweeper(
    deadline_sweeper_actor::stateful_pointer<deadline_sweeper_state> self,
    std::shared_ptr<answer_deadlines> deadlines) {
  self->state.deadlines = std::move(deadlines);
  self->delayed_send(self, bridge_sweep_interval, sweep_atom::value);
  return {
      [=](sweep_atom) {
        self->state.deadlines->sweep(std::chrono::steady_clock::now());
        self->delayed_send(self, bridge_sweep_interval, sweep_atom::value);
      },
  };
}

}  // namespace

bridge::bridge(caf::actor_system& system, directory_actor directory,
               std::chrono::steady_clock::duration deadline)
    : directory_(std::move(directory)),
      deadlines_(std::make_shared<answer_deadlines>(deadline)),
      sweeper_(system.spawn(deadline_sweeper, deadlines_)) {}

bridge::~bridge() {
  stop();
}

void bridge::stop() {
  if (!stopped_.exchange(true)) caf::anon_send_exit(sweeper_, caf::exit_reason::user_shutdown);
}

template <class Command>
void bridge::send(Command&& command, completion done) {
  auto slot = answer_slot::open(std::move(done), command.context.render);
  if (stopped_.load(std::memory_order_acquire)) return slot.time_out();
  deadlines_->track(slot);
  caf::anon_send(directory_, std::move(command), std::move(slot));
}

void bridge::submit(task_command&& command, completion done) {
  send(std::move(command), std::move(done));
}

void bridge::submit(account_command&& command, completion done) {
  send(std::move(command), std::move(done));
}

}  // namespace escrowd::actors
