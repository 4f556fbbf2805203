// Actors benchmarks: durable escrow transitions per second through the ledger facade, in
// process, on a real LMDB store with real syncs (default flags), with N requests in flight
// (the facade is asynchronous: each finished step submits the next from its completion).
// BM_Actors_EscrowCycle/N: full escrow cycles over 10,000 funded accounts: create the task
// funded (the fund transition: payer's account actor decides, one record with both sides),
// submit (task actor), approve (task actor commits, then credits the worker's account
// actor). Three transitions per cycle, every one acknowledged only after its sync.
// BM_Actors_HotPayer/N: one payer funds many new tasks; every funding is decided by that
// payer's single account actor, which pipelines them (next decision while earlier records
// sync), so the hot account is not limited to one funding per fsync.
// Back of the envelope: one sync is ~0.2 ms here (stack-notes.md), so durable throughput
// comes only from group commit: 100,000 transitions/s needs ~0.002 syncs per transition
// (batches of ~500 records at 200 commits/s) and leaves ~20 us of CPU per transition on 2
// cores for the facade, the bridge, the directory, the entity actors, the engine and the
// LMDB write of its record. Goal (issue 4): >= 100,000 durable transitions/s.
// Counters: transitions_per_s (wall clock); syncs_per_transition, records_per_batch and
// writer_busy (share of the wall clock spent committing) from the store's statistics;
// cpus_used (process CPU time over wall time) and written_bytes_per_transition (/proc).
// Data lives under $ESCROWD_BENCH_DIR (default /tmp). ESCROWD_BENCH_SCHEDULER=stealing runs
// the actors on CAF's work-stealing scheduler instead of the default (sharing), and
// ESCROWD_BENCH_THREADS=N on N scheduler threads instead of the default, for A/B runs;
// ESCROWD_BENCH_LIVE_ACTORS_MAX=N sets the directory's live cap (the full workload passes
// the default cap of tasks in its third repetition; the reduced one never does).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "actors/ledger.hpp"
#include "actors/malloc_tuning.hpp"
#include "actors/wall_clock.hpp"
#include "bench/ledger_bench_support.hpp"

namespace {

using namespace escrowd;
using namespace escrowd::actors;
using namespace escrowd::bench_support;

constexpr std::int64_t opening_balance = 1'000'000'000;
// ESCROWD_BENCH_REDUCED=1 divides the workload by 10, for runs under valgrind.
const std::size_t reduction = std::getenv("ESCROWD_BENCH_REDUCED") != nullptr ? 10 : 1;
const std::size_t account_count = 10'000 / reduction;
const std::size_t cycles_per_round = 20'000 / reduction;
const std::size_t fundings_per_round = 50'000 / reduction;
constexpr std::size_t setup_in_flight = 1'024;
constexpr const char* hot_payer = "hot_payer";

std::filesystem::path bench_dir() {
  const char* base = std::getenv("ESCROWD_BENCH_DIR");
  auto path = std::filesystem::path(base ? base : "/tmp") /
              ("escrowd-bench-actors-" + std::to_string(::getpid()));
  std::filesystem::remove_all(path);
  return path;
}

std::string account_name(std::size_t i) {
  return "acct_" + std::to_string(i);
}

// Runs `total` jobs with at most `in_flight` at once. A job gets its index and a `done`
// to call (from any thread, typically a completion) with whether it went as expected; the
// next job starts from there.
class job_pump {
 public:
  using job = std::function<void(std::size_t index, std::function<void(bool)> done)>;

  // Returns the number of jobs that reported a failure.
  std::size_t run(std::size_t total, std::size_t in_flight, job start) {
    total_ = total;
    start_ = std::move(start);
    next_ = 0;
    finished_ = 0;
    failed_ = 0;
    for (std::size_t i = 0; i < std::min(in_flight, total); ++i) launch();
    std::unique_lock lock(mutex_);
    all_done_.wait(lock, [&] { return finished_ == total_; });
    return failed_.load();
  }

 private:
  void launch() {
    const auto index = next_.fetch_add(1);
    if (index >= total_) return;
    start_(index, [this](bool ok) {
      if (!ok) ++failed_;
      launch();
      std::lock_guard lock(mutex_);
      if (++finished_ == total_) all_done_.notify_one();
    });
  }

  std::size_t total_ = 0;
  job start_;
  std::atomic<std::size_t> next_{0};
  std::atomic<std::size_t> failed_{0};
  std::size_t finished_ = 0;  // guarded by mutex_
  std::mutex mutex_;
  std::condition_variable all_done_;
};

// One ledger for the whole program: 10,000 accounts plus the hot payer, each topped up.
class bench_ledger {
 public:
  static bench_ledger& get() {
    if (!instance_) instance_.reset(new bench_ledger());
    return *instance_;
  }
  // Before main returns: the actor system must stop while the process is whole.
  static void close() { instance_.reset(); }

  ledger& books() { return *books_; }
  std::uint64_t next_task_number(std::size_t count) { return next_task_.fetch_add(count); }

  ~bench_ledger() {
    books_.reset();
    std::filesystem::remove_all(dir_);
  }

 private:
  bench_ledger() : dir_(bench_dir()) {
    ledger_config config;
    config.data_dir = dir_;
    if (const char* scheduler = std::getenv("ESCROWD_BENCH_SCHEDULER");
        scheduler != nullptr && std::string(scheduler) == "stealing")
      config.scheduler = scheduler_policy::stealing;
    if (const char* threads = std::getenv("ESCROWD_BENCH_THREADS"))
      config.scheduler_threads = unsigned(std::strtoul(threads, nullptr, 10));
    if (const char* live = std::getenv("ESCROWD_BENCH_LIVE_ACTORS_MAX"))
      config.live_actors_max = std::strtoull(live, nullptr, 10);
    auto opened = ledger::open(config);
    if (!opened) std::abort();
    books_ = std::move(*opened);
    job_pump pump;
    const auto failures = pump.run(account_count + 1, setup_in_flight, [&](auto i, auto done) {
      open_funded_account(i == account_count ? hot_payer : account_name(i), done);
    });
    if (failures != 0) std::abort();
  }

  template <class Command>
  void expect_ok(Command command, std::function<void(bool)> next) {
    books_->submit(std::move(command), [next = std::move(next)](rendered_response response) {
      next(response.status == 200);
    });
  }

  void open_funded_account(const std::string& id, std::function<void(bool)> done) {
    account_command create;
    create.kind = account_command_kind::create;
    create.account_id = id;
    create.create = {id, usd(), {}};
    create.context = context_for(admin());
    expect_ok(std::move(create), [this, id, done](bool created) {
      if (!created) return done(false);
      account_command request;
      request.kind = account_command_kind::request_topup;
      request.account_id = id;
      request.processor_request = {"top_" + id, opening_balance, "pm_card_visa"};
      request.context = context_for(account_key(id));
      expect_ok(std::move(request), [this, id, done](bool requested) {
        if (!requested) return done(false);
        account_command settle;
        settle.kind = account_command_kind::settle_operation;
        settle.account_id = id;
        settle.operation_kind = processor_kind::topup;
        settle.operation_id = "top_" + id;
        settle.settlement = {processor_status::succeeded, "pi_" + id, {}, {}};
        settle.context = context_for(admin());
        expect_ok(std::move(settle), done);
      });
    });
  }

  static inline std::unique_ptr<bench_ledger> instance_;
  std::filesystem::path dir_;
  std::unique_ptr<ledger> books_;
  std::atomic<std::uint64_t> next_task_{0};
};

task_command transition(task_command_kind kind, const std::string& task_id, principal who) {
  task_command command;
  command.kind = kind;
  command.task_id = task_id;
  command.context = context_for(std::move(who));
  return command;
}

task_command create_funded(const std::string& task_id, const std::string& payer,
                           const std::string& worker) {
  task_command command;
  command.kind = task_command_kind::create_funded;
  command.task_id = task_id;
  command.payer = payer;
  command.create = {task_id, worker, 1, usd(), std::nullopt, payer};
  command.context = context_for(account_key(payer));
  return command;
}

// The first unexpected answer, shown on stderr (once) so a failed run says why.
void report_unexpected(const rendered_response& response) {
  static std::atomic<bool> reported{false};
  if (!reported.exchange(true))
    std::fprintf(stderr, "unexpected answer: %u %s\n", unsigned(response.status),
                 response.body.c_str());
}

// Sends `command`; on a 200 runs `next`, otherwise reports a failure.
void then_if_ok(ledger& books, task_command command, std::function<void()> next,
                const std::function<void(bool)>& done) {
  books.submit(std::move(command), [next = std::move(next), done](rendered_response response) {
    if (response.status == 200) return next();
    report_unexpected(response);
    done(false);
  });
}

// One task's fund (created funded), submit and approve, each step from the previous
// step's completion.
void escrow_cycle(ledger& books, std::uint64_t number, std::function<void(bool)> done) {
  const auto task_id = "task_" + std::to_string(number);
  const auto payer = account_name(number % account_count);
  const auto worker = account_name((number * 7 + 1) % account_count);
  auto approve = [&books, task_id, payer, done] {
    then_if_ok(
        books, transition(task_command_kind::approve, task_id, account_key(payer)),
        [done] { done(true); }, done);
  };
  auto submit = [&books, task_id, worker, approve, done] {
    then_if_ok(books, transition(task_command_kind::submit, task_id, account_key(worker)), approve,
               done);
  };
  then_if_ok(books, create_funded(task_id, payer, worker), submit, done);
}

// Runs rounds of `per_round` jobs of `transitions_per_job` transitions each and reports
// the counters over all rounds.
void run_rounds(benchmark::State& state, std::size_t per_round, double transitions_per_job,
                const job_pump::job& job) {
  auto& books = bench_ledger::get().books();
  const auto in_flight = std::size_t(state.range(0));
  const auto before = books.storage_statistics();
  const double written_bytes_before = process_written_bytes();
  const double cpu_seconds_before = process_cpu_seconds();
  double seconds = 0;
  std::size_t jobs = 0;
  for (auto _ : state) {
    job_pump pump;
    const auto started = std::chrono::steady_clock::now();
    const auto failures = pump.run(per_round, in_flight, job);
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    jobs += per_round;
    if (failures != 0) {
      // A 503 timeout is often a stalled disk: show the slowest commit so far with it.
      const auto slowest_ms = books.storage_statistics().commit_ns_max / 1'000'000;
      std::fprintf(stderr, "slowest commit so far: %llu ms\n", (unsigned long long)slowest_ms);
      state.SkipWithError("a request did not answer 200");
      return;
    }
  }
  const auto after = books.storage_statistics();
  const double transitions = double(jobs) * transitions_per_job;
  const double batches = double(after.batches - before.batches);
  state.counters["transitions_per_s"] = transitions / seconds;
  state.counters["syncs_per_transition"] = double(after.syncs - before.syncs) / transitions;
  state.counters["records_per_batch"] =
      batches > 0 ? double(after.records_applied - before.records_applied) / batches : 0;
  // The share of the wall clock the writer spent inside commit_batch (LMDB work + sync):
  // near 1 means storage is the bottleneck, well below 1 means the actors are.
  state.counters["writer_busy"] =
      double(after.commit_ns_total - before.commit_ns_total) / 1e9 / seconds;
  // Cores kept busy by the whole process, and bytes written to the disk per transition:
  // with cpus_used well below 2 and writer_busy near 1, the disk is the limit.
  state.counters["cpus_used"] = (process_cpu_seconds() - cpu_seconds_before) / seconds;
  state.counters["written_bytes_per_transition"] =
      (process_written_bytes() - written_bytes_before) / transitions;
  state.counters["slowest_commit_ms"] = double(after.commit_ns_max) / 1e6;  // since the start
  state.SetItemsProcessed(std::int64_t(transitions));
}

void BM_Actors_EscrowCycle(benchmark::State& state) {
  auto& shared = bench_ledger::get();
  run_rounds(state, cycles_per_round, 3, [&](std::size_t, std::function<void(bool)> done) {
    escrow_cycle(shared.books(), shared.next_task_number(1), std::move(done));
  });
}
BENCHMARK(BM_Actors_EscrowCycle)
    ->Arg(64)
    ->Arg(1'024)
    ->Arg(8'192)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_Actors_HotPayer(benchmark::State& state) {
  auto& shared = bench_ledger::get();
  run_rounds(state, fundings_per_round, 1, [&](std::size_t, std::function<void(bool)> done) {
    const auto number = shared.next_task_number(1);
    then_if_ok(
        shared.books(),
        create_funded("hot_" + std::to_string(number), hot_payer,
                      account_name(number % account_count)),
        [done] { done(true); }, done);
  });
}
BENCHMARK(BM_Actors_HotPayer)
    ->Arg(64)
    ->Arg(1'024)
    ->Arg(8'192)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  // As escrowd serve does (ESCROWD_MALLOC_TUNING=off measures without).
  escrowd::actors::reexec_with_malloc_tuning(argv);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  bench_ledger::close();
  return 0;
}
