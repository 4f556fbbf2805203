// One shard of the load: its own io_context, driver (connections) and story source, run on
// one thread, closed loop (a fixed number of virtual users, each sending its next request
// when the last one answered) or open loop (requests scheduled at a fixed rate; latency is
// measured from the scheduled time, so a stalled target cannot hide its queue: no
// coordinated omission). With batch_size > 0 each virtual user sends its stories' next steps
// as one POST /v1/batch.
// Thread affinity: run() on the shard's thread; publish_progress() readers take the mutex.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "bench/loadgen/driver.hpp"
#include "bench/loadgen/histogram.hpp"
#include "bench/loadgen/plan.hpp"
#include "bench/loadgen/story.hpp"

namespace escrowd::loadgen {

using clock_type = std::chrono::steady_clock;

struct shard_config {
  unsigned index = 0;
  bool open_loop = false;
  std::size_t concurrency = 64;  // closed: virtual users; open: stories in flight at most
  double rate = 0;               // open loop: requests per second for this shard
  std::chrono::milliseconds warmup{0};
  std::chrono::milliseconds duration{10'000};  // ignored when requests_max > 0
  std::uint64_t requests_max = 0;              // stop after this many requests (no warmup)
  std::size_t batch_size = 0;                  // > 0: every request is a batch of stories' steps
  std::uint64_t seed = 1;
  mix workload;
};

struct kind_counts {
  std::uint64_t ok = 0;
  std::uint64_t rejected = 0;  // business rejections (409, 404): executed and durable
  std::uint64_t failed = 0;    // everything else: other 4xx, 5xx, no answer
};

// What a shard measured inside its window. The requests counted are those sent (open loop:
// scheduled) after the warmup; the window runs from the first send of one of them to the
// last answer to one, so throughput is what the target delivered, not what was asked: an
// open loop the target cannot keep up with stretches the window past the schedule.
struct shard_result {
  histogram latency;        // every request (a batch counts once)
  histogram write_latency;  // state-changing requests
  std::uint64_t requests = 0;
  std::uint64_t operations = 0;  // requests, or the operations inside batches
  std::array<kind_counts, op_kind_count> by_kind{};
  std::vector<std::string> error_samples;  // the first few failures, for the report
  std::vector<std::string> topups;         // ids of accepted top-ups (whole run, for the audit)
  std::vector<std::string> withdrawals;    // ids of accepted withdrawals (whole run)
  clock_type::time_point window_begin = clock_type::time_point::max();  // none sent yet
  clock_type::time_point window_end = clock_type::time_point::min();    // none answered yet
  std::chrono::nanoseconds wall{0};  // the whole load phase: warmup, window and drain
  // Open loop: counted requests answered after the schedule's end, the backlog the target
  // had not worked off when the last slot came due.
  std::uint64_t late = 0;
  std::uint64_t in_flight_peak = 0;
  driver_stats client;

  void merge(const shard_result& other);
  // window_end - window_begin, or zero when nothing was counted.
  [[nodiscard]] std::chrono::nanoseconds window() const;
};

// A snapshot for the progress line, published about once a second.
struct shard_progress {
  histogram interval_latency;
  std::uint64_t requests = 0;  // total so far
  std::uint64_t failed = 0;    // total so far
  std::uint64_t in_flight = 0;
};

class shard {
 public:
  shard(const plan& run, shard_config config, target_config target);
  ~shard();

  shard(const shard&) = delete;
  shard& operator=(const shard&) = delete;

  // Runs the load to its end, drains it and closes the driver. Blocks.
  void run();
  [[nodiscard]] const shard_result& result() const { return result_; }

  // Takes the latest snapshot (and resets its interval histogram). Any thread.
  shard_progress take_progress();

 private:
  struct virtual_user;
  void start_closed_loop();
  void next_step(const std::shared_ptr<virtual_user>& user);
  void send_batch(const std::shared_ptr<virtual_user>& user);
  void user_finished();
  void open_loop_tick();
  void dispatch_due();
  void finish_open_loop_if_idle();
  // The request's latency and the progress counters; `sent` is the scheduled time in the
  // open loop.
  void record_request(bool write, clock_type::time_point sent, clock_type::time_point done,
                      bool failed);
  // The operation's outcome by kind, and the ids the audit needs.
  void record_outcome(op_kind kind, const op_result& result, const story& current, bool in_window);
  [[nodiscard]] bool may_issue() const;
  // `scheduled` decides whether the request counts (open loop: its slot's time), `sent` is
  // when it actually left.
  void note_sent(clock_type::time_point scheduled, clock_type::time_point sent);
  void publish_progress();

  struct state;
  std::unique_ptr<state> state_;
  shard_result result_;
};

}  // namespace escrowd::loadgen
