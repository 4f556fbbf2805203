// Tests the bridge's answer slots: the deciding actor's answer reaches the caller once; a
// request nobody answers is answered `timeout` (503) after the deadline, by the bridge's
// sweep rather than a CAF request timeout, and an answer arriving after that is dropped, so
// no caller hears twice; a request whose slot is dropped unanswered hears `timeout` at once.
#include "actors/bridge.hpp"

#include <gtest/gtest.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/send.hpp>
#include <future>
#include <memory>
#include <thread>
#include <vector>

namespace escrowd::actors {
namespace {

using namespace std::chrono_literals;

rendered_response render(const operation_result& result) {
  if (result.outcome.ok()) return {200, "ok", false, {}, {}};
  const auto& description = describe(result.outcome.code());
  return {description.http_status, std::string(description.code), false, {}, {}};
}

// A directory that answers accounts through their slot at once with `account_answer`,
// holds task slots until told to answer, and drops the slot of a task whose id is
// "dropped" unanswered, as an actor dying with the message in its mailbox would. (It takes
// an argument because CAF 0.17 dereferences a null argument tuple when a function-based
// actor is spawned with none: UBSan.)
struct stub_directory_state {
  std::vector<answer_slot> held;
  static inline const char* name = "stub_directory";
};

directory_actor::behavior_type stub_directory(
    directory_actor::stateful_pointer<stub_directory_state> self, std::string account_answer) {
  return {
      [](account_command&) {
        return rendered_response{500, "wrong path", false, {}, {}};
      },
      [](task_command&) {
        return rendered_response{500, "wrong path", false, {}, {}};
      },
      [account_answer](account_command&, answer_slot& slot) {
        slot.answer(rendered_response{200, account_answer, false, {}, {}});
      },
      [=](task_command& command, answer_slot& slot) {
        if (command.task_id != "dropped") self->state.held.push_back(std::move(slot));
      },
      [](fund_request&) { return fund_verdict{}; },
      [](retired_atom, entity_kind, const std::string&) {},
      [](settled_atom, const std::string&) {},
      [=](sweep_atom) {  // answers everything held, late
        for (auto& slot : self->state.held)
          slot.answer(rendered_response{200, "late", false, {}, {}});
        self->state.held.clear();
      },
      [](evict_atom) {},
  };
}

struct answers {
  std::mutex mutex;
  std::vector<rendered_response> received;
  std::promise<void> first;
};

completion recording(const std::shared_ptr<answers>& into) {
  return [into](rendered_response response) {
    std::lock_guard lock(into->mutex);
    into->received.push_back(std::move(response));
    if (into->received.size() == 1) into->first.set_value();
  };
}

template <class Command>
Command command_with_renderer() {
  Command command;
  command.context.render = render;
  return command;
}

// An actor system with the stub directory, and a bridge in front of it.
class bridge_test : public ::testing::Test {
 protected:
  void open(std::chrono::steady_clock::duration deadline) {
    front = std::make_unique<bridge>(system, directory, deadline);
  }
  void TearDown() override {
    if (front) front->stop();
    caf::anon_send_exit(directory, caf::exit_reason::user_shutdown);
  }
  // Whether the first answer arrived within 10 s (for ASSERT_TRUE: a helper's own ASSERT
  // would not end the test).
  bool first_answer_arrived() {
    return got->first.get_future().wait_for(10s) == std::future_status::ready;
  }

  caf::actor_system_config config;
  caf::actor_system system{config};
  directory_actor directory = system.spawn(stub_directory, std::string("answered"));
  std::unique_ptr<bridge> front;
  std::shared_ptr<answers> got = std::make_shared<answers>();
};

TEST_F(bridge_test, passes_the_deciding_actors_answer_once) {
  open(60s);
  front->submit(command_with_renderer<account_command>(), recording(got));
  ASSERT_TRUE(first_answer_arrived());
  std::this_thread::sleep_for(1'200ms);  // past a sweep: nothing more arrives
  std::lock_guard lock(got->mutex);
  ASSERT_EQ(got->received.size(), 1u);
  EXPECT_EQ(got->received[0].body, "answered");
}

TEST_F(bridge_test, an_unanswered_request_times_out_at_the_deadline_and_a_late_answer_is_dropped) {
  open(100ms);
  const auto sent = std::chrono::steady_clock::now();
  front->submit(command_with_renderer<task_command>(), recording(got));
  ASSERT_TRUE(first_answer_arrived());
  EXPECT_GE(std::chrono::steady_clock::now() - sent, 100ms);
  caf::anon_send(directory, sweep_atom::value);  // the directory answers now, too late
  std::this_thread::sleep_for(300ms);
  std::lock_guard lock(got->mutex);
  ASSERT_EQ(got->received.size(), 1u);
  EXPECT_EQ(got->received[0].status, 503);
  EXPECT_EQ(got->received[0].body, "timeout");
}

TEST_F(bridge_test, a_request_dropped_unanswered_hears_timeout_at_once_not_at_the_deadline) {
  open(60s);
  auto command = command_with_renderer<task_command>();
  command.task_id = "dropped";
  front->submit(std::move(command), recording(got));
  ASSERT_TRUE(first_answer_arrived());
  std::lock_guard lock(got->mutex);
  ASSERT_EQ(got->received.size(), 1u);
  EXPECT_EQ(got->received[0].body, "timeout");
}

TEST_F(bridge_test, a_submit_after_stop_hears_timeout) {
  open(60s);
  front->stop();
  front->submit(command_with_renderer<account_command>(), recording(got));
  std::lock_guard lock(got->mutex);
  ASSERT_EQ(got->received.size(), 1u);
  EXPECT_EQ(got->received[0].body, "timeout");
}

TEST(answer_deadlines, the_sweep_forgets_answered_slots_and_times_out_only_overdue_ones) {
  answer_deadlines deadlines{std::chrono::seconds(10)};
  auto got = std::make_shared<answers>();
  auto answered = answer_slot::open(recording(got), render);
  auto waiting = answer_slot::open(recording(got), render);
  deadlines.track(answered);
  deadlines.track(waiting);
  answered.answer(rendered_response{200, "first", false, {}, {}});
  answered.answer(rendered_response{200, "second", false, {}, {}});  // dropped: already answered
  const auto now = std::chrono::steady_clock::now();
  EXPECT_EQ(deadlines.sweep(now), 0u);
  EXPECT_EQ(deadlines.tracked(), 1u);  // the answered one is gone, the waiting one stays
  EXPECT_EQ(deadlines.sweep(now + std::chrono::seconds(11)), 1u);
  EXPECT_EQ(deadlines.tracked(), 0u);
  waiting.answer(rendered_response{200, "late", false, {}, {}});
  std::lock_guard lock(got->mutex);
  ASSERT_EQ(got->received.size(), 2u);
  EXPECT_EQ(got->received[0].body, "first");
  EXPECT_EQ(got->received[1].body, "timeout");
}

}  // namespace
}  // namespace escrowd::actors
