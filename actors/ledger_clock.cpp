#include "actors/ledger_clock.hpp"

#include <time.h>

#include <algorithm>
#include <chrono>
#include <utility>

namespace escrowd::actors {
namespace {

std::int64_t boot_time_ns() {
  timespec now{};
  clock_gettime(CLOCK_BOOTTIME, &now);
  return std::int64_t(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

std::int64_t system_time_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

ledger_clock::ledger_clock(reading elapsed, reading system)
    : elapsed_(std::move(elapsed)), system_(std::move(system)) {}

std::int64_t ledger_clock::now_ns() {
  const std::int64_t elapsed_now = elapsed_();
  const std::int64_t system_now = system_();
  std::lock_guard lock(mutex_);
  return advance(elapsed_now, system_now);
}

clock_reading ledger_clock::checkpoint() {
  const std::int64_t elapsed_now = elapsed_();
  const std::int64_t system_now = system_();
  std::lock_guard lock(mutex_);
  const std::int64_t ledger_now = advance(elapsed_now, system_now);
  return {last_elapsed_ns_, ledger_now};
}

void ledger_clock::resume(const clock_reading& saved, bool same_boot) {
  const std::int64_t elapsed_now = elapsed_();
  const std::int64_t system_now = system_();
  std::lock_guard lock(mutex_);
  // Readings come from clock_checkpoint's plausible range, so the sum cannot overflow.
  const std::int64_t resumed =
      same_boot ? saved.ledger_ns +
                      std::clamp<std::int64_t>(elapsed_now - saved.elapsed_ns, 0, elapsed_now)
                : std::max(saved.ledger_ns, system_now);
  if (!started_) {  // nothing was stamped yet: the saved clock rules, not the system's
    started_ = true;
    last_elapsed_ns_ = elapsed_now;
    last_ledger_ns_ = resumed;
    return;
  }
  const std::int64_t current = advance(elapsed_now, system_now);
  last_ledger_ns_ = std::max(current, resumed);
}

std::int64_t ledger_clock::offset_ns() {
  const std::int64_t elapsed_now = elapsed_();
  const std::int64_t system_now = system_();
  std::lock_guard lock(mutex_);
  return advance(elapsed_now, system_now) - system_now;
}

std::int64_t ledger_clock::advance(std::int64_t elapsed_now, std::int64_t system_now) {
  if (!started_) {
    started_ = true;
    last_elapsed_ns_ = elapsed_now;
    last_ledger_ns_ = system_now;
    return system_now;
  }
  const std::int64_t elapsed = std::max<std::int64_t>(0, elapsed_now - last_elapsed_ns_);
  const std::int64_t predicted = last_ledger_ns_ + elapsed;
  const std::int64_t drift_max = elapsed / drift_divisor;
  // Never below `last_ledger_ns_`: the correction is at most elapsed / 20 <= elapsed.
  last_ledger_ns_ = predicted + std::clamp(system_now - predicted, -drift_max, drift_max);
  last_elapsed_ns_ = std::max(last_elapsed_ns_, elapsed_now);
  return last_ledger_ns_;
}

ledger_clock& process_ledger_clock() {
  static ledger_clock clock(boot_time_ns, system_time_ns);
  return clock;
}

std::int64_t system_unix_now() {
  return system_time_ns() / 1'000'000'000;
}

}  // namespace escrowd::actors
