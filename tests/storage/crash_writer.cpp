// storage_crash_writer: the victim process of the crash test (crash_test.cpp). It opens the
// store, then several threads drive realistic operations through one group_commit_writer:
// top-ups, funding a task (with its idempotency record), submitting and approving it, plus
// deliberately unaffordable fundings that storage must refuse. Each thread keeps its own
// accounts in memory and pipelines up to `in_flight_max` records, as the actors will.
// After a record's completion fired (so after its sync) it prints one line:
//   ack topup <operation id> <sequence>      ack fund <task id> <sequence>
//   ack submit <task id> 0                   ack approve <task id> <sequence>
//   rej <task id>                            (an expected insufficient_funds)
//   fail <id> <error code number>            (anything unexpected: the test fails)
// Lines are written with one write(2) each (atomic on a pipe), so a SIGKILL at any moment
// leaves only whole lines or one torn last line, which the test ignores.
// Usage: storage_crash_writer <data dir> <run id> <threads>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <semaphore>
#include <string>
#include <thread>
#include <vector>

#include "storage/group_commit_writer.hpp"
#include "tests/storage/storage_test_support.hpp"

namespace {

using namespace escrowd;
using namespace escrowd::storage;
using namespace escrowd::storage::testing;

constexpr std::int64_t now = 1'700'000'000;
constexpr int in_flight_max = 16;

void say(const std::string& line) {
  const std::string text = line + "\n";
  if (::write(STDOUT_FILENO, text.data(), text.size()) < 0) std::_Exit(3);
}

// Bounds how many records one thread has waiting for their sync.
using in_flight_window = std::counting_semaphore<in_flight_max>;

struct driver {
  group_commit_writer& writer;
  in_flight_window window{in_flight_max};

  void submit(commit_record record, std::string what, std::string id, bool expect_reject) {
    window.acquire();
    auto status = writer.submit(
        std::move(record), [this, what, id, expect_reject](const commit_result& result) {
          if (expect_reject && result.outcome.code() == error_code::insufficient_funds)
            say("rej " + id);
          else if (!expect_reject && result.outcome)
            say("ack " + what + " " + id + " " + std::to_string(result.sequence));
          else
            say("fail " + id + " " + std::to_string(int(result.outcome.code())));
          window.release();
        });
    if (!status) std::_Exit(4);
  }
};

void drive(group_commit_writer& writer, ledger_store& store, int thread, const std::string& run) {
  driver out{writer};
  const std::string tag = run + "_" + std::to_string(thread);
  account payer = *store.get_account("payer_" + std::to_string(thread));
  account worker = *store.get_account("worker_" + std::to_string(thread));
  for (std::uint64_t i = 0;; ++i) {
    const std::string n = tag + "_" + std::to_string(i);
    // The model is updated when a record is handed over, not when it is durable: the
    // pipelined ("then") style. The writer preserves order, so dependent records follow.
    out.submit(topup_record(payer, "top_" + n, 100, now), "topup", "top_" + n, false);
    payer.available += 100;
    auto funded = fund_new_task(payer, worker, "task_" + n, 60, now);
    auto record = from_outcome(*funded, true);
    record.idempotency = idempotency_for("key_" + std::to_string(thread), "task_" + n, now);
    out.submit(std::move(record), "fund", "task_" + n, false);
    payer.available -= 60;
    payer.escrowed += 60;
    auto submitted = submit_task(funded->task, "work " + n, worker.id, now);
    out.submit(from_outcome(*submitted, false), "submit", "task_" + n, false);
    auto approved = approve_task(submitted->task, payer.id, now);
    out.submit(from_outcome(*approved, false), "approve", "task_" + n, false);
    payer.escrowed -= 60;
    worker.available += 60;
    if (i % 7 == 3) {
      // The engine is shown a payer richer than the store knows: only storage refuses.
      account rich = payer;
      rich.available += 1'000'000;
      auto greedy = fund_new_task(rich, worker, "greedy_" + n, payer.available + 1, now);
      out.submit(from_outcome(*greedy, true), "fund", "greedy_" + n, true);
    }
  }
}

void ensure_accounts(ledger_store& store, int threads) {
  std::vector<commit_record> records;
  for (int t = 0; t < threads; ++t) {
    records.push_back(open_account_record("payer_" + std::to_string(t)));
    records.push_back(open_account_record("worker_" + std::to_string(t)));
  }
  auto result = store.commit_batch(records);
  if (!result.outcome) std::_Exit(5);
  for (const auto& record : result.records)
    if (!record.outcome && record.outcome.code() != error_code::already_exists) std::_Exit(6);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s <data dir> <run id> <threads>\n", argv[0]);
    return 2;
  }
  store_options options;
  options.data_dir = argv[1];
  options.map_size_bytes_initial = 1 << 20;  // small, so crashes also hit map growth
  const std::string run = argv[2];
  const int threads = std::atoi(argv[3]);
  auto store = ledger_store::open(options);
  if (!store) {
    std::fprintf(stderr, "open failed: %d\n", int(store.code()));
    return 1;
  }
  ensure_accounts(**store, threads);
  group_commit_writer writer(**store);
  say("ready");
  std::vector<std::thread> drivers;
  for (int t = 0; t < threads; ++t)
    drivers.emplace_back([&, t] { drive(writer, **store, t, run); });
  for (auto& thread : drivers) thread.join();  // never: the test kills us
  return 0;
}
