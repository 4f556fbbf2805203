// The simulator's notion of "now": the wall clock plus an offset that tests can advance
// (`POST /_sim/clock/advance`) to expire idempotency keys or authorizations without waiting.
// Never goes backwards. Not thread-safe: used on the simulator's single I/O thread.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace escrowd::processor_sim {

class sim_clock {
 public:
  [[nodiscard]] std::int64_t now_ms() {
    auto wall = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
    last_ms_ = std::max(last_ms_, wall + offset_ms_);
    return last_ms_;
  }
  [[nodiscard]] std::int64_t now_s() { return now_ms() / 1000; }
  void advance_ms(std::int64_t delta_ms) { offset_ms_ += std::max<std::int64_t>(delta_ms, 0); }
  // The state file keeps the offset: due times and key ages are on this clock, so a restart
  // that forgot an advance would move every scheduled transition later.
  [[nodiscard]] std::int64_t offset_ms() const { return offset_ms_; }
  void restore_offset_ms(std::int64_t offset_ms) { offset_ms_ = std::max(offset_ms_, offset_ms); }

 private:
  std::int64_t offset_ms_ = 0;
  std::int64_t last_ms_ = 0;
};

}  // namespace escrowd::processor_sim
