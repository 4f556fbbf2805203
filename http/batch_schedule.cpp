#include "http/batch_schedule.hpp"

namespace escrowd::http {

batch_schedule::batch_schedule(const std::vector<std::vector<std::size_t>>& predecessors,
                               std::vector<bool> changes_state)
    : successors_(predecessors.size()),
      changes_state_(std::move(changes_state)),
      waiting_for_(std::make_unique<std::atomic<std::size_t>[]>(predecessors.size())),
      released_(std::make_unique<std::atomic<release_stage>[]>(predecessors.size())),
      incomplete_(std::make_unique<std::atomic<std::size_t>[]>(predecessors.size())) {
  changes_state_.resize(predecessors.size());
  for (std::size_t index = 0; index < predecessors.size(); ++index) {
    for (auto predecessor : predecessors[index]) successors_[predecessor].push_back(index);
    waiting_for_[index] = predecessors[index].size();
    released_[index] = release_stage::none;
    incomplete_[index] = 1;
  }
}

std::vector<std::size_t> batch_schedule::roots() const {
  std::vector<std::size_t> roots;
  for (std::size_t index = 0; index < successors_.size(); ++index)
    if (waiting_for_[index] == 0) roots.push_back(index);
  return roots;
}

// The decision holds `index` incomplete while it raises its successors' counts and
// publishes the stage, so that its answer, racing with this, completes it only after both.
// If the answer has completed it already, its successors were let go by the answer and the
// decision changes nothing: raising their counts then would complete a successor that had
// started and answered a second time, and start its own successors before their other
// predecessors answered.
void batch_schedule::decided(std::size_t index, std::vector<std::size_t>& ready) {
  auto held = incomplete_[index].load();
  do {
    if (held == 0) return;
  } while (!incomplete_[index].compare_exchange_weak(held, held + 1));
  const auto& successors = successors_[index];
  for (auto successor : successors)
    if (changes_state_[successor]) incomplete_[successor].fetch_add(1);
  released_[index].store(release_stage::decided);
  for (auto successor : successors)
    if (changes_state_[successor] && waiting_for_[successor].fetch_sub(1) == 1)
      ready.push_back(successor);
  complete_if_last(index, ready);
}

void batch_schedule::answered(std::size_t index, std::vector<std::size_t>& ready) {
  complete_if_last(index, ready);
}

// `index` answered, or an operation it started ahead of completed. When that was the last
// thing it waited for, it completes: the successors it started early lose a reason to be
// incomplete, the others lose a predecessor to wait for. A worklist rather than recursion:
// a chain of thousands of fundings completes in one go.
void batch_schedule::complete_if_last(std::size_t index, std::vector<std::size_t>& ready) {
  if (incomplete_[index].fetch_sub(1) != 1) return;
  std::vector<std::size_t> completing{index};
  while (!completing.empty()) {
    const auto done = completing.back();
    completing.pop_back();
    const bool started_early =
        released_[done].exchange(release_stage::complete) == release_stage::decided;
    for (auto successor : successors_[done]) {
      if (started_early && changes_state_[successor]) {
        if (incomplete_[successor].fetch_sub(1) == 1) completing.push_back(successor);
      } else if (waiting_for_[successor].fetch_sub(1) == 1) {
        ready.push_back(successor);
      }
    }
  }
}

}  // namespace escrowd::http
