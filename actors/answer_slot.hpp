// answer_slot: how a facade caller hears its answer straight from the actor that decides
// the request (an account or task actor), with no actor between them: a request costs one
// hop each way less and no CAF request bookkeeping, which on two cores is paid in thread
// wake-ups and allocations.
// Each caller hears exactly one answer, whichever comes first: the deciding actor's; the
// deadline sweep's `timeout`; or, when every copy of the slot is dropped unanswered (the
// actor died with the message in its mailbox), `timeout` at once, as a CAF request to a
// dead actor would have said.
// Thread affinity: any thread; the first answer wins through an atomic flag.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <utility>

#include "actors/commands.hpp"

namespace escrowd::actors {

class answer_slot {
 public:
  answer_slot() = default;
  static answer_slot open(completion done, response_renderer render);

  // Hands `response` to the caller unless it already had its answer.
  void answer(rendered_response response) const;
  // Answers `timeout` in the request's own shape, unless already answered.
  void time_out() const;

 private:
  struct pending;
  friend class answer_deadlines;
  std::shared_ptr<pending> pending_;
};

// The slots in flight, oldest first, and the deadline each must be answered by. Holds them
// weakly: an answered slot goes away as soon as its last copy does.
class answer_deadlines {
 public:
  using clock = std::chrono::steady_clock;

  explicit answer_deadlines(clock::duration deadline) : deadline_(deadline) {}

  void track(const answer_slot& slot);
  // Answers `timeout` for every slot past its deadline and forgets the answered ones at
  // the front; returns how many timed out.
  std::size_t sweep(clock::time_point now);
  [[nodiscard]] std::size_t tracked() const;

 private:
  struct tracked_slot {
    clock::time_point deadline;
    std::weak_ptr<answer_slot::pending> slot;
  };
  clock::duration deadline_;
  mutable std::mutex mutex_;
  std::deque<tracked_slot> slots_;  // in order of deadline, give or take a racing thread
};

}  // namespace escrowd::actors
