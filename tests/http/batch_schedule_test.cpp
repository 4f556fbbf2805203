// Tests http/batch_schedule.hpp: when each operation of a batch may start. An operation
// starts once its predecessors answered, a state-changing one already once they were
// decided; one started early completes only with the funding it started ahead of; a
// decision that comes after its operation completed (the caller's deadline answered first)
// changes nothing; every operation starts exactly once, whatever the order of the events.
#include "http/batch_schedule.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

#include "http/batch_order.hpp"

namespace escrowd::http {
namespace {

using indexes = std::vector<std::size_t>;

object_touch reads(std::string id) {
  return {std::move(id), false};
}
object_touch writes(std::string id) {
  return {std::move(id), true};
}

indexes decided(batch_schedule& schedule, std::size_t index) {
  indexes ready;
  schedule.decided(index, ready);
  return ready;
}
indexes answered(batch_schedule& schedule, std::size_t index) {
  indexes ready;
  schedule.answered(index, ready);
  return ready;
}

TEST(batch_schedule, an_operation_starts_once_its_predecessors_answered) {
  // 0 writes a; 1 and 2 read a; 3 writes a.
  batch_schedule schedule(
      batch_predecessors({{writes("a")}, {reads("a")}, {reads("a")}, {writes("a")}}),
      {true, false, false, true});
  EXPECT_EQ(schedule.roots(), (indexes{0}));
  EXPECT_EQ(answered(schedule, 0), (indexes{1, 2}));
  EXPECT_EQ(answered(schedule, 2), indexes{});
  EXPECT_EQ(answered(schedule, 1), (indexes{3}));
  EXPECT_EQ(answered(schedule, 3), indexes{});
}

TEST(batch_schedule, a_decided_funding_lets_changes_start_and_reads_wait_for_its_answer) {
  // 0 funds from payer p; 1 funds from p too (a change); 2 reads p.
  batch_schedule schedule(
      batch_predecessors({{writes("p")}, {writes("p")}, {reads("p")}, {writes("q")}}),
      {true, true, false, true});
  EXPECT_EQ(schedule.roots(), (indexes{0, 3}));
  EXPECT_EQ(decided(schedule, 0), (indexes{1}));
  // 1 answers before 0 (it was decided behind it, and its commit came first): the read
  // behind 1 must still wait for 0.
  EXPECT_EQ(answered(schedule, 1), indexes{});
  EXPECT_EQ(answered(schedule, 0), (indexes{2}));
  EXPECT_EQ(answered(schedule, 3), indexes{});
}

TEST(batch_schedule, a_chain_of_fundings_completes_in_one_go_when_the_first_answers) {
  const std::size_t chain = 5000;  // deep enough that recursion would show
  std::vector<std::vector<object_touch>> touches(chain, {writes("p")});
  touches.push_back({reads("p")});
  std::vector<bool> changes_state(chain, true);
  changes_state.push_back(false);
  batch_schedule schedule(batch_predecessors(touches), changes_state);
  for (std::size_t index = 0; index + 1 < chain; ++index)
    ASSERT_EQ(decided(schedule, index), (indexes{index + 1}));
  EXPECT_EQ(decided(schedule, chain - 1), indexes{});  // the read waits for answers
  for (std::size_t index = chain - 1; index > 0; --index)
    ASSERT_EQ(answered(schedule, index), indexes{});
  EXPECT_EQ(answered(schedule, 0), (indexes{chain}));
}

// The funding's answer (a `timeout` from the caller's deadline) came before its decision:
// its successor started, answered and completed. The late decision must not complete that
// successor a second time, which would start the successor's own successor before another
// of its predecessors answered (and wrap its count).
TEST(batch_schedule, a_decision_after_the_answer_changes_nothing) {
  // 0: the funding (writes t and p); 1: an earlier writer of x, still running;
  // 2: a change of p after 0; 3: a change of p and x, after 2 and 1.
  const auto predecessors = batch_predecessors(
      {{writes("t"), writes("p")}, {writes("x")}, {writes("p")}, {writes("p"), writes("x")}});
  ASSERT_EQ(predecessors[3], (indexes{1, 2}));
  batch_schedule schedule(predecessors, {true, true, true, true});
  EXPECT_EQ(schedule.roots(), (indexes{0, 1}));
  EXPECT_EQ(answered(schedule, 0), (indexes{2}));
  EXPECT_EQ(answered(schedule, 2), indexes{});
  EXPECT_EQ(decided(schedule, 0), indexes{}) << "3 must still wait for 1";
  EXPECT_EQ(answered(schedule, 1), (indexes{3}));
  EXPECT_EQ(answered(schedule, 3), indexes{});
}

// A decision that comes after its operation answered but before it completed (it was
// itself started early by an earlier funding still in flight) lets its changes go.
TEST(batch_schedule, a_late_decision_of_an_operation_started_early_still_releases) {
  // 0 and 1 fund from p; 2 changes p; 3 reads p.
  batch_schedule schedule(
      batch_predecessors({{writes("p")}, {writes("p")}, {writes("p")}, {reads("p")}}),
      {true, true, true, false});
  EXPECT_EQ(decided(schedule, 0), (indexes{1}));
  EXPECT_EQ(answered(schedule, 1), indexes{});  // incomplete: 0 has not answered
  EXPECT_EQ(decided(schedule, 1), (indexes{2}));
  EXPECT_EQ(answered(schedule, 2), indexes{});
  EXPECT_EQ(answered(schedule, 0), (indexes{3}));
}

// Random batches over a few objects, their events (each funding's decision and each
// operation's answer, a funding's in either order) delivered in random orders. Checked at
// every start: a change's predecessors each answered or were decided; a read's every
// transitive predecessor answered. At the end every operation started exactly once.
TEST(batch_schedule, every_operation_starts_once_and_in_order_whatever_the_events_order) {
  std::mt19937 random(20261207);
  for (int round = 0; round < 2000; ++round) {
    const std::size_t count = 2 + random() % 12;
    enum class kind { read, write, funding };
    std::vector<kind> kinds(count);
    std::vector<std::vector<object_touch>> touches(count);
    std::vector<bool> changes_state(count);
    for (std::size_t index = 0; index < count; ++index) {
      kinds[index] = kind(random() % 3);
      changes_state[index] = kinds[index] != kind::read;
      const std::size_t objects = 1 + random() % 2;
      for (std::size_t object = 0; object < objects; ++object) {
        auto id = std::string(1, char('a' + random() % 3));
        touches[index].push_back(kinds[index] == kind::read ? reads(id) : writes(id));
      }
    }
    const auto predecessors = batch_predecessors(touches);
    std::vector<std::set<std::size_t>> before(count);  // transitive predecessors
    for (std::size_t index = 0; index < count; ++index)
      for (auto predecessor : predecessors[index]) {
        before[index].insert(predecessor);
        before[index].insert(before[predecessor].begin(), before[predecessor].end());
      }
    batch_schedule schedule(predecessors, changes_state);
    std::vector<int> starts(count, 0);
    std::vector<bool> answered_yet(count, false), decided_yet(count, false);
    struct event {
      std::size_t index;
      bool is_decision;
    };
    std::vector<event> pending;
    auto start = [&](const indexes& ready) {
      for (auto index : ready) {
        ++starts[index];
        for (auto predecessor : predecessors[index]) {
          const bool let_go =
              answered_yet[predecessor] || (changes_state[index] && decided_yet[predecessor]);
          ASSERT_TRUE(let_go) << "round " << round << ": " << index << " before " << predecessor;
        }
        if (!changes_state[index]) {
          for (auto earlier : before[index])
            ASSERT_TRUE(answered_yet[earlier]) << "round " << round << ": read " << index;
        }
        pending.push_back({index, false});
        if (kinds[index] == kind::funding) pending.push_back({index, true});
      }
    };
    start(schedule.roots());
    while (!pending.empty()) {
      const auto pick = random() % pending.size();
      const auto next = pending[pick];
      pending.erase(pending.begin() + std::ptrdiff_t(pick));
      indexes ready;
      if (next.is_decision) {
        decided_yet[next.index] = true;
        schedule.decided(next.index, ready);
      } else {
        answered_yet[next.index] = true;
        schedule.answered(next.index, ready);
      }
      start(ready);
      if (HasFatalFailure()) return;
    }
    ASSERT_EQ(starts, std::vector<int>(count, 1)) << "round " << round;
  }
}

}  // namespace
}  // namespace escrowd::http
