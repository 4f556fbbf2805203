// Tests of verify_ledger beyond the balances: the tables that hold no money but that money
// depends on. A submitted task missing from the review-deadline index is never released to
// its worker by the review timer, and an unreadable outbox row stops the gateway's scan
// (charges and payouts are never sent), yet verify passed both. Each test damages one
// value behind the store's back with raw LMDB and expects verify to name it.
#include "storage/verify.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "storage/keys.hpp"
#include "storage/ledger_store.hpp"
#include "tests/storage/storage_test_support.hpp"
#include "tests/storage/store_fixture.hpp"

namespace escrowd::storage {
namespace {

using namespace escrowd::storage::testing;

constexpr std::int64_t now = 1'700'000'000;

class verify_test : public store_fixture {
 protected:
  verify_test() : store_fixture("verify") {}
  void SetUp() override {
    reopen();
    expect_ok({open_account_record("a"), open_account_record("b")});
    expect_ok({topup_record(*store->get_account("a"), "top", 100, now)});
    auto funded = fund_new_task(*store->get_account("a"), *store->get_account("b"), "t1", 40, now);
    ASSERT_TRUE(funded.has_value());
    expect_ok({from_outcome(*funded, true)});
    auto submitted = submit_task(funded->task, "work", "b", now + 10);
    ASSERT_TRUE(submitted.has_value());
    deadline = submitted->task.review_deadline;
    expect_ok({from_outcome(*submitted, false)});
    expect_ok({operation_record(*request_topup(*store->get_account("a"), {"top_2", 5, "pm"}, now),
                                true)});
    expect_problems(0, "");
  }
  // Expects `count` problems, the first one containing `words`.
  void expect_problems(std::uint64_t count, const std::string& words) {
    auto report = verify_ledger(*store);
    ASSERT_TRUE(report.has_value());
    EXPECT_EQ(report->problems_total, count)
        << (report->problems.empty() ? "" : report->problems.front());
    EXPECT_EQ(report->ok, count == 0);
    if (count == 0) return;
    ASSERT_FALSE(report->problems.empty());
    EXPECT_NE(report->problems.front().find(words), std::string::npos) << report->problems.front();
  }

  std::int64_t deadline = 0;
};

TEST_F(verify_test, a_submitted_task_missing_from_the_review_deadlines_is_a_problem) {
  delete_raw("review_deadlines", review_deadline_key(deadline, "t1"));
  expect_problems(1, "task t1 is submitted but has no review deadline key");
}

TEST_F(verify_test, a_review_deadline_of_no_submitted_task_is_a_problem) {
  rewrite_raw("review_deadlines", review_deadline_key(deadline + 5, "t1"),
              [](std::string_view) { return std::string(); });
  expect_problems(1, "review deadline");
}

TEST_F(verify_test, an_unreadable_outbox_row_is_a_problem) {
  rewrite_raw("outbox", "topup:top_2:charge", [](std::string_view stored) {
    std::string corrupt(stored);
    corrupt[corrupt.size() / 2] = char(~corrupt[corrupt.size() / 2]);
    return corrupt;
  });
  // The open top-up it belonged to now has no readable row either.
  expect_problems(2, "outbox value under key 'topup:top_2:charge' is corrupt");
}

// The gateway drives open operations, and reconciliation starts its window at the oldest
// one, only through their outbox rows.
TEST_F(verify_test, an_open_operation_without_its_outbox_row_is_a_problem) {
  delete_raw("outbox", "topup:top_2:charge");
  expect_problems(1, "open operation with processor key 'topup:top_2:charge' has no outbox row");
}

TEST_F(verify_test, an_outbox_row_of_an_operation_that_ended_is_a_problem) {
  commit_record failed =
      operation_record(*settle(*store->get_operation(processor_kind::topup, "top_2"),
                               {processor_status::failed, {}, {}, {}}, now),
                       false);
  failed.outbox_deletes.clear();
  expect_ok({failed});
  expect_problems(1, "outbox row 'topup:top_2:charge' names no open operation topup top_2");
}

// Reconciliation reads the operations of its window through operation_times. Keys moved
// behind the store's back: the counts stay equal, so reopening does not rebuild the index.
TEST_F(verify_test, an_operation_missing_from_operation_times_is_a_problem) {
  swap_raw_keys("operation_times", {operation_time_key(now, processor_kind::topup, "top_2")},
                {operation_time_key(now - 1, processor_kind::topup, "top_2")});
  expect_problems(1, "topup top_2 created at 1700000000 has no key in operation_times");
}

// A store written before the index, or by a binary that did not keep it, holds operations
// the index misses: a writable open rebuilds it whenever the counts differ.
TEST_F(verify_test, a_writable_open_rebuilds_operation_times_whose_count_differs) {
  swap_raw_keys("operation_times", {operation_time_key(now, processor_kind::topup, "top_2")},
                {operation_time_key(now, processor_kind::topup, "top_gone"),
                 operation_time_key(now, processor_kind::topup, "top_gone_too")});
  expect_problems(0, "");
  std::vector<std::string> indexed;
  ASSERT_TRUE(store->snapshot()->for_each_operation_created_since(
      0, [&](const processor_operation& operation) {
        indexed.push_back(operation.id);
        return true;
      }));
  EXPECT_EQ(indexed, (std::vector<std::string>{"top", "top_2"}));
}

// FORMAT.md "History" calls a store written since by a binary that does not keep
// operation_times or webhook_event_times correct: the next writable open rebuilds the index
// whenever the counts differ. `escrowd verify` opens read-only, so it sees such a store
// before any rebuild, and must not fail it for an index nothing has rebuilt yet.
TEST_F(verify_test, a_read_only_verify_of_a_store_an_older_binary_wrote_since_passes) {
  // What an older binary writes: the operation (and a webhook event) without index keys.
  commit_record older =
      operation_record(*request_topup(*store->get_account("a"), {"top_3", 5, "pm"}, now), true);
  older.webhook_events.push_back({"evt_older", now});
  expect_ok({older});
  store.reset();
  ASSERT_TRUE(delete_raw_value(data_dir(), "operation_times",
                               operation_time_key(now, processor_kind::topup, "top_3")));
  ASSERT_TRUE(delete_raw_value(data_dir(), "webhook_event_times",
                               webhook_event_time_key(now, "evt_older")));
  store_options read_only;
  read_only.data_dir = data_dir();
  read_only.read_only = true;
  store = ledger_store::open(read_only).value();
  expect_problems(0, "");
  reopen();  // the writable open rebuilds both indexes
  expect_problems(0, "");
}

}  // namespace
}  // namespace escrowd::storage
