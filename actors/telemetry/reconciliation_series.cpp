#include "actors/telemetry/reconciliation_series.hpp"

#include <prometheus/family.h>

namespace escrowd::actors::telemetry {
namespace {

prometheus::Family<prometheus::Counter>& counters(prometheus::Registry& registry,
                                                  const std::string& name,
                                                  const std::string& help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(registry);
}

}  // namespace

// Every series is created here, so dashboards see zeros before the first run.
reconciliation_series::reconciliation_series(prometheus::Registry& registry)
    : runs_(counters(registry, "escrowd_reconciliation_runs_total",
                     "Background reconciliation runs, by outcome.")),
      repairs_(counters(registry, "escrowd_reconciliation_repairs_total",
                        "Repairs made by background reconciliation, by outcome.")),
      runs_completed_(runs_.Add({{"outcome", "completed"}})),
      runs_incomplete_(runs_.Add({{"outcome", "incomplete"}})),
      runs_failed_(runs_.Add({{"outcome", "failed"}})),
      differences_(counters(registry, "escrowd_reconciliation_differences_total",
                            "Differences with the processor found by background runs, summed "
                            "over runs.")
                       .Add({})),
      repairs_applied_(repairs_.Add({{"outcome", "applied"}})),
      repairs_refused_(repairs_.Add({{"outcome", "refused"}})) {}

void reconciliation_series::record(reconciliation_outcome outcome, std::uint64_t differences,
                                   std::uint64_t repairs_applied, std::uint64_t repairs_refused) {
  switch (outcome) {
    case reconciliation_outcome::completed:
      runs_completed_.Increment();
      break;
    case reconciliation_outcome::incomplete:
      runs_incomplete_.Increment();
      break;
    case reconciliation_outcome::failed:
      runs_failed_.Increment();
      break;
  }
  differences_.Increment(static_cast<double>(differences));
  repairs_applied_.Increment(static_cast<double>(repairs_applied));
  repairs_refused_.Increment(static_cast<double>(repairs_refused));
}

}  // namespace escrowd::actors::telemetry
