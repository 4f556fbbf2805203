// Tests of verify_ledger beyond the balances: the tables that hold no money but that money
// depends on. A submitted task missing from the review-deadline index is never released to
// its worker by the review timer, and an unreadable outbox row stops the gateway's scan
// (charges and payouts are never sent), yet verify passed both. Each test damages one
// value behind the store's back with raw LMDB and expects verify to name it.
#include "storage/verify.hpp"

#include <gtest/gtest.h>

#include <functional>

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
    commit_record outbox;
    outbox.outbox_puts.push_back({"topup:top_2:charge", processor_kind::topup, "top_2",
                                  R"({"amount":5})", 0, now, outbox_state::pending, now});
    expect_ok({outbox});
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
  expect_problems(1, "outbox");
}

}  // namespace
}  // namespace escrowd::storage
