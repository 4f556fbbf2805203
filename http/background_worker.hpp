// One thread for the API's long jobs (ledger verification, reconciliation scans), so an
// I/O thread never blocks on a full scan. Jobs run one at a time in arrival order; at most
// `queued_jobs_max` wait, beyond which post() refuses (the caller answers 429/503).
// Thread affinity: post() from any thread. Lifetime: the destructor runs the queued jobs'
// refusal path by dropping them (their replies then answer 500 through the responder)
// and joins the thread.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace escrowd::http {

class background_worker {
 public:
  explicit background_worker(std::size_t queued_jobs_max = 16);
  ~background_worker();
  background_worker(const background_worker&) = delete;
  background_worker& operator=(const background_worker&) = delete;

  // False when the queue is full or the worker is stopping.
  [[nodiscard]] bool post(std::function<void()> job);

 private:
  void run();

  const std::size_t queued_jobs_max_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace escrowd::http
