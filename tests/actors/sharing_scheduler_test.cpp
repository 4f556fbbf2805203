// Tests escrowd's work-sharing scheduler (actors/sharing_scheduler.hpp) on its own: CAF
// takes it instead of its own, messages passed around rings of actors all arrive, timers
// fire, and an actor system with work still queued shuts down.
#include "actors/sharing_scheduler.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <caf/all.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace escrowd::actors::testing {
namespace {

using hop_atom = caf::atom_constant<caf::atom("hop")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;

struct sharing_config : caf::actor_system_config {
  sharing_config() {
    set("scheduler.max-threads", 2);
    use_sharing_scheduler(*this);
  }
};

int threads_named(const std::string& name) {
  int count = 0;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string line;
    if (std::getline(comm, line) && line == name) ++count;
  }
  return count;
}

// One member of a ring: told its successor first, then passes the hop count on until it
// runs out, and tells `done`.
caf::behavior ring_member(caf::event_based_actor* self, caf::actor done) {
  auto next = std::make_shared<caf::actor>();
  return {
      [=](caf::actor successor) { *next = std::move(successor); },
      [=](hop_atom, int left) {
        if (left == 0)
          self->send(done, hop_atom::value, 0);
        else
          self->send(*next, hop_atom::value, left - 1);
      },
  };
}

TEST(sharing_scheduler, caf_runs_its_workers_instead_of_its_own) {
  sharing_config config;
  caf::actor_system system(config);
  EXPECT_EQ(system.scheduler().num_workers(), 2u);
  // Each worker names its thread as it starts.
  for (int wait = 0; wait < 500 && threads_named("escrowd.worker") < 2; ++wait)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  EXPECT_EQ(threads_named("escrowd.worker"), 2);
}

TEST(sharing_scheduler, tokens_passed_around_rings_of_actors_all_arrive) {
  sharing_config config;
  caf::actor_system system(config);
  caf::scoped_actor waiter(system);
  constexpr int rings = 8;
  constexpr int members = 50;
  constexpr int hops = 20'000;
  std::vector<caf::actor> everyone;
  for (int ring = 0; ring < rings; ++ring) {
    std::vector<caf::actor> circle;
    for (int i = 0; i < members; ++i)
      circle.push_back(system.spawn(ring_member, caf::actor_cast<caf::actor>(waiter)));
    for (int i = 0; i < members; ++i) waiter->send(circle[i], circle[(i + 1) % members]);
    waiter->send(circle.front(), hop_atom::value, hops);
    everyone.insert(everyone.end(), circle.begin(), circle.end());
  }
  int arrived = 0;
  waiter->receive_for(arrived, rings)([](hop_atom, int) {});
  EXPECT_EQ(arrived, rings);
  for (auto& member : everyone) caf::anon_send_exit(member, caf::exit_reason::user_shutdown);
}

TEST(sharing_scheduler, delayed_messages_arrive_through_the_clock) {
  sharing_config config;
  caf::actor_system system(config);
  caf::scoped_actor waiter(system);
  // Spawned functions take an argument: CAF 0.17 binds a null tuple for none (UBSan).
  auto echo = system.spawn(
      [](caf::event_based_actor* self, std::chrono::milliseconds delay) -> caf::behavior {
        return {[=](tick_atom, caf::actor reply_to) {
          self->delayed_send(reply_to, delay, tick_atom::value, reply_to);
        }};
      },
      std::chrono::milliseconds(20));
  const auto sent = std::chrono::steady_clock::now();
  waiter->send(echo, tick_atom::value, caf::actor_cast<caf::actor>(waiter));
  bool ticked = false;
  waiter->receive([&](tick_atom, const caf::actor&) { ticked = true; },
                  caf::after(std::chrono::seconds(10)) >> [] {});
  EXPECT_TRUE(ticked);
  EXPECT_GE(std::chrono::steady_clock::now() - sent, std::chrono::milliseconds(20));
  caf::anon_send_exit(echo, caf::exit_reason::user_shutdown);
}

// Actors that keep themselves busy until told to stop: the system's shutdown stops the
// workers with jobs still queued and releases them.
TEST(sharing_scheduler, a_system_with_work_queued_shuts_down) {
  std::atomic<int> hops{0};
  {
    sharing_config config;
    caf::actor_system system(config);
    std::vector<caf::actor> busy;
    for (int i = 0; i < 16; ++i) {
      busy.push_back(system.spawn(
          [](caf::event_based_actor* self, std::atomic<int>* counted) -> caf::behavior {
            self->send(self, hop_atom::value, 0);
            return {[=](hop_atom, int n) {
              ++*counted;
              self->send(self, hop_atom::value, n + 1);
            }};
          },
          &hops));
    }
    while (hops.load() < 10'000) std::this_thread::yield();
    for (auto& each : busy) caf::anon_send_exit(each, caf::exit_reason::user_shutdown);
  }  // the destructor waits for every actor, then stops the scheduler
  EXPECT_GE(hops.load(), 10'000);
}

}  // namespace
}  // namespace escrowd::actors::testing
