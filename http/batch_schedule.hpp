// When each operation of a batch may start (batch.cpp), given the operations it waits for
// (batch_order.hpp). An operation starts once each of its predecessors has answered. A
// funding is decided by the payer's actor before it is durable: a state-changing successor
// may start then (it reaches the payer, and the funded task, behind the funding), and is
// itself complete, letting its own successors go, only once the funding is complete too:
// otherwise a read behind it (one answered at once, say an already_exists) would pass the
// funding it depends on. Reads always wait for answers.
// Thread affinity: decided() and answered() may be called from any thread, concurrently,
// each at most once per operation; every operation is reported ready exactly once.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace escrowd::http {

class batch_schedule {
 public:
  // predecessors[i]: the earlier operations i waits for; changes_state[i]: i may start once
  // its predecessors are decided (a POST), rather than answered.
  batch_schedule(const std::vector<std::vector<std::size_t>>& predecessors,
                 std::vector<bool> changes_state);

  // The operations waiting for nothing, to start first.
  [[nodiscard]] std::vector<std::size_t> roots() const;
  // `index` was decided (its answer follows once durable, or may already have come): appends
  // the operations that may start now to `ready`.
  void decided(std::size_t index, std::vector<std::size_t>& ready);
  // `index` answered: appends the operations that may start now to `ready`.
  void answered(std::size_t index, std::vector<std::size_t>& ready);

 private:
  enum class release_stage : std::uint8_t { none, decided, complete };
  void complete_if_last(std::size_t index, std::vector<std::size_t>& ready);

  std::vector<std::vector<std::size_t>> successors_;
  std::vector<bool> changes_state_;
  std::unique_ptr<std::atomic<std::size_t>[]> waiting_for_;  // unfinished predecessors
  std::unique_ptr<std::atomic<release_stage>[]> released_;
  // Its own answer plus the operations it started ahead of that are not complete yet.
  std::unique_ptr<std::atomic<std::size_t>[]> incomplete_;
};

}  // namespace escrowd::http
