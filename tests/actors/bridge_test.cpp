// Tests the bridge's deadline: an answer from the directory reaches the caller once; a
// request the directory never answers is answered `timeout` (503) after the deadline, by the
// bridge's sweep rather than a CAF request timeout; and an answer arriving after that is
// dropped, so no caller hears twice.
#include "actors/bridge.hpp"

#include <gtest/gtest.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/send.hpp>
#include <future>
#include <memory>
#include <vector>

namespace escrowd::actors {
namespace {

using namespace std::chrono_literals;

rendered_response render(const operation_result& result) {
  if (result.outcome.ok()) return {200, "ok", false, {}};
  const auto& description = describe(result.outcome.code());
  return {description.http_status, std::string(description.code), false, {}};
}

// A directory that answers accounts at once with `account_answer` and holds task commands
// until told to answer. (It takes an argument because CAF 0.17 dereferences a null
// argument tuple when a function-based actor is spawned with none: UBSan.)
struct stub_directory_state {
  std::vector<caf::typed_response_promise<rendered_response>> held;
  static inline const char* name = "stub_directory";
};

directory_actor::behavior_type stub_directory(
    directory_actor::stateful_pointer<stub_directory_state> self, std::string account_answer) {
  return {
      [account_answer](account_command&) {
        return rendered_response{200, account_answer, false, {}};
      },
      [=](task_command&) {
        auto promise = self->make_response_promise<rendered_response>();
        self->state.held.push_back(promise);
        return promise;
      },
      [](fund_request&) { return fund_verdict{}; },
      [](credit_notice&) {},
      [](retired_atom, entity_kind, const std::string&) {},
      [=](sweep_atom) {  // answers everything held, late
        for (auto& promise : self->state.held)
          promise.deliver(rendered_response{200, "late", false, {}});
        self->state.held.clear();
      },
  };
}

struct answers {
  std::mutex mutex;
  std::vector<rendered_response> received;
  std::promise<void> first;
};

completion_handle recording(const std::shared_ptr<answers>& into) {
  return {[into](rendered_response response) {
    std::lock_guard lock(into->mutex);
    into->received.push_back(std::move(response));
    if (into->received.size() == 1) into->first.set_value();
  }};
}

template <class Command>
Command command_with_renderer() {
  Command command;
  command.context.render = render;
  return command;
}

TEST(bridge, passes_the_directorys_answer_once) {
  caf::actor_system_config config;
  caf::actor_system system{config};
  auto directory = system.spawn(stub_directory, std::string("answered"));
  auto bridge_handle = system.spawn(bridge, directory, std::chrono::steady_clock::duration(60s));
  auto got = std::make_shared<answers>();
  caf::anon_send(bridge_handle, command_with_renderer<account_command>(), recording(got));
  ASSERT_EQ(got->first.get_future().wait_for(10s), std::future_status::ready);
  std::this_thread::sleep_for(1'200ms);  // past a sweep: nothing more arrives
  std::lock_guard lock(got->mutex);
  ASSERT_EQ(got->received.size(), 1u);
  EXPECT_EQ(got->received[0].body, "answered");
  caf::anon_send_exit(bridge_handle, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(directory, caf::exit_reason::user_shutdown);
}

TEST(bridge, an_unanswered_request_times_out_at_the_deadline_and_a_late_answer_is_dropped) {
  caf::actor_system_config config;
  caf::actor_system system{config};
  auto directory = system.spawn(stub_directory, std::string("answered"));
  auto bridge_handle = system.spawn(bridge, directory, std::chrono::steady_clock::duration(100ms));
  auto got = std::make_shared<answers>();
  const auto sent = std::chrono::steady_clock::now();
  caf::anon_send(bridge_handle, command_with_renderer<task_command>(), recording(got));
  ASSERT_EQ(got->first.get_future().wait_for(10s), std::future_status::ready);
  EXPECT_GE(std::chrono::steady_clock::now() - sent, 100ms);
  caf::anon_send(directory, sweep_atom::value);  // the directory answers now, too late
  std::this_thread::sleep_for(300ms);
  std::lock_guard lock(got->mutex);
  ASSERT_EQ(got->received.size(), 1u);
  EXPECT_EQ(got->received[0].status, 503);
  EXPECT_EQ(got->received[0].body, "timeout");
  caf::anon_send_exit(bridge_handle, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(directory, caf::exit_reason::user_shutdown);
}

}  // namespace
}  // namespace escrowd::actors
