// held_decisions: the decisions an entity actor holds while it cannot decide (stale, or a
// cross-actor decision out), run in arrival order when it can again. A vector read from a
// moving head: std::deque allocates its map and first block when constructed, and an
// entity's lifecycle is constructed for every new task and account (twice when a vacant
// actor serves a new id), while most entities never hold a decision.
// Thread affinity: the owning actor's handlers only.
#pragma once

#include <cstddef>
#include <functional>
#include <utility>
#include <vector>

namespace escrowd::actors {

class held_decisions {
 public:
  using decision = std::function<void()>;

  [[nodiscard]] bool empty() const { return head_ == items_.size(); }
  [[nodiscard]] std::size_t size() const { return items_.size() - head_; }
  // Slots in use, taken ones not yet compacted away included.
  [[nodiscard]] std::size_t slots() const { return items_.size(); }

  void push_back(decision next) { items_.push_back(std::move(next)); }

  // Ahead of everything held (a decision retried after a reload keeps its place).
  void push_front(decision first) {
    if (head_ > 0) {
      items_[--head_] = std::move(first);
    } else {
      items_.insert(items_.begin(), std::move(first));
    }
  }

  // Precondition: !empty().
  decision pop_front() {
    decision first = std::move(items_[head_++]);
    if (head_ == items_.size()) {
      items_.clear();
      head_ = 0;
    } else if (head_ >= compact_after_taken_min && head_ * 2 >= items_.size()) {
      // A queue that never empties (a hot payer) would otherwise keep every slot it took.
      items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
    return first;
  }

 private:
  static constexpr std::size_t compact_after_taken_min = 32;

  std::vector<decision> items_;
  std::size_t head_ = 0;
};

}  // namespace escrowd::actors
