// mailbox_backlog: an estimate of how many messages wait in an actor's mailbox, made by
// the actor itself without reading the mailbox (CAF 0.17's mailbox().size() is undefined
// behaviour under UBSan). The actor already wakes itself with a periodic timer message;
// the time that message spent queued behind others, times the rate at which the actor
// handles messages, is the queue length by Little's law. An idle actor reports 0; an
// actor that falls behind reports a number that grows with its queue.
// Thread affinity: the owning actor only. Lifetime: a member of the actor's state.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace escrowd::actors::telemetry {

class mailbox_backlog_estimator {
 public:
  using clock = std::chrono::steady_clock;

  // One message handled (called by the actor's handlers).
  void handled() { ++handled_; }

  // The periodic timer message was just sent, due after `delay`.
  void timer_armed(clock::time_point now, clock::duration delay) {
    timer_due_ = now + delay;
    if (window_start_ == clock::time_point{}) window_start_ = now;
  }

  // The timer message is being handled: the estimated number of messages queued now.
  // Restarts the rate window.
  [[nodiscard]] std::size_t timer_fired(clock::time_point now) {
    const double waited = std::chrono::duration<double>(now - timer_due_).count();
    const double window = std::chrono::duration<double>(now - window_start_).count();
    const double rate = window > 0 ? double(handled_) / window : 0.0;
    handled_ = 0;
    window_start_ = now;
    if (waited <= 0 || timer_due_ == clock::time_point{}) return 0;
    return static_cast<std::size_t>(rate * waited + 0.5);
  }

 private:
  clock::time_point timer_due_{};
  clock::time_point window_start_{};
  std::uint64_t handled_ = 0;
};

}  // namespace escrowd::actors::telemetry
