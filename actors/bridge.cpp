#include "actors/bridge.hpp"

namespace escrowd::actors {
namespace {

using self_pointer = bridge_actor::stateful_pointer<bridge_state>;
using clock = std::chrono::steady_clock;

rendered_response timed_out(const response_renderer& render) {
  return render(operation_result{escrowd::error{error_code::timeout, {}}, {}, false});
}

// Hands the answer to the caller unless the sweep already answered `timeout`.
void answer(self_pointer self, std::uint64_t sequence, const rendered_response* response) {
  auto& unanswered = self->state.unanswered;
  auto found = unanswered.find(sequence);
  if (found == unanswered.end()) return;
  auto request = std::move(found->second);
  unanswered.erase(found);
  request.done.call(response != nullptr ? *response : timed_out(request.render));
}

template <class Command>
void forward(self_pointer self, Command& command, completion_handle& done) {
  auto& state = self->state;
  const auto sequence = state.next_sequence++;
  state.unanswered.emplace_hint(
      state.unanswered.end(), sequence,
      unanswered_request{clock::now() + state.deadline, std::move(done), command.context.render});
  // caf::infinite: no CAF request timeout; the sweep enforces the deadline.
  self->request(state.directory, caf::infinite, std::move(command))
      .then([self,
             sequence](const rendered_response& response) { answer(self, sequence, &response); },
            [self, sequence](const caf::error&) { answer(self, sequence, nullptr); });
}

void sweep(self_pointer self) {
  const auto now = clock::now();
  auto& unanswered = self->state.unanswered;
  while (!unanswered.empty() && unanswered.begin()->second.deadline <= now)
    answer(self, unanswered.begin()->first, nullptr);
  self->delayed_send(self, bridge_sweep_interval, sweep_atom::value);
}

}  // namespace

bridge_actor::behavior_type bridge(self_pointer self, directory_actor directory,
                                   clock::duration deadline) {
  self->state.directory = std::move(directory);
  self->state.deadline = deadline;
  self->delayed_send(self, bridge_sweep_interval, sweep_atom::value);
  return {
      [=](task_command& command, completion_handle& done) { forward(self, command, done); },
      [=](account_command& command, completion_handle& done) { forward(self, command, done); },
      [=](sweep_atom) { sweep(self); },
  };
}

}  // namespace escrowd::actors
