// head_vector: a FIFO queue as a vector read from a moving head, for the small queues an
// actor keeps in its state (held decisions, commit waiters). std::deque allocates its map
// and first block when constructed, and these queues are constructed for every new task
// and account while most stay empty. Taken slots are dropped when the queue empties, and
// now and then while it never does (a hot payer), so it does not keep every slot it took.
// Thread affinity: the owning actor's handlers only.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace escrowd::actors {

template <class T>
class head_vector {
 public:
  [[nodiscard]] bool empty() const { return head_ == items_.size(); }
  [[nodiscard]] std::size_t size() const { return items_.size() - head_; }
  // Slots in use, taken ones not yet compacted away included.
  [[nodiscard]] std::size_t slots() const { return items_.size(); }

  void push_back(T next) { items_.push_back(std::move(next)); }

  // Ahead of everything queued.
  void push_front(T first) {
    if (head_ > 0) {
      items_[--head_] = std::move(first);
    } else {
      items_.insert(items_.begin(), std::move(first));
    }
  }

  // The `index`-th queued item (0 is the front). Precondition: index < size().
  [[nodiscard]] const T& operator[](std::size_t index) const { return items_[head_ + index]; }

  // Takes the `index`-th queued item out. Precondition: index < size().
  T take(std::size_t index) {
    T taken = std::move(items_[head_ + index]);
    if (index == 0) {
      ++head_;
    } else {
      items_.erase(items_.begin() + static_cast<std::ptrdiff_t>(head_ + index));
    }
    if (head_ == items_.size()) {
      items_.clear();
      head_ = 0;
    } else if (head_ >= compact_after_taken_min && head_ * 2 >= items_.size()) {
      items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
    return taken;
  }

  // Precondition: !empty().
  T pop_front() { return take(0); }

 private:
  static constexpr std::size_t compact_after_taken_min = 32;

  std::vector<T> items_;
  std::size_t head_ = 0;
};

}  // namespace escrowd::actors
