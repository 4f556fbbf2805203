// series_slots: a fixed number of label children of one prometheus family, each created on
// first use and then reached through an atomic pointer, so the hot path neither builds a
// label map nor takes a lock (prometheus-cpp's Family::Add costs ~100 ns and a mutex).
// Used for label sets that are bounded but too sparse to create up front (task
// transitions, HTTP statuses). Internal to the telemetry library.
// Thread affinity: thread-safe; children live as long as the family (the registry).
#pragma once

#include <prometheus/family.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <mutex>

namespace escrowd::actors::telemetry {

template <class Metric, std::size_t slot_count>
class series_slots {
 public:
  explicit series_slots(prometheus::Family<Metric>& family) : family_(family) {}

  // `make_labels()` is called only when the slot is first used; `extra` are the
  // constructor arguments of the child (histogram buckets).
  template <class LabelMaker, class... Extra>
  Metric& at(std::size_t slot, LabelMaker&& make_labels, const Extra&... extra) {
    if (Metric* existing = slots_[slot].load(std::memory_order_acquire)) return *existing;
    std::lock_guard lock(mutex_);
    if (Metric* existing = slots_[slot].load(std::memory_order_relaxed)) return *existing;
    Metric& created = family_.Add(make_labels(), extra...);
    slots_[slot].store(&created, std::memory_order_release);
    return created;
  }

 private:
  prometheus::Family<Metric>& family_;
  std::array<std::atomic<Metric*>, slot_count> slots_{};
  std::mutex mutex_;
};

}  // namespace escrowd::actors::telemetry
