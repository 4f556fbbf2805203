// Seeded fault draws. Each eligible request consumes the same number of random numbers
// whatever the outcome, so a given seed and request sequence always injects the same faults.
// Not thread-safe: owned by the api on the simulator's single I/O thread.
#pragma once

#include <cstdint>
#include <random>

namespace escrowd::processor_sim {

enum class drop_mode { reset, hang };

struct fault_options {
  double rate_limit = 0;          // 429 rate_limit before anything happens
  double lock_timeout = 0;        // 429 lock_timeout before anything happens
  double fail_before_effect = 0;  // 500 after execution began, nothing applied
  double fail_after_effect = 0;   // effect applied, then 500
  double drop_after_effect = 0;   // effect applied, response lost
  double slow = 0;                // execution delayed by slow_ms (key in flight meanwhile)
  double webhook_duplicate = 0;   // an event is delivered twice
  std::int64_t slow_ms = 0;
  drop_mode drop = drop_mode::reset;
  std::int64_t hang_ms = 0;
  bool fault_reads = false;  // also inject rate limits, slowness and 500s into GETs
};

struct fault_draw {
  bool rate_limit = false;
  bool lock_timeout = false;
  bool fail_before_effect = false;
  bool fail_after_effect = false;
  bool drop_after_effect = false;
  bool slow = false;
};

class fault_plan {
 public:
  // `seed` is the simulator's one seed (api_options), which also draws its ids.
  fault_plan(const fault_options& options, std::uint64_t seed);

  [[nodiscard]] fault_draw draw();
  [[nodiscard]] bool draw_webhook_duplicate();
  [[nodiscard]] const fault_options& options() const { return options_; }

 private:
  // Uniform in [0, 1) from 53 random bits: the same numbers on every standard library,
  // unlike std::uniform_real_distribution.
  static bool happens(std::mt19937_64& rng, double probability);

  fault_options options_;
  std::mt19937_64 request_rng_;
  // Webhook duplicates use their own stream so that turning webhooks on does not shift the
  // faults drawn for requests.
  std::mt19937_64 webhook_rng_;
};

}  // namespace escrowd::processor_sim
