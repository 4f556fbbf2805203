// The crash test against a real process: start storage_crash_writer, let it commit for a
// random few milliseconds while reading its acknowledgements, SIGKILL it, reopen the store
// in this process and check that
//   - every acknowledged record is present (rows, journal entry at the acknowledged
//     sequence, idempotency record), and every expected rejection left nothing;
//   - nothing is half-applied: each task has its idempotency record and vice versa, each
//     succeeded top-up row has its journal entry, and verify_ledger passes (balances equal
//     the journal, derived views agree, the entry index is complete).
// Seeded (the seed is printed; ESCROWD_CRASH_SEED replays it). ESCROWD_CRASH_KILLS sets the
// number of kills (default 200), ESCROWD_SOAK=1 runs 2,000. The data directory is reset
// every `kills_per_store` rounds so the verification cost stays bounded; within a store
// every round recovers what the previous kills left. ESCROWD_CRASH_RUN_US_MAX (default
// 40,000) bounds how long the writer runs before each kill.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "storage/ledger_store.hpp"
#include "storage/verify.hpp"
#include "tests/storage/storage_test_support.hpp"
#include "tests/support/kill_after_ready.hpp"

namespace escrowd::storage {
namespace {

using namespace escrowd::storage::testing;

constexpr int kills_per_store = 40;
constexpr int writer_threads = 4;

// Starts the writer on `data_dir`, kills it `run_for` after it is ready, and returns what
// it printed.
escrowd::testing::killed_run run_and_kill(const std::filesystem::path& data_dir,
                                          const std::string& run_id,
                                          std::chrono::microseconds run_for) {
  return escrowd::testing::run_then_kill(
      {ESCROWD_CRASH_WRITER_PATH, data_dir.string(), run_id, std::to_string(writer_threads)},
      std::chrono::seconds(30), run_for);
}

struct round_summary {
  std::size_t acknowledged = 0;
  std::size_t rejected = 0;
};

// Checks one killed run's acknowledgements against the reopened store.
void check_acknowledged(const ledger_store& store, const std::string& output,
                        round_summary& summary) {
  auto view = store.snapshot();
  ASSERT_TRUE(view.has_value());
  std::istringstream lines(output);
  std::string line;
  while (std::getline(lines, line)) {
    if (lines.eof()) break;  // a torn last line (no newline): not an acknowledgement
    std::istringstream words(line);
    std::string verb, what, id;
    std::uint64_t sequence = 0;
    words >> verb;
    if (verb == "ready") continue;
    ASSERT_NE(verb, "fail") << "the writer saw an unexpected result: " << line;
    if (verb == "rej") {
      words >> id;
      ++summary.rejected;
      ASSERT_EQ(view->get_task(id).code(), error_code::not_found) << line;
      continue;
    }
    ASSERT_EQ(verb, "ack") << line;
    words >> what >> id >> sequence;
    ++summary.acknowledged;
    if (what == "topup") {
      auto operation = view->get_operation(processor_kind::topup, id);
      ASSERT_TRUE(operation.has_value()) << line;
      EXPECT_EQ(operation->status, processor_status::succeeded);
    } else {
      auto task = view->get_task(id);
      ASSERT_TRUE(task.has_value()) << line;
      if (what == "submit" || what == "approve") {
        EXPECT_NE(task->state, task_state::funded) << line;
      }
      if (what == "approve") {
        EXPECT_EQ(task->state, task_state::released) << line;
      }
    }
    if (what == "submit") continue;
    auto entry = view->get_entry(sequence);
    ASSERT_TRUE(entry.has_value()) << line;
    EXPECT_EQ(entry->entry.reference, id) << line;
    const auto kind = what == "topup"  ? entry_kind::topup_succeeded
                      : what == "fund" ? entry_kind::task_fund
                                       : entry_kind::task_release;
    EXPECT_EQ(entry->entry.kind, kind) << line;
  }
}

// Whole-store checks: nothing half-applied anywhere, and the ledger verifies.
void check_store(const ledger_store& store) {
  auto view = store.snapshot();
  ASSERT_TRUE(view.has_value());
  std::size_t tasks = 0;
  ASSERT_TRUE(view->for_each_task([&](const task& row) {
                    ++tasks;
                    const std::string scope = "key_" + row.payer.substr(row.payer.find('_') + 1);
                    EXPECT_TRUE(view->get_idempotency(scope, row.id).has_value())
                        << "task " << row.id << " without its idempotency record";
                    return true;
                  })
                  .ok());
  auto counts = view->counts();
  ASSERT_TRUE(counts.has_value());
  EXPECT_EQ(counts->idempotency_records, tasks) << "idempotency records without their task";
  std::size_t succeeded = 0, topup_entries = 0;
  ASSERT_TRUE(view->for_each_operation([&](const processor_operation& row) {
                    succeeded += row.status == processor_status::succeeded;
                    return true;
                  })
                  .ok());
  ASSERT_TRUE(view->for_each_entry(1,
                                   [&](const sequenced_entry& item) {
                                     topup_entries +=
                                         item.entry.kind == entry_kind::topup_succeeded;
                                     return true;
                                   })
                  .ok());
  EXPECT_EQ(succeeded, topup_entries) << "top-up rows and their entries disagree";
  auto report = verify_ledger(*view);
  ASSERT_TRUE(report.has_value());
  EXPECT_TRUE(report->ok) << report->problems.size() << " problems, first: "
                          << (report->problems.empty() ? "" : report->problems.front());
}

TEST(crash, every_acknowledged_record_survives_sigkill_and_nothing_is_half_applied) {
  const int kills =
      std::getenv("ESCROWD_SOAK") ? 2000 : escrowd::testing::env_int("ESCROWD_CRASH_KILLS", 200);
  const unsigned seed = unsigned(
      escrowd::testing::env_int("ESCROWD_CRASH_SEED", int(std::random_device{}() & 0x7fffffff)));
  std::printf("crash test: seed %u (replay with ESCROWD_CRASH_SEED=%u), %d kills\n", seed, seed,
              kills);
  std::fflush(stdout);
  std::mt19937 random(seed);
  // How long the writer runs after "ready" before the kill; slow sanitizer builds may need
  // more (ESCROWD_CRASH_RUN_US_MAX) to acknowledge anything at all.
  std::uniform_int_distribution<int> run_us(
      1'000, escrowd::testing::env_int("ESCROWD_CRASH_RUN_US_MAX", 40'000));
  scratch_dir dir("crash");
  round_summary summary;
  std::filesystem::path data_dir;
  for (int kill = 0; kill < kills; ++kill) {
    if (kill % kills_per_store == 0) {
      data_dir = dir / ("store" + std::to_string(kill / kills_per_store));
      if (kill >= 2 * kills_per_store)
        std::filesystem::remove_all(dir / ("store" + std::to_string(kill / kills_per_store - 2)));
    }
    const auto run = run_and_kill(data_dir, "r" + std::to_string(kill),
                                  std::chrono::microseconds(run_us(random)));
    ASSERT_TRUE(run.ready) << "kill " << kill << ": the writer never became ready; output:\n"
                           << run.output;
    store_options options;
    options.data_dir = data_dir;
    auto store = ledger_store::open(options);
    ASSERT_TRUE(store.has_value()) << "kill " << kill << ": reopen failed";
    check_acknowledged(**store, run.output, summary);
    check_store(**store);
    if (::testing::Test::HasFailure()) {
      ADD_FAILURE() << "first failure at kill " << kill << ", seed " << seed;
      return;
    }
  }
  std::printf("crash test: %d kills, %zu acknowledged records checked, %zu rejections\n", kills,
              summary.acknowledged, summary.rejected);
  EXPECT_GT(summary.acknowledged, std::size_t(kills));  // the kills did land mid-stream
}

}  // namespace
}  // namespace escrowd::storage
