// Disk-full tests. (1) A tiny map ceiling: the map grows until the ceiling, then the
// failing batch reports storage_full for every record, nothing acknowledged is lost, the
// store is sticky-failed (even a tiny write is refused), and after reload with a higher
// ceiling writes resume and the ledger verifies; recover_from_failure does not reopen it
// (a restart with a higher ceiling does). (2) When running as root, the same on a real full
// filesystem (a small tmpfs, ENOSPC from the sync), and recover_from_failure reopening it
// once space is freed; skipped if mount is refused. (3) A record decided before the store
// reopened is refused.
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <cstring>
#include <fstream>

#include "storage/ledger_store.hpp"
#include "storage/verify.hpp"
#include "tests/storage/small_filesystem.hpp"
#include "tests/storage/storage_test_support.hpp"

namespace escrowd::storage {
namespace {

using namespace escrowd::storage::testing;

constexpr std::int64_t now = 1'700'000'000;

// Commits bulky batches until one fails; returns the keys acknowledged before that.
std::vector<std::string> fill_until_failure(ledger_store& store, batch_result& failure) {
  std::vector<std::string> acknowledged;
  for (int batch = 0; batch < 100'000; ++batch) {
    auto records = bulky_batch(batch, 8);
    failure = store.commit_batch(records);
    if (!failure.outcome) return acknowledged;
    for (const auto& record : records) acknowledged.push_back(record.idempotency->key);
  }
  ADD_FAILURE() << "the store never filled up";
  return acknowledged;
}

void expect_all_present(const ledger_store& store, const std::vector<std::string>& keys) {
  for (const auto& key : keys) ASSERT_TRUE(store.get_idempotency("key_a", key).has_value()) << key;
}

// A store whose map may grow to 512 KiB only: bulky batches fill it within a few hundred.
struct tiny_store {
  explicit tiny_store(const char* name) : dir(name) {
    options.data_dir = dir.path() / "data";
    options.map_size_bytes_initial = 64 << 10;
    options.map_size_bytes_max = 512 << 10;
    store = ledger_store::open(options).value();
  }
  // Reopens with room to spare, as an operator would once space is freed.
  status reload_with_room() {
    options.map_size_bytes_max = 64 << 20;
    return store->reload(options);
  }

  scratch_dir dir;
  store_options options;
  std::unique_ptr<ledger_store> store;
};

// Commits bulky batches, each with what `add(batch, records)` appends, until one fails;
// `committed(result)` sees every batch that did not. False if none ever failed.
template <class Add, class Committed>
bool commit_until_failure(ledger_store& store, Add add, Committed committed) {
  for (int batch = 0; batch < 100'000; ++batch) {
    auto records = bulky_batch(batch, 8);
    add(batch, records);
    auto result = store.commit_batch(records);
    if (!result.outcome) return true;
    committed(result);
  }
  return false;
}

TEST(disk_full, a_map_ceiling_fails_the_batch_sticks_and_recovers_after_reload) {
  tiny_store tiny("full");
  auto& store = tiny.store;
  ASSERT_TRUE(store->commit_batch(std::vector{open_account_record("a")}).outcome.ok());
  batch_result failure;
  const auto acknowledged = fill_until_failure(*store, failure);
  ASSERT_FALSE(acknowledged.empty());
  EXPECT_EQ(failure.outcome.code(), error_code::storage_full);
  for (const auto& record : failure.records)
    EXPECT_EQ(record.outcome.code(), error_code::storage_full);
  EXPECT_GT(store->stats().map_growths, 0u);
  EXPECT_EQ(store->stats().map_size_bytes, 512u << 10);
  EXPECT_TRUE(store->failed());
  // Sticky: even a tiny record is refused, and the failed batch left nothing behind.
  auto refused = store->commit_batch(std::vector{open_account_record("b")});
  EXPECT_EQ(refused.records[0].outcome.code(), error_code::storage_full);
  expect_all_present(*store, acknowledged);
  EXPECT_EQ(store->snapshot()->counts()->idempotency_records, acknowledged.size());

  ASSERT_TRUE(tiny.reload_with_room().ok());
  EXPECT_FALSE(store->failed());
  ASSERT_TRUE(store->commit_batch(bulky_batch(-1, 8)).outcome.ok());
  ASSERT_TRUE(store->commit_batch(std::vector{open_account_record("b")}).records[0].outcome.ok());
  expect_all_present(*store, acknowledged);
  EXPECT_TRUE(verify_ledger(*store)->ok);
}

// The writer keeps the account rows it commits (committed_rows.hpp): the rows of a batch
// that failed must not outlive it, or the next top-up would be added to money that never
// reached the disk.
TEST(disk_full, a_failed_batch_leaves_no_balance_behind_in_the_writer) {
  tiny_store tiny("full_balance");
  auto& store = tiny.store;
  ASSERT_TRUE(store->commit_batch(std::vector{open_account_record("a")}).outcome.ok());
  std::int64_t acknowledged_total = 0;
  const bool failed = commit_until_failure(
      *store,
      [&](int batch, std::vector<commit_record>& records) {
        // Two top-ups of "a" per batch: the second reads the first's row in the batch.
        const auto owner = *store->get_account("a");
        for (int i = 0; i < 2; ++i)
          records.push_back(topup_record(
              owner, "top_" + std::to_string(batch) + "_" + std::to_string(i), 10, now));
      },
      [&](const batch_result&) { acknowledged_total += 20; });
  ASSERT_TRUE(failed);
  ASSERT_GT(acknowledged_total, 0);
  ASSERT_TRUE(tiny.reload_with_room().ok());
  EXPECT_EQ(store->get_account("a")->available, acknowledged_total);
  const auto owner = *store->get_account("a");
  ASSERT_TRUE(
      store->commit_batch(std::vector{topup_record(owner, "top_after", 5, now)}).outcome.ok());
  EXPECT_EQ(store->get_account("a")->available, acknowledged_total + 5);
  EXPECT_TRUE(verify_ledger(*store)->ok);
}

// The same for the task standings it keeps: each batch funds a task and cancels the one
// funded by the batch before. The cancellation in the batch that failed never reached the
// disk; if the writer still believed it, retrying it would be checked against an escrow
// of 0 and refused.
TEST(disk_full, a_failed_batch_leaves_no_task_standing_behind_in_the_writer) {
  tiny_store tiny("full_tasks");
  auto& store = tiny.store;
  ASSERT_TRUE(store->commit_batch(std::vector{open_account_record("a"), open_account_record("w")})
                  .outcome.ok());
  const auto payer = *store->get_account("a");
  ASSERT_TRUE(
      store->commit_batch(std::vector{topup_record(payer, "top", 1'000'000, now)}).outcome.ok());
  std::optional<task> previous;
  std::optional<task> funding;
  const bool failed = commit_until_failure(
      *store,
      [&](int batch, std::vector<commit_record>& records) {
        auto funded = fund_new_task(*store->get_account("a"), *store->get_account("w"),
                                    "t" + std::to_string(batch), 10, now);
        ASSERT_TRUE(funded.has_value());
        records.push_back(from_outcome(*funded, true));
        funding = funded->task;
        if (!previous) return;
        auto cancelled = cancel_task(*previous, "a", now);
        ASSERT_TRUE(cancelled.has_value());
        records.push_back(from_outcome(*cancelled, false));
      },
      [&](const batch_result& result) {
        for (const auto& record : result.records) ASSERT_TRUE(record.outcome.ok());
        previous = funding;
      });
  ASSERT_TRUE(failed);
  ASSERT_TRUE(previous.has_value());
  ASSERT_TRUE(tiny.reload_with_room().ok());
  EXPECT_EQ(store->get_task(previous->id)->state, task_state::funded);
  auto cancelled = cancel_task(*previous, "a", now);
  ASSERT_TRUE(cancelled.has_value());
  auto retried = store->commit_batch(std::vector{from_outcome(*cancelled, false)});
  ASSERT_TRUE(retried.outcome.ok());
  EXPECT_TRUE(retried.records[0].outcome.ok()) << describe(retried.records[0].outcome.code()).code;
  EXPECT_EQ(store->get_task(previous->id)->state, task_state::cancelled);
  EXPECT_TRUE(verify_ledger(*store)->ok);
}

TEST(disk_full, a_full_filesystem_fails_with_storage_full_and_resumes_when_space_is_freed) {
  small_filesystem filesystem("tmpfs", "size=2m", 512 << 10);
  if (!filesystem.mounted())
    GTEST_SKIP() << "cannot mount a tmpfs here (needs root): " << filesystem.refusal;
  auto store = ledger_store::open(filesystem.options()).value();
  batch_result failure;
  const auto acknowledged = fill_until_failure(*store, failure);
  ASSERT_FALSE(acknowledged.empty());
  EXPECT_EQ(failure.outcome.code(), error_code::storage_full)
      << "system code " << store->stats().failure_system_code;
  EXPECT_TRUE(store->failed());
  std::filesystem::remove(filesystem.filler);
  ASSERT_TRUE(store->reload().ok());
  ASSERT_TRUE(store->commit_batch(bulky_batch(-1, 8)).outcome.ok());
  expect_all_present(*store, acknowledged);
  EXPECT_TRUE(verify_ledger(*store)->ok);
}

// What the server's storage writer does while failed (actors/storage_writer.cpp): the store
// stays failed while the filesystem is short of room, and reopens once space is freed.
TEST(disk_full, recovery_waits_for_room_on_the_filesystem_then_reopens) {
  small_filesystem filesystem("tmpfs_recovery", "size=4m", 2 << 20);
  if (!filesystem.mounted())
    GTEST_SKIP() << "cannot mount a tmpfs here (needs root): " << filesystem.refusal;
  auto options = filesystem.options();
  options.recovery_free_bytes_min = 1 << 20;
  auto store = ledger_store::open(options).value();
  EXPECT_EQ(store->recover_from_failure(), ledger_store::recovery::reopened)
      << "nothing failed: nothing to recover";
  const auto first_opening = store->opening();
  batch_result failure;
  const auto acknowledged = fill_until_failure(*store, failure);
  ASSERT_FALSE(acknowledged.empty());
  ASSERT_EQ(failure.outcome.code(), error_code::storage_full);

  EXPECT_EQ(store->recover_from_failure(), ledger_store::recovery::not_yet);
  EXPECT_TRUE(store->failed());
  EXPECT_EQ(store->opening(), first_opening);

  std::filesystem::remove(filesystem.filler);
  ASSERT_EQ(store->recover_from_failure(), ledger_store::recovery::reopened);
  EXPECT_FALSE(store->failed());
  EXPECT_EQ(store->stats().recoveries, 1u);
  EXPECT_EQ(store->opening(), first_opening + 1);
  ASSERT_TRUE(store->commit_batch(bulky_batch(-1, 8)).outcome.ok());
  expect_all_present(*store, acknowledged);
  EXPECT_TRUE(verify_ledger(*store)->ok);
}

// The default margin (16 MiB) is more than a small filesystem can ever free: there the
// store waits for an eighth of the filesystem's size instead (an audit's 8 MiB tmpfs grown
// from 3 MiB stayed failed until a restart).
TEST(disk_full, a_small_filesystem_recovers_with_the_default_margin) {
  small_filesystem filesystem("tmpfs_small_margin", "size=8m", 3 << 20);
  if (!filesystem.mounted())
    GTEST_SKIP() << "cannot mount a tmpfs here (needs root): " << filesystem.refusal;
  auto store = ledger_store::open(filesystem.options()).value();
  batch_result failure;
  const auto acknowledged = fill_until_failure(*store, failure);
  ASSERT_FALSE(acknowledged.empty());
  ASSERT_EQ(failure.outcome.code(), error_code::storage_full);
  EXPECT_EQ(store->recover_from_failure(), ledger_store::recovery::not_yet);
  std::filesystem::remove(filesystem.filler);
  ASSERT_EQ(store->recover_from_failure(), ledger_store::recovery::reopened);
  ASSERT_TRUE(store->commit_batch(bulky_batch(-1, 8)).outcome.ok());
  expect_all_present(*store, acknowledged);
}

// A full map at its ceiling is configuration: reopening with the same ceiling would fail
// the next batch again, so only a restart (with a higher ceiling) reopens it.
TEST(disk_full, a_map_ceiling_is_not_recovered_while_running) {
  tiny_store tiny("full_ceiling");
  batch_result failure;
  ASSERT_FALSE(fill_until_failure(*tiny.store, failure).empty());
  EXPECT_EQ(tiny.store->recover_from_failure(), ledger_store::recovery::needs_restart);
  EXPECT_TRUE(tiny.store->failed());
  EXPECT_EQ(tiny.store->stats().recoveries, 0u);
}

// An actor that read its rows before the store reopened may hold in memory a change whose
// commit failed; its records are refused until it reloads. Records of the current opening,
// and records that carry none, commit beside them.
TEST(disk_full, a_record_decided_before_the_store_reopened_is_refused_and_leaves_no_trace) {
  scratch_dir dir("reopened");
  store_options options;
  options.data_dir = dir.path() / "data";
  auto store = ledger_store::open(options).value();
  const auto before = store->opening();
  EXPECT_GT(before, 0u);
  auto early = open_account_record("early");
  early.decided_in_opening = before;
  ASSERT_TRUE(store->commit_batch(std::vector{early}).records[0].outcome.ok());

  ASSERT_TRUE(store->reload().ok());
  const auto after = store->opening();
  ASSERT_EQ(after, before + 1);
  auto stale = open_account_record("stale");
  stale.decided_in_opening = before;
  auto current = open_account_record("current");
  current.decided_in_opening = after;
  auto unchecked = open_account_record("unchecked");
  auto batch = store->commit_batch(std::vector{stale, current, unchecked});
  ASSERT_TRUE(batch.outcome.ok());
  EXPECT_EQ(batch.records[0].outcome.code(), error_code::not_ready);
  EXPECT_TRUE(batch.records[1].outcome.ok());
  EXPECT_TRUE(batch.records[2].outcome.ok());
  EXPECT_EQ(store->get_account("stale").code(), error_code::not_found);
  EXPECT_TRUE(store->get_account("current").has_value());
  EXPECT_TRUE(store->get_account("unchecked").has_value());
  EXPECT_FALSE(store->failed()) << "a refused record is not a failed batch";
}

}  // namespace
}  // namespace escrowd::storage
