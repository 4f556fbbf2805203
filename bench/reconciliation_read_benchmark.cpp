// What a reconciliation run reads from the store, on a history of a year: 200,000
// operations, one every ~158 s, the last 64 still open (withdrawals with their outbox
// rows). BM_Reconciliation_ReadWhole is how a run read them before operation_times: one
// scan for the oldest open operation, one to compare, each over every operation ever made.
// BM_Reconciliation_ReadWindow is the read now: the outbox for the oldest open one, then
// operation_times from the window's start (14 days), a point read per operation. Both
// visit operations the way the comparison does (decoded rows, nothing else), so the ratio
// is the store's share of a run; the processor's listing is not part of it.
// Data lives under $ESCROWD_BENCH_DIR (default /tmp), never in the repository.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>

#include "engine/processor_operation.hpp"
#include "storage/ledger_store.hpp"
#include "tests/storage/storage_test_support.hpp"

namespace {

using namespace escrowd;
using namespace escrowd::storage;
using namespace escrowd::storage::testing;

constexpr std::int64_t year_end = 1'700'000'000;
constexpr std::int64_t year = 365 * 86'400;
constexpr std::int64_t window = 14 * 86'400;
constexpr int operations = 200'000;
constexpr int open_operations = 64;

struct history_store {
  std::filesystem::path dir;
  std::unique_ptr<ledger_store> store;

  history_store() {
    const char* base = std::getenv("ESCROWD_BENCH_DIR");
    dir = std::filesystem::path(base ? base : "/tmp") /
          ("escrowd-bench-reconciliation-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    store_options options;
    options.data_dir = dir;
    store = ledger_store::open(options).value();
    (void)store->commit_batch(std::vector<commit_record>{open_account_record("payer")});
    auto payer = new_account("payer");
    std::vector<commit_record> batch;
    const auto flush = [&] {
      (void)store->commit_batch(batch);
      batch.clear();
    };
    const int settled = operations - open_operations;
    for (int i = 0; i < settled; ++i) {
      const std::int64_t at = year_end - year + std::int64_t(i) * year / operations;
      batch.push_back(topup_record(payer, "top_" + std::to_string(i), 1'000, at));
      payer.available += 1'000;
      if (batch.size() == 4096) flush();
    }
    flush();
    for (int i = 0; i < open_operations; ++i) {
      const std::int64_t at = year_end - open_operations + i;
      auto held = request_withdrawal(payer, {"wd_" + std::to_string(i), 10, "ba_1"}, at);
      payer.available -= 10;
      payer.pending_withdrawal += 10;
      batch.push_back(operation_record(*held, true, at));
    }
    flush();
  }
  ~history_store() {
    store.reset();
    std::filesystem::remove_all(dir);
  }
};

history_store& history() {
  static history_store built;
  return built;
}

void BM_Reconciliation_ReadWhole(benchmark::State& state) {
  auto& store = *history().store;
  std::size_t visited = 0;
  for (auto _ : state) {
    auto snapshot = store.snapshot();
    std::optional<std::int64_t> oldest;
    (void)snapshot->for_each_operation([&](const processor_operation& operation) {
      if (is_open(operation.status) && (!oldest || operation.created_at < *oldest))
        oldest = operation.created_at;
      return true;
    });
    (void)snapshot->for_each_operation([&](const processor_operation& operation) {
      benchmark::DoNotOptimize(operation.status);
      ++visited;
      return true;
    });
    benchmark::DoNotOptimize(oldest);
  }
  state.counters["operations_compared"] = double(visited) / double(state.iterations());
}
BENCHMARK(BM_Reconciliation_ReadWhole)->Unit(benchmark::kMillisecond);

void BM_Reconciliation_ReadWindow(benchmark::State& state) {
  auto& store = *history().store;
  std::size_t visited = 0;
  for (auto _ : state) {
    auto snapshot = store.snapshot();
    auto oldest = snapshot->oldest_open_operation_created_at();
    const std::int64_t since = std::min(year_end - window, oldest && *oldest ? **oldest : year_end);
    (void)snapshot->for_each_operation_created_since(since, [&](const processor_operation& op) {
      benchmark::DoNotOptimize(op.status);
      ++visited;
      return true;
    });
  }
  state.counters["operations_compared"] = double(visited) / double(state.iterations());
}
BENCHMARK(BM_Reconciliation_ReadWindow)->Unit(benchmark::kMillisecond);

}  // namespace
