#include "http/background_worker.hpp"

namespace escrowd::http {

background_worker::background_worker(std::size_t queued_jobs_max)
    : queued_jobs_max_(queued_jobs_max), thread_([this] { run(); }) {}

background_worker::~background_worker() {
  stop();
}

void background_worker::stop() {
  // Destroyed outside the lock: a dropped reply answers through its responder.
  std::deque<std::function<void()>> dropped_jobs;
  std::map<std::string, std::vector<std::function<void(response)>>> dropped_waiters;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    dropped_jobs.swap(jobs_);
    dropped_waiters.swap(shared_waiters_);
  }
  wake_.notify_all();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

bool background_worker::stopped() const {
  std::lock_guard lock(mutex_);
  return stopping_;
}

bool background_worker::push_locked(std::function<void()> job) {
  if (stopping_ || jobs_.size() >= queued_jobs_max_) return false;
  jobs_.push_back(std::move(job));
  return true;
}

bool background_worker::post(std::function<void()> job) {
  {
    std::lock_guard lock(mutex_);
    if (!push_locked(std::move(job))) return false;
  }
  wake_.notify_one();
  return true;
}

bool background_worker::post_shared(const std::string& kind, std::function<response()> compute,
                                    std::function<void(response)> reply) {
  {
    std::lock_guard lock(mutex_);
    if (auto waiting = shared_waiters_.find(kind); waiting != shared_waiters_.end()) {
      waiting->second.push_back(std::move(reply));
      return true;
    }
    auto job = [this, kind, compute = std::move(compute)] {
      // Taken as the job starts: who asks from now on gets a run that starts after asking.
      std::vector<std::function<void(response)>> waiters;
      {
        std::lock_guard taking(mutex_);
        auto waiting = shared_waiters_.find(kind);
        if (waiting == shared_waiters_.end()) return;  // stop() dropped them
        waiters = std::move(waiting->second);
        shared_waiters_.erase(waiting);
      }
      const response answer = compute();
      for (auto& waiter : waiters) waiter(answer);
    };
    if (!push_locked(std::move(job))) return false;
    shared_waiters_[kind].push_back(std::move(reply));
  }
  wake_.notify_one();
  return true;
}

void background_worker::run() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (stopping_) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job();
  }
}

}  // namespace escrowd::http
