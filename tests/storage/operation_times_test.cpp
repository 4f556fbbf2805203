// Tests of the reads reconciliation makes instead of scanning every operation: the
// operations created since a time, through operation_times (or a whole scan when a
// read-only open finds no index), and the oldest open operation, through the outbox.
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "storage/keys.hpp"
#include "storage/ledger_store.hpp"
#include "tests/storage/store_fixture.hpp"

namespace escrowd::storage {
namespace {

using namespace escrowd::storage::testing;

constexpr std::int64_t now = 1'700'000'000;

class operation_times_test : public store_fixture {
 protected:
  operation_times_test() : store_fixture("operation_times") {}
  void SetUp() override {
    reopen();
    expect_ok({open_account_record("a")});
    expect_ok({topup_record(*store->get_account("a"), "top_funds", 10'000, now - 500)});
  }

  // A withdrawal of 10 requested at `at`: open until settled.
  processor_operation withdraw(const std::string& id, std::int64_t at) {
    auto held = request_withdrawal(*store->get_account("a"), {id, 10, "ba_1"}, at);
    EXPECT_TRUE(held.has_value());
    expect_ok({operation_record(*held, true, at)});
    return held->operation;
  }
  void pay(const processor_operation& operation, std::int64_t at) {
    auto paid = settle(operation, {processor_status::paid, "po_" + operation.id, {}, {}}, at);
    ASSERT_TRUE(paid.has_value());
    expect_ok({operation_record(*paid, false, at)});
  }

  static std::vector<std::string> created_since(const ledger_store& store, std::int64_t since,
                                                const processor_operation* after = nullptr) {
    std::vector<std::string> ids;
    auto snapshot = store.snapshot();
    EXPECT_TRUE(snapshot.has_value());
    EXPECT_TRUE(snapshot->for_each_operation_created_since(
        since,
        [&](const processor_operation& operation) {
          ids.push_back(operation.id);
          return true;
        },
        after));
    return ids;
  }
  processor_operation stored(const std::string& id) {
    return *store->get_operation(processor_kind::withdrawal, id);
  }
  std::optional<std::int64_t> oldest_open() {
    auto oldest = store->snapshot()->oldest_open_operation_created_at();
    EXPECT_TRUE(oldest.has_value());
    return oldest ? *oldest : std::nullopt;
  }
};

TEST_F(operation_times_test, operations_created_since_a_time_come_oldest_first) {
  withdraw("wd_c", now + 30);
  withdraw("wd_a", now + 10);
  pay(withdraw("wd_b", now + 20), now + 40);  // an update keeps its place
  EXPECT_EQ(created_since(*store, now + 10), (std::vector<std::string>{"wd_a", "wd_b", "wd_c"}));
  EXPECT_EQ(created_since(*store, now + 11), (std::vector<std::string>{"wd_b", "wd_c"}));
  EXPECT_EQ(created_since(*store, now + 31), std::vector<std::string>{});
  EXPECT_EQ(created_since(*store, 0).front(), "top_funds");
}

// Reconciliation compares in chunks, one snapshot each, resuming after the last one seen.
TEST_F(operation_times_test, a_walk_resumes_after_the_operation_it_stopped_at) {
  withdraw("wd_a", now + 10);
  withdraw("wd_b", now + 10);  // the same second: kind and id order them
  withdraw("wd_c", now + 20);
  const auto a = stored("wd_a");
  const auto b = stored("wd_b");
  EXPECT_EQ(created_since(*store, now, &a), (std::vector<std::string>{"wd_b", "wd_c"}));
  EXPECT_EQ(created_since(*store, now, &b), std::vector<std::string>{"wd_c"});
  EXPECT_EQ(created_since(*store, now + 20, &a), std::vector<std::string>{"wd_c"});
  const auto c = stored("wd_c");
  EXPECT_EQ(created_since(*store, now, &c), std::vector<std::string>{});
}

// A read-only open of a store written before the index (verify, backup) scans instead.
TEST_F(operation_times_test, a_store_without_the_index_is_scanned_whole) {
  withdraw("wd_b", now + 20);
  withdraw("wd_a", now + 10);
  {
    auto reader = open_read_only_without("operation_times");
    ASSERT_NE(reader, nullptr);
    // In key order, not creation order: the scan has no index to follow.
    EXPECT_EQ(created_since(*reader, now + 10), (std::vector<std::string>{"wd_a", "wd_b"}));
    const auto a = *reader->get_operation(processor_kind::withdrawal, "wd_a");
    EXPECT_EQ(created_since(*reader, now, &a), std::vector<std::string>{"wd_b"});
  }
  reopen();  // a writable open builds the index
  EXPECT_EQ(created_since(*store, now + 10), (std::vector<std::string>{"wd_a", "wd_b"}));
}

// A walk that stops and resumes after the last operation it visited (as
// reconciliation's chunks do) visits every operation once, with or without the index.
// Without it the scan goes in key order, so "after the last one" by creation time skips
// every operation of a later key created before it.
TEST_F(operation_times_test, a_stopped_walk_of_a_store_without_the_index_resumes_without_skipping) {
  withdraw("wd_a", now + 20);  // key order: wd_a, wd_b; creation order: wd_b, wd_a
  withdraw("wd_b", now + 10);
  auto reader = open_read_only_without("operation_times");
  ASSERT_NE(reader, nullptr);
  std::vector<std::string> ids;
  std::optional<processor_operation> last;
  for (int chunk = 0; chunk < 10; ++chunk) {  // chunks of one operation
    std::optional<processor_operation> stopped;
    auto snapshot = reader->snapshot();
    ASSERT_TRUE(snapshot.has_value());
    ASSERT_TRUE(snapshot->for_each_operation_created_since(
        now,
        [&](const processor_operation& operation) {
          ids.push_back(operation.id);
          stopped = operation;
          return false;
        },
        last ? &*last : nullptr));
    if (!stopped) break;
    last = stopped;
  }
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::string>{"wd_a", "wd_b"}));
}

TEST_F(operation_times_test, a_key_of_no_operation_stops_the_walk_as_corrupt) {
  withdraw("wd_a", now + 10);
  // The counts stay equal: the open does not rebuild the index.
  swap_raw_keys("operation_times",
                {operation_time_key(now + 10, processor_kind::withdrawal, "wd_a")},
                {operation_time_key(now + 10, processor_kind::withdrawal, "wd_x")});
  auto walked = store->snapshot()->for_each_operation_created_since(
      now, [](const processor_operation&) { return true; });
  ASSERT_FALSE(walked.ok());
  EXPECT_EQ(walked.failure().code, error_code::storage_failed);
  EXPECT_EQ(walked.failure().param, "operation_times");
}

TEST_F(operation_times_test, the_oldest_open_operation_is_found_through_the_outbox) {
  EXPECT_EQ(oldest_open(), std::nullopt);
  const auto early = withdraw("wd_early", now + 10);
  withdraw("wd_late", now + 20);
  EXPECT_EQ(oldest_open(), now + 10);
  pay(early, now + 30);
  EXPECT_EQ(oldest_open(), now + 20);
}

// An open operation that cannot be read could be the oldest: the answer is an error, not a
// later time that would leave it outside reconciliation's window.
TEST_F(operation_times_test, an_unreadable_open_operation_fails_the_oldest_open_read) {
  withdraw("wd_unreadable", now + 10);
  withdraw("wd_late", now + 20);
  rewrite_raw("operations", operation_key(processor_kind::withdrawal, "wd_unreadable"),
              [](std::string_view value) {
                std::string damaged(value);
                damaged.back() ^= 0x5a;
                return damaged;
              });
  auto oldest = store->snapshot()->oldest_open_operation_created_at();
  ASSERT_FALSE(oldest.has_value());
  EXPECT_EQ(oldest.failure().code, error_code::storage_failed);
}

}  // namespace
}  // namespace escrowd::storage
