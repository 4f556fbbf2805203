// lazy_deadline: a connection's deadline on an Asio timer, moved without touching the
// timer when it moves later. Every request used to re-arm its connection's timers three to
// five times (header, body, idle, write), and each re-arm cancels the pending wait (a
// handler run) and queues a new one (an allocation): ~2k instructions per request. Here
// the deadline is a time point; the timer is only set when the deadline moves earlier than
// it or when its wait ends, which for a busy connection is about once per timeout.
// Thread affinity: the session's strand.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>
#include <chrono>

namespace escrowd::http {

enum class deadline_wait_end : unsigned char {
  nothing,  // cancelled or disarmed: no wait to start
  passed,   // the deadline passed
  rewait,   // the deadline moved later meanwhile: the timer is set to it, wait again
};

class lazy_deadline {
 public:
  using clock = boost::asio::steady_timer::clock_type;

  explicit lazy_deadline(const boost::asio::any_io_executor& executor)
      : timer_(executor, clock::time_point::max()) {}

  boost::asio::steady_timer& timer() { return timer_; }

  // Sets the deadline; true if the caller must start a wait on timer().
  bool arm(std::chrono::milliseconds timeout) {
    deadline_ = clock::now() + timeout;
    if (waiting_ && timer_.expiry() <= deadline_) return false;  // it ends first, then rewaits
    timer_.expires_at(deadline_);                                // cancels a pending wait
    waiting_ = true;
    return true;
  }

  void disarm() { deadline_ = clock::time_point::max(); }

  void cancel() {
    disarm();
    timer_.cancel();
  }

  // In the wait's handler.
  deadline_wait_end wait_ended(boost::system::error_code failure) {
    if (failure) return deadline_wait_end::nothing;  // cancelled: a newer wait, or closed
    waiting_ = false;
    if (deadline_ == clock::time_point::max()) return deadline_wait_end::nothing;
    if (deadline_ <= clock::now()) return deadline_wait_end::passed;
    timer_.expires_at(deadline_);
    waiting_ = true;
    return deadline_wait_end::rewait;
  }

 private:
  boost::asio::steady_timer timer_;
  clock::time_point deadline_ = clock::time_point::max();
  bool waiting_ = false;  // a wait that was not cancelled is pending
};

}  // namespace escrowd::http
