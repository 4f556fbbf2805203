// reconciliation_series: the metric families of the gateway's background reconciliation
// (docs/metrics.md "Reconciliation"): runs by outcome, differences found and repairs by
// outcome. Kept apart from metrics.cpp so that file holds the rest of the catalogue.
// Internal to the telemetry library.
// Thread affinity: thread-safe (prometheus counters). Lifetime: within its families (the
// registry).
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/registry.h>

#include <cstdint>

#include "actors/telemetry/metrics.hpp"

namespace escrowd::actors::telemetry {

class reconciliation_series {
 public:
  explicit reconciliation_series(prometheus::Registry& registry);

  // One background run; a failed one counts zero differences and repairs.
  void record(reconciliation_outcome outcome, std::uint64_t differences,
              std::uint64_t repairs_applied, std::uint64_t repairs_refused);

 private:
  prometheus::Family<prometheus::Counter>& runs_;
  prometheus::Family<prometheus::Counter>& repairs_;
  prometheus::Counter& runs_completed_;
  prometheus::Counter& runs_incomplete_;
  prometheus::Counter& runs_failed_;
  prometheus::Counter& differences_;
  prometheus::Counter& repairs_applied_;
  prometheus::Counter& repairs_refused_;
};

}  // namespace escrowd::actors::telemetry
