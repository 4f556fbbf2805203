// commit_observer: derives the metrics that follow from what became durable (money in
// escrow and in flight per currency, operations awaiting reconciliation, task transitions,
// commit batching) from the storage writer's batches. The sums are exact: they start from
// one scan of the store (load) and then move by the deltas of every committed record, so
// they never drift and never need a full scan at scrape time. Watching the writer rather
// than the deciding actors catches every path that changes money (task and account
// actors, the review timer, the gateway's settlements) and counts only durable changes.
// Thread affinity: load() before the writer starts; then the storage writer's thread only
// (the gauges it sets are thread-safe to read). Lifetime: outlives the writer.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <unordered_set>

#include "actors/telemetry/metrics.hpp"
#include "storage/commit_record.hpp"
#include "storage/ledger_store.hpp"

namespace escrowd::actors::telemetry {

class commit_observer {
 public:
  explicit commit_observer(telemetry::metrics& sink) : metrics_(sink) {}

  // Starting values from one consistent snapshot: every task's escrow, every account's
  // held withdrawals and pending top-ups, every operation awaiting reconciliation.
  [[nodiscard]] status load(const storage::read_snapshot& snapshot);

  // One batch the writer tried: `outcome` carries a result per record (or the batch's
  // failure); only records that committed move the gauges.
  void observe_batch(std::span<const storage::commit_record> records,
                     const storage::batch_result& outcome, std::chrono::nanoseconds elapsed);

  [[nodiscard]] telemetry::metrics& sink() { return metrics_; }

 private:
  struct currency_sums {
    escrowd::currency code;
    std::int64_t escrow = 0;
    std::int64_t to_processor = 0;
    std::int64_t from_processor = 0;
    bool dirty = true;
  };

  void observe_record(const storage::commit_record& record);
  void observe_tasks(const storage::commit_record& record);
  void observe_operations(const storage::commit_record& record);
  void add(const currency& which, money_gauge gauge, std::int64_t amount);
  void publish();

  telemetry::metrics& metrics_;
  std::map<std::uint32_t, currency_sums> sums_;     // by currency::packed(); a handful of entries
  std::unordered_set<std::string> reconciling_[2];  // operation ids, by processor_kind - 1
  bool reconciling_dirty_ = true;
};

}  // namespace escrowd::actors::telemetry
