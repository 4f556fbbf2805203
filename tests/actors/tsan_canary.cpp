// ThreadSanitizer canary for the actors layer's TSan run (scripts/test-tsan): shows that
// the build can tell a race between CAF actors from a message hand-off, so a clean TSan run
// of the actor tests means something.
//   tsan_canary race:    two detached actors (two threads) write one plain int with no
//                        message between them; TSan must report a data race (the ctest
//                        entry passes only on that report).
//   tsan_canary handoff: two pooled actors play ping-pong 20,000 times, each writing a plain
//                        buffer before sending and reading it after receiving; only CAF's
//                        mailbox orders those accesses, so with an uninstrumented
//                        libcaf_core TSan reports a false race here; it must stay silent.
#include <atomic>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/spawn_options.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

using go_atom = caf::atom_constant<caf::atom("go")>;
using ball_atom = caf::atom_constant<caf::atom("ball")>;

int unguarded_counter = 0;
char rally_buffer[64];
constexpr int rally_length = 20'000;

// Both racers wait for each other with relaxed atomics, which order nothing for TSan: so
// neither can finish (and release something of CAF's that the other acquires) before the
// other has written, and the report does not depend on the scheduling.
std::atomic<int> racers_arrived{0};

caf::behavior racer(caf::event_based_actor* self, int increments) {
  return {[=](go_atom) {
    racers_arrived.fetch_add(1, std::memory_order_relaxed);
    while (racers_arrived.load(std::memory_order_relaxed) < 2) {
    }
    for (int i = 0; i < increments; ++i) {
      ++unguarded_counter;
      asm volatile("" ::: "memory");  // one load and store per round, not one add in all
    }
    self->quit();
  }};
}

// Writes the buffer and passes the ball; on receiving it, checks that the other side wrote.
// The stroke after the last one only ends the rally.
caf::behavior player(caf::event_based_actor* self, char mark) {
  return {[=](ball_atom, int strokes, const caf::actor& other) {
    if (strokes > 0 && rally_buffer[0] == mark) std::abort();
    if (strokes > rally_length) return self->quit();
    std::memset(rally_buffer, mark, sizeof rally_buffer);
    self->send(other, ball_atom::value, strokes + 1, caf::actor_cast<caf::actor>(self));
    if (strokes == rally_length) self->quit();
  }};
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  caf::actor_system_config config;
  const char* scheduler_args[] = {"tsan_canary", "--scheduler.max-threads=2"};
  config.parse(2, const_cast<char**>(scheduler_args));
  caf::actor_system system{config};
  if (mode == "race") {
    auto first = system.spawn<caf::detached>(racer, 100'000);
    auto second = system.spawn<caf::detached>(racer, 100'000);
    caf::anon_send(first, go_atom::value);
    caf::anon_send(second, go_atom::value);
  } else if (mode == "handoff") {
    auto ping = system.spawn(player, 'p');
    auto pong = system.spawn(player, 'q');
    caf::anon_send(ping, ball_atom::value, 0, pong);
  } else {
    std::fprintf(stderr, "usage: tsan_canary race|handoff\n");
    return 2;
  }
  system.await_all_actors_done();
  std::printf("tsan_canary %s: finished\n", mode.c_str());
  return 0;
}
