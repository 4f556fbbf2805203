// One thread for the API's long jobs (ledger verification, reconciliation scans), so an
// I/O thread never blocks on a full scan. Jobs run one at a time in arrival order; at most
// `queued_jobs_max` wait, beyond which post() refuses (the caller answers 429/503).
// A shared job answers everyone who asked for its kind while it waited or ran: a request
// arriving then joins it rather than queueing a second full scan behind it (callers that
// gave up would otherwise leave minutes of scans queued).
// Thread affinity: post() and stop() from any thread. Lifetime: stop() (or the destructor)
// runs the queued jobs' refusal path by dropping them (their replies then answer 500
// through the responder) and joins the thread; posts after it are refused. The object
// stays valid after stop(), for callers still holding a reference to it (a batch whose
// operations outlive the server's drain).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "http/request.hpp"

namespace escrowd::http {

class background_worker {
 public:
  explicit background_worker(std::size_t queued_jobs_max = 16);
  ~background_worker();
  background_worker(const background_worker&) = delete;
  background_worker& operator=(const background_worker&) = delete;

  // False when the queue is full or the worker is stopping.
  [[nodiscard]] bool post(std::function<void()> job);
  // Drops what waits, lets the running job end and joins the thread. Idempotent.
  void stop();
  [[nodiscard]] bool stopped() const;
  // Runs `compute` once for every caller of this `kind` until it has run, and gives each
  // caller's `reply` its answer. False as post().
  [[nodiscard]] bool post_shared(const std::string& kind, std::function<response()> compute,
                                 std::function<void(response)> reply);

 private:
  void run();
  bool push_locked(std::function<void()> job);

  const std::size_t queued_jobs_max_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  std::map<std::string, std::vector<std::function<void(response)>>>
      shared_waiters_;  // by kind, not yet run
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace escrowd::http
