#include "actors/bridge.hpp"

#include "actors/reply.hpp"

namespace escrowd::actors {
namespace {

// How long a request may take end to end before the caller hears `timeout`; generous
// because a commit under a full disk or a slow fsync can take long, and the client retries
// with its idempotency key anyway.
constexpr auto request_timeout = std::chrono::seconds(60);

template <class Self, class Command>
void forward(Self self, Command& command, completion_handle& done) {
  auto render = command.context.render;
  self->request(self->state.directory, request_timeout, std::move(command))
      .then(
          [done](const rendered_response& response) { done.call(response); },
          [done, render](const caf::error&) {
            done.call(render(operation_result{escrowd::error{error_code::timeout, {}}, {}, false}));
          });
}

}  // namespace

bridge_actor::behavior_type bridge(bridge_actor::stateful_pointer<bridge_state> self,
                                   directory_actor directory) {
  self->state.directory = std::move(directory);
  return {
      [=](task_command& command, completion_handle& done) { forward(self, command, done); },
      [=](account_command& command, completion_handle& done) { forward(self, command, done); },
  };
}

}  // namespace escrowd::actors
