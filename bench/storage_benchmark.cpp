// Storage benchmarks: durable records per second through ledger_store::commit_batch at
// batch sizes 1, 16, 256 and 4096, the raw fdatasync cost of this disk in the same run,
// and group commit with N submitting threads.
// Back of the envelope (stack-notes.md): one LMDB commit is an fdatasync (~200 us here)
// plus a synchronous meta-page write, so one record per commit caps at a few thousand/s;
// durable throughput comes only from batching. Target: >= 200,000 records/s at batch 256,
// i.e. a 256-record batch, sync included, in <= 1.28 ms.
// BM_Storage_CommitBatch records are realistic: each funds a new task (task row, payer
// deltas on available and escrowed, a balanced two-leg entry, the account index row, an
// idempotency record) for one of 1,024 payers, so most rows land on different B-tree pages.
// BM_Storage_CommitBatchTopUp records are lean: a settled top-up (operation row, account
// deltas, entry, index row) on one of 16 accounts, close to the "small puts" of
// stack-notes.md. The gap between the two is the cost of touching more pages per record:
// every dirty 4 KiB page is written and synced once per commit.
// Data lives under $ESCROWD_BENCH_DIR (default /tmp), never in the repository.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <thread>

#include "storage/group_commit_writer.hpp"
#include "storage/ledger_store.hpp"
#include "tests/storage/storage_test_support.hpp"

namespace {

using namespace escrowd;
using namespace escrowd::storage;
using namespace escrowd::storage::testing;

constexpr std::int64_t now = 1'700'000'000;
constexpr int payers = 1024;

std::filesystem::path bench_dir(const std::string& name) {
  const char* base = std::getenv("ESCROWD_BENCH_DIR");
  auto path = std::filesystem::path(base ? base : "/tmp") /
              ("escrowd-bench-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(path);
  return path;
}

// A store with `payers` rich accounts and one worker.
struct bench_store {
  std::filesystem::path dir;
  std::unique_ptr<ledger_store> store;
  std::vector<account> payer_rows;
  account worker = new_account("worker");
  std::uint64_t next_task = 0;

  explicit bench_store(const std::string& name) : dir(bench_dir(name)) {
    store_options options;
    options.data_dir = dir;
    store = ledger_store::open(options).value();
    std::vector<commit_record> setup{open_account_record("worker")};
    for (int i = 0; i < payers; ++i)
      setup.push_back(open_account_record("payer_" + std::to_string(i)));
    (void)store->commit_batch(setup);
    setup.clear();
    for (int i = 0; i < payers; ++i) {
      auto payer = new_account("payer_" + std::to_string(i));
      setup.push_back(topup_record(payer, "top_" + std::to_string(i), amount_max, now));
      payer.available = amount_max;
      payer_rows.push_back(payer);
    }
    (void)store->commit_batch(setup);
  }
  ~bench_store() {
    store.reset();
    std::filesystem::remove_all(dir);
  }

  commit_record next_topup() {
    const auto n = next_task++;
    const auto& owner = payer_rows[n % 16];
    return topup_record(owner, "top_b" + std::to_string(n), 100, now);
  }

  commit_record next_record() {
    const auto n = next_task++;
    const auto& payer = payer_rows[n % payers];
    const std::string id = "task_" + std::to_string(n);
    auto record = from_outcome(*fund_new_task(payer, worker, id, 100, now), true);
    record.idempotency = idempotency_for("key_" + payer.id, id, now);
    return record;
  }
};

template <bool lean>
void commit_batches(benchmark::State& state) {
  bench_store fixture("batch");
  const auto batch = std::size_t(state.range(0));
  std::vector<commit_record> records(batch);
  const auto syncs_before = fixture.store->stats().syncs;
  std::size_t committed = 0;
  for (auto _ : state) {
    state.PauseTiming();
    for (auto& record : records) record = lean ? fixture.next_topup() : fixture.next_record();
    state.ResumeTiming();
    auto result = fixture.store->commit_batch(records);
    if (!result.outcome || !result.records.back().outcome) {
      state.SkipWithError("commit failed");
      break;
    }
    committed += batch;
  }
  const auto syncs = fixture.store->stats().syncs - syncs_before;
  state.counters["records_per_s"] =
      benchmark::Counter(double(committed), benchmark::Counter::kIsRate);
  state.counters["syncs_per_record"] = double(syncs) / double(std::max<std::size_t>(committed, 1));
}
void BM_Storage_CommitBatch(benchmark::State& state) {
  commit_batches<false>(state);
}
void BM_Storage_CommitBatchTopUp(benchmark::State& state) {
  commit_batches<true>(state);
}
BENCHMARK(BM_Storage_CommitBatchTopUp)
    ->Arg(1)
    ->Arg(16)
    ->Arg(256)
    ->Arg(4096)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Storage_CommitBatch)
    ->Arg(1)
    ->Arg(16)
    ->Arg(256)
    ->Arg(4096)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

// The disk's own price of durability: one 4 KiB write plus fdatasync, as LMDB does per commit.
void BM_Storage_Fdatasync(benchmark::State& state) {
  const auto dir = bench_dir("fsync");
  std::filesystem::create_directories(dir);
  const auto file = dir / "probe";
  const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  std::string page(4096, 'x');
  std::int64_t offset = 0;
  for (auto _ : state) {
    if (::pwrite(fd, page.data(), page.size(), offset) != ssize_t(page.size()) ||
        ::fdatasync(fd) != 0) {
      state.SkipWithError("write failed");
      break;
    }
    offset = (offset + 4096) % (1 << 20);
  }
  ::close(fd);
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_Storage_Fdatasync)->UseRealTime()->Unit(benchmark::kMicrosecond);

// N threads each keep up to 64 records in flight through one group_commit_writer (the
// pipelined style of the actors); batches form by themselves, without a timer.
void BM_Storage_GroupCommit(benchmark::State& state) {
  bench_store fixture("group");
  const int threads = int(state.range(0));
  constexpr int per_thread = 4096;
  constexpr int window = 64;
  // Records are built up front so the measurement is the writer, not the engine.
  std::vector<std::vector<commit_record>> prepared(static_cast<std::size_t>(threads));
  std::size_t committed = 0;
  const auto before = fixture.store->stats();
  for (auto _ : state) {
    state.PauseTiming();
    for (auto& list : prepared) {
      list.clear();
      for (int i = 0; i < per_thread; ++i) list.push_back(fixture.next_record());
    }
    state.ResumeTiming();
    group_commit_writer writer(*fixture.store);
    std::atomic<int> failures{0};
    std::vector<std::thread> submitters;
    for (int t = 0; t < threads; ++t)
      submitters.emplace_back([&, t] {
        std::mutex mutex;
        std::condition_variable changed;
        int in_flight = 0;
        for (auto& record : prepared[std::size_t(t)]) {
          {
            std::unique_lock lock(mutex);
            changed.wait(lock, [&] { return in_flight < window; });
            ++in_flight;
          }
          (void)writer.submit(std::move(record), [&](const commit_result& result) {
            if (!result.outcome) ++failures;
            std::lock_guard lock(mutex);
            --in_flight;
            changed.notify_one();
          });
        }
        std::unique_lock lock(mutex);
        changed.wait(lock, [&] { return in_flight == 0; });
      });
    for (auto& thread : submitters) thread.join();
    writer.stop();
    if (failures != 0) {
      state.SkipWithError("records failed");
      break;
    }
    committed += std::size_t(threads) * per_thread;
  }
  const auto after = fixture.store->stats();
  const double batches = double(after.batches - before.batches);
  state.counters["records_per_s"] =
      benchmark::Counter(double(committed), benchmark::Counter::kIsRate);
  state.counters["syncs_per_record"] =
      double(after.syncs - before.syncs) / double(std::max<std::size_t>(committed, 1));
  state.counters["mean_batch"] = double(committed) / std::max(batches, 1.0);
}
BENCHMARK(BM_Storage_GroupCommit)
    ->Arg(1)
    ->Arg(4)
    ->Arg(16)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
