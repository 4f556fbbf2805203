// Tests of the store's reads and maintenance: newest-first pagination of an account's
// entries, outbox iteration, the review-deadline index, bounded idempotency reaping, a
// backup that opens and verifies, and verify_ledger noticing rows that disagree with the
// journal (written behind the store's back with raw LMDB).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <lmdb.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <functional>

#include "storage/account_codec.hpp"
#include "storage/journal_codec.hpp"
#include "storage/keys.hpp"
#include "storage/ledger_store.hpp"
#include "storage/verify.hpp"
#include "tests/storage/storage_test_support.hpp"
#include "tests/storage/store_fixture.hpp"

namespace escrowd::storage {
namespace {

using namespace escrowd::storage::testing;

constexpr std::int64_t now = 1'700'000'000;

class maintenance_test : public store_fixture {
 protected:
  maintenance_test() : store_fixture("maintenance") {}
  void SetUp() override { reopen(); }
};

TEST_F(maintenance_test, lists_an_accounts_entries_newest_first_in_pages) {
  expect_ok({open_account_record("a"), open_account_record("b")});
  for (int i = 0; i < 25; ++i) {
    // Interleave another account's entries so the index must skip them.
    expect_ok({topup_record(*store->get_account("a"), "ta" + std::to_string(i), 10, now),
               topup_record(*store->get_account("b"), "tb" + std::to_string(i), 10, now)});
  }
  auto view = store->snapshot();
  std::vector<std::uint64_t> seen;
  std::optional<std::uint64_t> cursor;
  for (;;) {
    auto page = view->list_account_entries("a", 10, cursor);
    ASSERT_TRUE(page.has_value());
    for (const auto& item : page->data) {
      EXPECT_EQ(item.entry.legs[1].book.owner, "a");
      seen.push_back(item.sequence);
    }
    if (!page->has_more) break;
    cursor = page->data.back().sequence;
  }
  ASSERT_EQ(seen.size(), 25u);
  for (std::size_t i = 1; i < seen.size(); ++i) EXPECT_GT(seen[i - 1], seen[i]);
  EXPECT_EQ(seen.front(), 49u);
  EXPECT_TRUE(view->list_account_entries("nobody", 10)->data.empty());
  EXPECT_EQ(view->list_account_entries("a", 1000)->data.size(), 25u);  // clamped to 100
  auto oldest = view->list_account_entries("a", 10, 1);
  EXPECT_TRUE(oldest->data.empty());
  EXPECT_FALSE(oldest->has_more);
}

TEST_F(maintenance_test, lists_after_any_sequence_and_counts_an_entry_with_two_legs_once) {
  expect_ok({open_account_record("a"), open_account_record("b")});
  expect_ok({topup_record(*store->get_account("a"), "ta", 100, now)});  // 1
  expect_ok({topup_record(*store->get_account("b"), "tb", 100, now)});  // 2
  commit_record hold;                                                   // 3: a's two books
  hold.entry = transfer_entry(entry_kind::withdrawal_hold, "wd", now, available_book("a", usd()),
                              pending_withdrawal_book("a", usd()), 40);
  hold.account_deltas = {{"a", balance_field::available, -40},
                         {"a", balance_field::pending_withdrawal, 40}};
  expect_ok({hold});
  expect_ok({topup_record(*store->get_account("b"), "tb2", 100, now)});  // 4
  expect_ok({topup_record(*store->get_account("a"), "ta2", 100, now)});  // 5
  auto view = store->snapshot();
  auto sequences = [&](std::optional<std::uint64_t> after) {
    std::vector<std::uint64_t> listed;
    const auto page = view->list_account_entries("a", 10, after).value();
    for (const auto& item : page.data) listed.push_back(item.sequence);
    return listed;
  };
  using list = std::vector<std::uint64_t>;
  EXPECT_EQ(sequences(std::nullopt), (list{5, 3, 1}));
  EXPECT_EQ(sequences(5), (list{3, 1}));
  EXPECT_EQ(sequences(3), (list{1}));
  EXPECT_EQ(sequences(4), (list{3, 1}));  // b's entry: a's entries before it
  EXPECT_EQ(sequences(2), (list{1}));
  EXPECT_EQ(sequences(99), (list{5, 3, 1}));  // no such entry yet
  auto first = view->list_account_entries("a", 1).value();
  EXPECT_TRUE(first.has_more);
  auto last = view->list_account_entries("a", 1, 3).value();
  EXPECT_EQ(last.data.size(), 1u);
  EXPECT_FALSE(last.has_more);
}

TEST_F(maintenance_test, iterates_the_outbox_in_pages_and_applies_upserts_and_deletes) {
  commit_record record;
  for (int i = 0; i < 7; ++i)
    record.outbox_puts.push_back({"topup:top_" + std::to_string(i) + ":charge",
                                  processor_kind::topup, "top_" + std::to_string(i), "{}", 0, now,
                                  outbox_state::pending, now});
  expect_ok({record});
  commit_record update;
  auto row = record.outbox_puts[3];
  row.attempts = 2;
  row.state = outbox_state::in_flight;
  update.outbox_puts.push_back(row);
  update.outbox_deletes.push_back(record.outbox_puts[0].key);
  update.outbox_deletes.push_back("never-existed");
  expect_ok({update});
  auto view = store->snapshot();
  std::vector<outbox_row> all;
  std::string after;
  for (;;) {
    auto page = view->list_outbox(after, 2);
    ASSERT_TRUE(page.has_value());
    all.insert(all.end(), page->data.begin(), page->data.end());
    if (page->next_key.empty()) break;
    after = page->next_key;
  }
  ASSERT_EQ(all.size(), 6u);
  EXPECT_EQ(all[2], row);
}

TEST_F(maintenance_test, the_review_deadline_index_follows_task_state) {
  expect_ok({open_account_record("a"), open_account_record("b")});
  expect_ok({topup_record(*store->get_account("a"), "top", 100, now)});
  auto funded = fund_new_task(*store->get_account("a"), *store->get_account("b"), "t1", 40, now);
  auto funded2 = fund_new_task(*store->get_account("a"), *store->get_account("b"), "t2", 40, now);
  expect_ok({from_outcome(*funded, true), from_outcome(*funded2, true)});
  auto submitted = submit_task(funded->task, "work", "b", now + 10);
  auto submitted2 = submit_task(funded2->task, "work", "b", now);
  expect_ok({from_outcome(*submitted, false), from_outcome(*submitted2, false)});
  {
    auto due = store->snapshot()->list_review_deadlines(submitted->task.review_deadline, 10);
    ASSERT_EQ(due->size(), 2u);
    EXPECT_EQ((*due)[0].task_id, "t2");  // earliest first
    EXPECT_EQ(
        store->snapshot()->list_review_deadlines(submitted2->task.review_deadline, 10)->size(), 1u);
  }
  auto lapsed = lapse_review_window(submitted2->task, submitted2->task.review_deadline);
  ASSERT_TRUE(lapsed.has_value());
  expect_ok({from_outcome(*lapsed, false)});
  auto due = store->snapshot()->list_review_deadlines(now + 1'000'000, 10);
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].task_id, "t1");
  EXPECT_EQ(store->get_account("b")->available, 40);
  EXPECT_TRUE(verify_ledger(*store)->ok);
}

TEST_F(maintenance_test, reaps_expired_idempotency_records_in_bounded_chunks) {
  std::vector<commit_record> records(2500);
  for (std::size_t i = 0; i < records.size(); ++i)
    records[i].idempotency =
        idempotency_for("key_a", "k" + std::to_string(i), now + std::int64_t(i % 2), 100);
  expect_ok(std::move(records));
  auto reap = [&](std::int64_t at, std::size_t limit) -> std::size_t {
    auto reaped = store->reap_expired_idempotency(at, limit);
    EXPECT_TRUE(reaped.has_value())
        << "error " << int(reaped.code()) << " system code " << store->stats().failure_system_code;
    return reaped ? *reaped : 999'999;
  };
  EXPECT_EQ(reap(now + 99, 5000), 0u);
  EXPECT_EQ(reap(now + 100, 5000), 1000u);  // one chunk at most
  EXPECT_EQ(reap(now + 100, 5000), 250u);   // the even ones left
  EXPECT_EQ(reap(now + 100, 5000), 0u);
  EXPECT_EQ(store->get_idempotency("key_a", "k0").code(), error_code::not_found);
  EXPECT_TRUE(store->get_idempotency("key_a", "k1").has_value());
  EXPECT_EQ(reap(now + 101, 5000), 1000u);
  EXPECT_EQ(reap(now + 101, 10), 10u);
  EXPECT_EQ(store->stats().idempotency_reaped, 2260u);
}

// A reaper that met an idempotency record it could not read failed its transaction, and
// with it the store: every write was refused until a restart, and after the restart the
// reaper met the same record again. Its index key is dropped; the record stays, so a retry
// under its key still finds it (and is answered storage_failed), never runs twice.
TEST_F(maintenance_test, an_unreadable_idempotency_record_does_not_stop_the_reaper_or_writes) {
  std::vector<commit_record> records(3);
  for (std::size_t i = 0; i < records.size(); ++i)
    records[i].idempotency = idempotency_for("key_a", "k" + std::to_string(i), now, 100);
  expect_ok(std::move(records));
  rewrite_raw("idempotency", idempotency_key("key_a", "k1"), [](std::string_view stored) {
    std::string corrupt(stored);
    corrupt[corrupt.size() / 2] = char(~corrupt[corrupt.size() / 2]);
    return corrupt;
  });
  auto reaped = store->reap_expired_idempotency(now + 100, 100);
  ASSERT_TRUE(reaped.has_value()) << "system code " << store->stats().failure_system_code;
  EXPECT_EQ(*reaped, 2u);
  EXPECT_FALSE(store->failed());
  EXPECT_EQ(store->get_idempotency("key_a", "k0").code(), error_code::not_found);
  EXPECT_EQ(store->get_idempotency("key_a", "k1").code(), error_code::storage_failed);
  EXPECT_EQ(*store->reap_expired_idempotency(now + 100, 100), 0u);
  expect_ok({open_account_record("a")});
}

TEST_F(maintenance_test, a_backup_opens_elsewhere_and_verifies) {
  expect_ok({open_account_record("a"), open_account_record("b")});
  expect_ok({topup_record(*store->get_account("a"), "top", 100, now)});
  expect_ok({from_outcome(
      *fund_new_task(*store->get_account("a"), *store->get_account("b"), "t", 30, now), true)});
  const auto file = dir / "backup.mdb";
  ASSERT_TRUE(store->backup(file).ok());
  const auto restored = dir / "restored";
  std::filesystem::create_directories(restored);
  std::filesystem::copy_file(file, restored / "data.mdb");
  store_options options;
  options.data_dir = restored;
  auto copy = ledger_store::open(options);
  ASSERT_TRUE(copy.has_value());
  EXPECT_EQ((*copy)->get_account("a")->available, 70);
  EXPECT_EQ((*copy)->last_sequence(), 2u);
  auto report = verify_ledger(**copy);
  EXPECT_TRUE(report->ok);
  EXPECT_EQ(report->entries_checked, 2u);
  EXPECT_EQ(report->accounts_checked, 2u);
  EXPECT_EQ(report->tasks_checked, 1u);
  copy->reset();
  store.reset();
  const auto file2 = dir / "backup2.mdb";
  ASSERT_TRUE(backup_data_dir(dir.path() / "data", file2).ok());
  EXPECT_TRUE(std::filesystem::exists(file2));
}

// A backup killed mid-copy leaves its temporary file: the next backup to that name removes
// it, but never one a live backup holds (locked), one written a moment ago (a live backup
// between creating and locking it), or another name's.
TEST_F(maintenance_test, a_backup_removes_the_temporaries_killed_backups_left) {
  const auto file = dir / "backup.mdb";
  const auto old = std::filesystem::file_time_type::clock::now() - std::chrono::minutes(5);
  auto temporary = [&](const std::string& name, bool aged) {
    const auto path = dir / name;
    std::ofstream(path) << "half a copy";
    if (aged) std::filesystem::last_write_time(path, old);
    return path;
  };
  const auto abandoned = temporary("backup.mdb.tmp.Aa0001", true);
  const auto held = temporary("backup.mdb.tmp.Bb0002", true);
  const auto fresh = temporary("backup.mdb.tmp.Cc0003", false);
  const auto other_name = temporary("other.mdb.tmp.Dd0004", true);
  const auto not_a_temporary = temporary("backup.mdb.tmp.too-long", true);
  const int holder = ::open(held.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(holder, 0);
  ASSERT_EQ(::flock(holder, LOCK_EX), 0);
  ASSERT_TRUE(store->backup(file).ok());
  ::close(holder);
  EXPECT_FALSE(std::filesystem::exists(abandoned));
  EXPECT_TRUE(std::filesystem::exists(held));
  EXPECT_TRUE(std::filesystem::exists(fresh));
  EXPECT_TRUE(std::filesystem::exists(other_name));
  EXPECT_TRUE(std::filesystem::exists(not_a_temporary));
  EXPECT_TRUE(std::filesystem::exists(file));
}

// Renamed over the live data.mdb, a backup took every later commit with it at the next
// restart; a device or link at the name was replaced by a regular file.
TEST_F(maintenance_test, a_backup_is_refused_inside_the_data_directory_and_over_special_files) {
  expect_ok({open_account_record("a")});
  const auto data = dir.path() / "data";
  for (const auto& target :
       {data / "data.mdb", data / "lock.mdb", data / "copy.mdb", data / ".." / "data" / "x"}) {
    const auto refused = store->backup(target);
    EXPECT_EQ(refused.code(), error_code::storage_failed) << target;
    EXPECT_NE(refused.failure().message.find("inside the data directory"), std::string::npos)
        << refused.failure().message;
  }
  EXPECT_FALSE(std::filesystem::exists(data / "copy.mdb"));
  const auto link = dir / "link.mdb";
  std::filesystem::create_symlink(dir / "elsewhere.mdb", link);
  EXPECT_EQ(store->backup(link).code(), error_code::storage_failed);
  EXPECT_TRUE(std::filesystem::is_symlink(link));
  EXPECT_EQ(store->backup(dir.path()).code(), error_code::storage_failed);  // a directory
  EXPECT_EQ(store->backup("/dev/null").code(), error_code::storage_failed);
  const auto sibling = dir / "data-backup.mdb";  // a name that only starts like the dir's
  EXPECT_TRUE(store->backup(sibling).ok());
  EXPECT_TRUE(store->backup(sibling).ok()) << "an existing regular file is replaced";
  std::size_t leftovers = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path()))
    leftovers += entry.path().filename().string().find(".tmp") != std::string::npos;
  EXPECT_EQ(leftovers, 0u);
}

// A bind mount gives the data directory another name: the files are compared, not names.
TEST_F(maintenance_test, a_backup_into_the_data_directory_through_a_bind_mount_is_refused) {
  expect_ok({open_account_record("a")});
  const auto bound = dir / "bound";
  std::filesystem::create_directory(bound);
  const auto data = dir.path() / "data";
  if (::mount(data.c_str(), bound.c_str(), nullptr, MS_BIND, nullptr) != 0)
    GTEST_SKIP() << "cannot bind-mount here (needs root)";
  const auto refused = store->backup(bound / "data.mdb");
  ::umount2(bound.c_str(), MNT_DETACH);
  EXPECT_EQ(refused.code(), error_code::storage_failed);
  EXPECT_NE(refused.failure().message.find("inside the data directory"), std::string::npos)
      << refused.failure().message;
}

// LMDB maps the file: a page past its end was SIGBUS in the server and in verify alike.
TEST_F(maintenance_test, a_data_file_cut_short_is_refused_at_open) {
  expect_ok({open_account_record("a"), open_account_record("b")});
  for (int i = 0; i < 50; ++i)
    expect_ok({topup_record(*store->get_account("a"), "top" + std::to_string(i), 100, now)});
  store.reset();
  const auto file = dir.path() / "data" / "data.mdb";
  std::filesystem::resize_file(file, std::filesystem::file_size(file) / 2);
  store_options options;
  options.data_dir = dir.path() / "data";
  for (const bool read_only : {true, false}) {
    options.read_only = read_only;
    auto refused = ledger_store::open(options);
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.failure().param, "data_file");
    EXPECT_NE(refused.failure().message.find("cut short"), std::string::npos)
        << refused.failure().message;
  }
}

TEST_F(maintenance_test, verify_reports_a_row_that_disagrees_with_the_journal) {
  expect_ok({open_account_record("a"), open_account_record("b")});
  expect_ok({topup_record(*store->get_account("a"), "top", 100, now)});
  rewrite_raw("accounts", "a", [](std::string_view stored) {
    auto tampered = decode_account_row(stored).value();
    tampered.data.available = 150;
    std::string value;
    encode_account(tampered, value);
    return value;
  });
  auto report = verify_ledger(*store);
  ASSERT_TRUE(report.has_value());
  EXPECT_FALSE(report->ok);
  ASSERT_FALSE(report->problems.empty());
  EXPECT_NE(report->problems[0].find("account a: available 150"), std::string::npos)
      << report->problems[0];
}

TEST_F(maintenance_test, verify_reports_a_broken_chain_of_entries) {
  expect_ok({open_account_record("a"), open_account_record("b")});
  for (const auto* id : {"t1", "t2", "t3"})
    expect_ok({topup_record(*store->get_account("a"), id, 10, now)});
  ASSERT_TRUE(verify_ledger(*store)->ok);
  // Entry 3 skips entry 2: listing "a" would lose it.
  rewrite_raw("journal", sequence_key(3), [](std::string_view stored) {
    auto entry = decode_entry(stored, 3).value();
    std::string value;
    encode_entry(3, entry.entry, std::vector<std::uint64_t>{0, 1}, value);
    return value;
  });
  auto report = verify_ledger(*store);
  ASSERT_TRUE(report.has_value());
  EXPECT_FALSE(report->ok);
  ASSERT_EQ(report->problems.size(), 1u);
  EXPECT_EQ(report->problems[0], "entry 3 links account a to entry 1, but its previous entry is 2");
}

}  // namespace
}  // namespace escrowd::storage
