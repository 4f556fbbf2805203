// The crash test of the actors layer against a real process: start actors_crash_driver (the
// ledger facade with its actors, pipelined account actors and the group-committing writer),
// let it run escrow stories for a random few milliseconds while reading its
// acknowledgements, SIGKILL it, reopen the store in this process and check that
//   - every acknowledged change is present: accounts, top-ups (and their entries), tasks in
//     a state at least as advanced as acknowledged along their story, the journal entry of
//     every acknowledged money movement, and the idempotency record of every acknowledged
//     request with the acknowledged body (refused fundings: the record, and no task);
//   - nothing is half-applied: every stored task has its create request's idempotency
//     record and the entries its state implies, and storage::verify_ledger passes.
// The next round restarts the driver on the same data directory with the unfinished tasks
// of the store to resume: it reads them through the restarted facade, replays their create
// request (a stored replay) and drives them to the end, so actors reloaded after a crash
// are exercised too.
// Seeded (the seed is printed; ESCROWD_CRASH_SEED replays the kill timing).
// ESCROWD_CRASH_KILLS sets the number of kills (default 40), ESCROWD_SOAK=1 runs 400. The
// data directory is reset every `kills_per_store` rounds so the verification cost stays
// bounded. ESCROWD_CRASH_RUN_US_MAX (default 150,000) bounds how long the driver runs
// after "ready" before each kill.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <unordered_map>

#include "storage/ledger_store.hpp"
#include "storage/verify.hpp"
#include "tests/storage/storage_test_support.hpp"
#include "tests/support/kill_after_ready.hpp"

namespace escrowd::actors {
namespace {

constexpr int kills_per_store = 10;
constexpr int driver_threads = 3;
// A process start includes the CAF system and the store's recovery; generous for sanitizers.
constexpr auto ready_timeout = std::chrono::seconds(60);

// Starts the driver on `data_dir` (resuming the tasks in `resume_file`), kills it `run_for`
// after it is ready, and returns what it printed.
escrowd::testing::killed_run run_and_kill(const std::filesystem::path& data_dir,
                                          const std::string& run_id,
                                          const std::filesystem::path& resume_file,
                                          std::chrono::microseconds run_for) {
  return escrowd::testing::run_then_kill(
      {ESCROWD_ACTORS_CRASH_DRIVER_PATH, data_dir.string(), run_id, std::to_string(driver_threads),
       resume_file.string()},
      ready_timeout, run_for);
}

// The states a task may be found in once `acknowledged` was acknowledged: its own, or one
// further along a story (funded -> submitted -> released | disputed -> resolved; funded ->
// cancelled; open -> funded ...).
bool at_least_as_advanced(task_state stored, task_state acknowledged) {
  switch (acknowledged) {
    case task_state::open:
      return true;
    case task_state::funded:
      return stored != task_state::open;
    case task_state::submitted:
      return stored == task_state::submitted || stored == task_state::released ||
             stored == task_state::disputed || stored == task_state::resolved;
    case task_state::disputed:
      return stored == task_state::disputed || stored == task_state::resolved;
    default:
      return stored == acknowledged;  // settled: final
  }
}

std::optional<task_state> parse_state(const std::string& word) {
  for (auto state :
       {task_state::open, task_state::funded, task_state::submitted, task_state::released,
        task_state::disputed, task_state::resolved, task_state::cancelled})
    if (to_string(state) == word) return state;
  return std::nullopt;
}

// The money movement a task in `state` must have in the journal besides its funding.
std::optional<entry_kind> settling_entry(task_state state) {
  switch (state) {
    case task_state::released:
      return entry_kind::task_release;
    case task_state::resolved:
      return entry_kind::task_resolve;
    case task_state::cancelled:
      return entry_kind::task_refund;
    default:
      return std::nullopt;
  }
}

// reference -> the entry kinds the journal holds for it, as bits.
using entry_kinds = std::unordered_map<std::string, unsigned>;

unsigned bit(entry_kind kind) {
  return 1u << unsigned(kind);
}

entry_kinds index_entries(const storage::read_snapshot& view) {
  entry_kinds kinds;
  EXPECT_TRUE(view.for_each_entry(1,
                                  [&](const storage::sequenced_entry& item) {
                                    kinds[item.entry.reference] |= bit(item.entry.kind);
                                    return true;
                                  })
                  .ok());
  return kinds;
}

void expect_idempotency(const storage::read_snapshot& view, const std::string& scope,
                        const std::string& key, std::uint16_t status, const std::string& body,
                        const std::string& line) {
  auto stored = view.get_idempotency(scope, key);
  ASSERT_TRUE(stored.has_value()) << "no idempotency record for: " << line;
  EXPECT_EQ(stored->status_code, status) << line;
  EXPECT_EQ(stored->response_body, body) << line;
}

struct round_summary {
  std::size_t acknowledged = 0;
  std::size_t task_acknowledgements = 0;
  std::size_t refused = 0;
  std::size_t resumed = 0;
};

void check_task_line(const storage::read_snapshot& view, const entry_kinds& kinds,
                     std::istringstream& words, const std::string& line) {
  std::string id, state_word, scope, key;
  words >> id >> state_word >> scope >> key;
  const auto acknowledged = parse_state(state_word);
  ASSERT_TRUE(acknowledged.has_value()) << line;
  auto stored = view.get_task(id);
  ASSERT_TRUE(stored.has_value()) << "acknowledged task missing: " << line;
  EXPECT_TRUE(at_least_as_advanced(stored->state, *acknowledged))
      << line << " but stored " << to_string(stored->state);
  expect_idempotency(view, scope, key, 200, "ok changed task " + id + " " + state_word, line);
  const auto found = kinds.find(id);
  const unsigned held = found == kinds.end() ? 0u : found->second;
  if (*acknowledged != task_state::open) {
    EXPECT_TRUE(held & bit(entry_kind::task_fund)) << line;
  }
  if (auto settled = settling_entry(*acknowledged)) {
    EXPECT_TRUE(held & bit(*settled)) << line;
  }
}

// Checks one killed run's acknowledgements against the reopened store.
void check_acknowledged(const storage::ledger_store& store, const std::string& output,
                        round_summary& summary) {
  auto view = store.snapshot();
  ASSERT_TRUE(view.has_value());
  const auto kinds = index_entries(*view);
  std::istringstream lines(output);
  std::string line;
  while (std::getline(lines, line)) {
    if (lines.eof()) break;  // a torn last line (no newline): not an acknowledgement
    std::istringstream words(line);
    std::string verb, what;
    words >> verb;
    if (verb == "ready") continue;
    ASSERT_NE(verb, "fail") << "the driver saw an unexpected answer: " << line;
    if (verb == "resumed") {
      std::size_t count = 0;
      words >> count;
      summary.resumed += count;
      continue;
    }
    if (verb == "rej") {
      std::string id, scope, key;
      words >> id >> scope >> key;
      ++summary.refused;
      EXPECT_EQ(view->get_task(id).code(), error_code::not_found) << line;
      expect_idempotency(*view, scope, key, 409, "error insufficient_funds", line);
      continue;
    }
    ASSERT_EQ(verb, "ack") << line;
    ++summary.acknowledged;
    words >> what;
    if (what == "account") {
      std::string id;
      words >> id;
      EXPECT_TRUE(view->get_account(id).has_value()) << line;
    } else if (what == "topup") {
      std::string id, status;
      words >> id >> status;
      auto operation = view->get_operation(processor_kind::topup, id);
      ASSERT_TRUE(operation.has_value()) << line;
      if (status == "succeeded") {
        EXPECT_EQ(operation->status, processor_status::succeeded) << line;
        EXPECT_TRUE(kinds.count(id) && (kinds.at(id) & bit(entry_kind::topup_succeeded))) << line;
      }
    } else {
      ASSERT_EQ(what, "task") << line;
      ++summary.task_acknowledgements;
      check_task_line(*view, kinds, words, line);
    }
    if (::testing::Test::HasFatalFailure()) return;
  }
}

// Whole-store checks: nothing half-applied, the ledger verifies. Returns the tasks a story
// left unfinished, for the next run to resume.
std::vector<std::string> check_store(const storage::ledger_store& store) {
  std::vector<std::string> unfinished;
  auto view = store.snapshot();
  EXPECT_TRUE(view.has_value());
  if (!view) return unfinished;
  const auto kinds = index_entries(*view);
  EXPECT_TRUE(
      view->for_each_task([&](const task& row) {
            EXPECT_TRUE(view->get_idempotency("key_" + row.payer, "create_" + row.id).has_value())
                << "task " << row.id << " without its create request's record";
            const auto found = kinds.find(row.id);
            const unsigned held = found == kinds.end() ? 0u : found->second;
            if (row.state != task_state::open) {
              EXPECT_TRUE(held & bit(entry_kind::task_fund))
                  << "task " << row.id << " " << to_string(row.state) << " unfunded";
            }
            if (auto settled = settling_entry(row.state)) {
              EXPECT_TRUE(held & bit(*settled))
                  << "task " << row.id << " " << to_string(row.state) << " unpaid";
            }
            if (!is_settled(row.state)) unfinished.push_back(row.id);
            return true;
          })
          .ok());
  auto report = storage::verify_ledger(*view);
  EXPECT_TRUE(report.has_value());
  if (report) {
    EXPECT_TRUE(report->ok) << report->problems.size() << " problems, first: "
                            << (report->problems.empty() ? "" : report->problems.front());
  }
  return unfinished;
}

void write_resume_file(const std::filesystem::path& file, const std::vector<std::string>& ids) {
  std::ofstream out(file, std::ios::trunc);
  for (const auto& id : ids) out << id << "\n";
}

TEST(actors_crash, every_acknowledged_change_survives_sigkill_and_restart) {
  const int kills =
      std::getenv("ESCROWD_SOAK") ? 400 : escrowd::testing::env_int("ESCROWD_CRASH_KILLS", 40);
  const unsigned seed = unsigned(
      escrowd::testing::env_int("ESCROWD_CRASH_SEED", int(std::random_device{}() & 0x7fffffff)));
  std::printf("actors crash test: seed %u (replay with ESCROWD_CRASH_SEED=%u), %d kills\n", seed,
              seed, kills);
  std::fflush(stdout);
  std::mt19937 random(seed);
  std::uniform_int_distribution<int> run_us(
      2'000, escrowd::testing::env_int("ESCROWD_CRASH_RUN_US_MAX", 150'000));
  storage::testing::scratch_dir dir("actors-crash");
  round_summary summary;
  std::filesystem::path data_dir;
  const auto resume_file = dir / "resume.txt";
  std::vector<std::string> unfinished;
  for (int kill = 0; kill < kills; ++kill) {
    if (kill % kills_per_store == 0) {
      data_dir = dir / ("store" + std::to_string(kill / kills_per_store));
      if (kill >= kills_per_store)
        std::filesystem::remove_all(dir / ("store" + std::to_string(kill / kills_per_store - 1)));
      unfinished.clear();
    }
    write_resume_file(resume_file, unfinished);
    const auto run = run_and_kill(data_dir, "r" + std::to_string(kill), resume_file,
                                  std::chrono::microseconds(run_us(random)));
    ASSERT_TRUE(run.ready) << "kill " << kill << ": the driver never became ready; output:\n"
                           << run.output;
    storage::store_options options;
    options.data_dir = data_dir;
    auto store = storage::ledger_store::open(options);
    ASSERT_TRUE(store.has_value()) << "kill " << kill << ": reopen failed";
    check_acknowledged(**store, run.output, summary);
    unfinished = check_store(**store);
    if (::testing::Test::HasFailure()) {
      ADD_FAILURE() << "first failure at kill " << kill << ", seed " << seed;
      return;
    }
  }
  std::printf(
      "actors crash test: %d kills, %zu acknowledged changes checked (%zu task transitions), "
      "%zu refusals, %zu tasks resumed after a restart\n",
      kills, summary.acknowledged, summary.task_acknowledgements, summary.refused, summary.resumed);
  // The kills did land mid-stream, and restarts did pick up unfinished stories.
  EXPECT_GT(summary.task_acknowledgements, std::size_t(kills));
  EXPECT_GT(summary.resumed, std::size_t(0));
}

}  // namespace
}  // namespace escrowd::actors
