#include "actors/sharing_scheduler.hpp"

#include <caf/detail/set_thread_name.hpp>
#include <caf/detail/thread_safe_actor_clock.hpp>
#include <caf/execution_unit.hpp>
#include <caf/resumable.hpp>
#include <caf/scheduler/abstract_coordinator.hpp>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <thread>
#include <vector>

namespace escrowd::actors {
namespace {

// Runnable actors in FIFO order: a power-of-two ring that doubles when full and never
// shrinks (a scheduler's queue peaks at the actors runnable at once).
class job_ring {
 public:
  bool empty() const { return size_ == 0; }

  void push(caf::resumable* job) {
    if (size_ == slots_.size()) grow();
    slots_[(head_ + size_) & (slots_.size() - 1)] = job;
    ++size_;
  }

  caf::resumable* pop() {
    auto* job = slots_[head_];
    head_ = (head_ + 1) & (slots_.size() - 1);
    --size_;
    return job;
  }

 private:
  void grow() {
    std::vector<caf::resumable*> larger(slots_.empty() ? 64 : slots_.size() * 2);
    for (std::size_t i = 0; i < size_; ++i) larger[i] = slots_[(head_ + i) & (slots_.size() - 1)];
    slots_ = std::move(larger);
    head_ = 0;
  }

  std::vector<caf::resumable*> slots_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

class sharing_scheduler;

class worker final : public caf::execution_unit {
 public:
  worker(sharing_scheduler& parent, caf::actor_system& system)
      : caf::execution_unit(&system), parent_(parent) {}

  // An actor this worker runs made another one runnable.
  void exec_later(caf::resumable* job) override;

  void run(std::size_t max_throughput);

 private:
  sharing_scheduler& parent_;
};

class sharing_scheduler final : public caf::scheduler::abstract_coordinator {
 public:
  explicit sharing_scheduler(caf::actor_system& system) : abstract_coordinator(system) {}

  void enqueue(caf::resumable* job) override {
    {
      std::lock_guard guard(mutex_);
      jobs_.push(job);
    }
    ready_.notify_one();
  }

  // The next runnable actor; null tells the worker to stop.
  caf::resumable* next_job() {
    std::unique_lock guard(mutex_);
    ready_.wait(guard, [&] { return !jobs_.empty(); });
    return jobs_.pop();
  }

  caf::detail::thread_safe_actor_clock& clock() noexcept override { return clock_; }

 protected:
  void start() override {
    const auto count = num_workers();
    workers_.reserve(count);
    for (std::size_t i = 0; i < count; ++i)
      workers_.push_back(std::make_unique<worker>(*this, system()));
    for (auto& each : workers_) {
      threads_.emplace_back([this, unit = each.get()] {
        caf::detail::set_thread_name("escrowd.worker");
        system().thread_started();
        unit->run(max_throughput());
        system().thread_terminates();
      });
    }
    clock_thread_ = std::thread([this] {
      caf::detail::set_thread_name("caf.clock");
      system().thread_started();
      clock_.run_dispatch_loop();
      system().thread_terminates();
    });
    abstract_coordinator::start();
  }

  void stop() override {
    // One stop mark per worker, behind every job queued before: each worker takes one.
    for (std::size_t i = 0; i < workers_.size(); ++i) enqueue(nullptr);
    for (auto& thread : threads_) thread.join();
    stop_actors();
    {
      std::lock_guard guard(mutex_);
      while (!jobs_.empty())
        if (auto* job = jobs_.pop()) cleanup_and_release(job);
    }
    clock_.cancel_dispatch_loop();
    clock_thread_.join();
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  job_ring jobs_;
  std::vector<std::unique_ptr<worker>> workers_;
  std::vector<std::thread> threads_;
  caf::detail::thread_safe_actor_clock clock_;
  std::thread clock_thread_;
};

void worker::exec_later(caf::resumable* job) {
  parent_.enqueue(job);
}

void worker::run(std::size_t max_throughput) {
  while (auto* job = parent_.next_job()) {
    switch (job->resume(this, max_throughput)) {
      case caf::resumable::resume_later:
        parent_.enqueue(job);  // the job keeps its reference while queued
        break;
      case caf::resumable::done:
      case caf::resumable::awaiting_message:
        caf::intrusive_ptr_release(job);
        break;
      case caf::resumable::shutdown_execution_unit:
        return;
    }
  }
}

}  // namespace

void use_sharing_scheduler(caf::actor_system_config& config) {
  config.module_factories.push_back([](caf::actor_system& system) -> caf::actor_system::module* {
    return new sharing_scheduler(system);
  });
}

}  // namespace escrowd::actors
