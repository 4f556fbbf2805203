// ledger_clock: the time the ledger stamps and decides by (records' created_at, task
// history, review deadlines, idempotency expiry, retry schedules), in Unix nanoseconds.
// It follows the system clock but never goes backwards and never jumps: it advances with
// CLOCK_BOOTTIME (which counts suspended time and is never stepped) and drifts towards the
// system clock by at most 1/20 of the time elapsed. A step of the system clock (an NTP step,
// an operator's `date -s`, a VM resumed) would otherwise expire every idempotency record at
// once (a retry would run twice), release submitted tasks early, or keep them past their
// window and write history out of order. After a step of S seconds the ledger's time meets
// the system clock again after 20 S seconds; meanwhile windows and retention run at most 5%
// fast or slow. Comparisons with another party's clock (a webhook's signed timestamp) use
// the system clock itself. The clock survives restarts through a checkpoint (a reading of
// both clocks, saved by clock_checkpoint.hpp): on the same boot the ledger resumes where it
// was plus the time elapsed since; after a reboot its last time is a floor.
// Thread affinity: any thread (one mutex); one process-wide instance behind unix_now().
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>

namespace escrowd::actors {

// The ledger's time and the elapsed clock's reading at the same moment.
struct clock_reading {
  std::int64_t elapsed_ns = 0;
  std::int64_t ledger_ns = 0;
};

class ledger_clock {
 public:
  using reading = std::function<std::int64_t()>;  // nanoseconds

  // `elapsed` never goes backwards (CLOCK_BOOTTIME); `system` is the wall clock.
  ledger_clock(reading elapsed, reading system);

  [[nodiscard]] std::int64_t now_ns();

  // Now, as a pair to save.
  [[nodiscard]] clock_reading checkpoint();
  // Continues from a saved pair: with `same_boot` (its elapsed reading is comparable) from
  // its time plus the time elapsed since, else from its time or the system clock, whichever
  // is later. Never turns this clock back: resumed after it handed out a time, it can only
  // move forward (a server resumes before its first request).
  void resume(const clock_reading& saved, bool same_boot);

  // The ledger's time minus the system clock's, now.
  [[nodiscard]] std::int64_t offset_ns();

  // The share of the elapsed time by which the ledger's time may move towards the system
  // clock: 1/20.
  static constexpr std::int64_t drift_divisor = 20;

 private:
  // Advances the state to `elapsed_now` and returns the ledger's time then. Needs mutex_.
  std::int64_t advance(std::int64_t elapsed_now, std::int64_t system_now);

  reading elapsed_;
  reading system_;
  std::mutex mutex_;
  bool started_ = false;
  std::int64_t last_elapsed_ns_ = 0;
  std::int64_t last_ledger_ns_ = 0;
};

// The process's ledger clock, on CLOCK_BOOTTIME and the system clock.
[[nodiscard]] ledger_clock& process_ledger_clock();

// The system clock in Unix seconds: only for comparing with another party's clock.
[[nodiscard]] std::int64_t system_unix_now();

}  // namespace escrowd::actors
