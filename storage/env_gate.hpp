// env_gate: lets many readers use the LMDB environment at once while map growth and
// reload get it alone. LMDB requires that no transaction of this process is active while
// the map size changes or the environment closes.
// Unlike std::shared_mutex, a shared hold may be released by another thread than the one
// that took it: a read snapshot (MDB_NOTLS) may migrate between threads, as actors do.
// Thread affinity: any; all members are thread-safe. Lifetime: outlives every holder.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <mutex>

namespace escrowd::storage {

class env_gate {
 public:
  void enter_shared() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return !exclusive_ && exclusive_waiting_ == 0; });
    ++shared_;
  }
  void leave_shared() {
    std::lock_guard lock(mutex_);
    if (--shared_ == 0) changed_.notify_all();
  }
  void enter_exclusive() {
    std::unique_lock lock(mutex_);
    ++exclusive_waiting_;  // new readers queue behind us, so a busy store cannot starve growth
    changed_.wait(lock, [&] { return !exclusive_ && shared_ == 0; });
    --exclusive_waiting_;
    exclusive_ = true;
  }
  // Exclusive only if nobody holds or waits for the gate now; never blocks.
  [[nodiscard]] bool try_enter_exclusive() {
    std::lock_guard lock(mutex_);
    if (exclusive_ || shared_ != 0 || exclusive_waiting_ != 0) return false;
    exclusive_ = true;
    return true;
  }
  void leave_exclusive() {
    std::lock_guard lock(mutex_);
    exclusive_ = false;
    changed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::size_t shared_ = 0;
  std::size_t exclusive_waiting_ = 0;
  bool exclusive_ = false;
};

}  // namespace escrowd::storage
