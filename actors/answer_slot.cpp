#include "actors/answer_slot.hpp"

#include <atomic>
#include <vector>

namespace escrowd::actors {

struct answer_slot::pending {
  std::atomic<bool> answered{false};
  completion done;
  response_renderer render;

  // The first caller to get here owns `done` and `render`; everybody else returns false.
  bool claim() { return !answered.exchange(true, std::memory_order_acq_rel); }

  void finish(rendered_response response) {
    auto call = std::move(done);
    render = nullptr;  // releases what the request's renderer holds, now
    call(std::move(response));
  }

  void finish_timed_out() {
    auto rendered = render(operation_result{escrowd::error{error_code::timeout, {}}, {}, false});
    finish(std::move(rendered));
  }

  ~pending() {
    if (claim()) finish_timed_out();
  }
};

answer_slot answer_slot::open(completion done, response_renderer render) {
  answer_slot slot;
  // Not make_shared: the deadline list's weak pointers would keep the whole block,
  // captures included, alive until the sweep reached them.
  slot.pending_.reset(new pending);
  slot.pending_->done = std::move(done);
  slot.pending_->render = std::move(render);
  return slot;
}

void answer_slot::answer(rendered_response response) const {
  if (pending_ && pending_->claim()) pending_->finish(std::move(response));
}

void answer_slot::time_out() const {
  if (pending_ && pending_->claim()) pending_->finish_timed_out();
}

void answer_deadlines::track(const answer_slot& slot) {
  const auto deadline = clock::now() + deadline_;
  std::lock_guard lock(mutex_);
  slots_.push_back({deadline, slot.pending_});
}

std::size_t answer_deadlines::sweep(clock::time_point now) {
  // Every strong reference taken here is dropped outside the lock: dropping the last one
  // of an unanswered slot answers it, and a completion may submit again (and track).
  std::vector<std::shared_ptr<answer_slot::pending>> overdue;
  std::shared_ptr<answer_slot::pending> first_pending;
  {
    std::lock_guard lock(mutex_);
    while (!slots_.empty()) {
      auto& front = slots_.front();
      auto alive = front.slot.lock();
      if (alive && !alive->answered.load(std::memory_order_acquire)) {
        if (front.deadline > now) {
          first_pending = std::move(alive);
          break;
        }
        overdue.push_back(std::move(alive));
      }
      slots_.pop_front();
    }
  }
  std::size_t timed_out = 0;
  for (auto& slot : overdue) {
    if (!slot->claim()) continue;
    slot->finish_timed_out();
    ++timed_out;
  }
  return timed_out;
}

std::size_t answer_deadlines::tracked() const {
  std::lock_guard lock(mutex_);
  return slots_.size();
}

}  // namespace escrowd::actors
