// Tests of verify_ledger's check that every task and operation has exactly the journal
// entries its status implies. Each damage below keeps every balance equal to its journal
// legs, so the balance checks alone passed it: a top-up credited under another id, a
// pending top-up credited anyway, a release paid to the payer, an entry naming a task that
// does not exist. The storage writer checks only that an entry's legs match the record's
// balance changes, so such records commit, as a buggy engine could write them.
#include <gtest/gtest.h>

#include "storage/verify.hpp"
#include "tests/storage/storage_test_support.hpp"
#include "tests/storage/store_fixture.hpp"

namespace escrowd::storage {
namespace {

using namespace escrowd::storage::testing;

constexpr std::int64_t now = 1'700'000'000;

class verify_entries_test : public store_fixture {
 protected:
  verify_entries_test() : store_fixture("verify-entries") {}

  // A store with every status the checks tell apart, which must verify clean.
  void SetUp() override {
    reopen();
    expect_ok({open_account_record("a"), open_account_record("b")});
    expect_ok({topup_record(*store->get_account("a"), "top", 1000, now)});
    fund("funded");
    approve(submit(fund("released")));
    auto disputed = dispute_task(submit(fund("resolved")), "no", "a", now + 2);
    expect_ok({from_outcome(*disputed, false)});
    expect_ok({from_outcome(*resolve_task(disputed->task, 15, "arbiter", now + 3), false)});
    expect_ok({from_outcome(*cancel_task(fund("refunded"), "a", now + 1), false)});
    auto pending = request_topup(*store->get_account("a"), {"top_pending", 5, "pm"}, now);
    expect_ok({operation_record(*pending, true)});
    auto paid = withdraw("wd_paid", true);
    withdraw("wd_pending", false);
    auto bounced =
        settle(withdraw("wd_bounced", true), {processor_status::failed, {}, {}, {}}, now);
    expect_ok({operation_record(*bounced, false)});
    auto returned =
        settle(withdraw("wd_failed", false), {processor_status::failed, {}, {}, {}}, now);
    expect_ok({operation_record(*returned, false)});
    expect_problems(0, "");
  }

  task fund(const std::string& id) {
    auto funded = fund_new_task(*store->get_account("a"), *store->get_account("b"), id, 40, now);
    expect_ok({from_outcome(*funded, true)});
    return funded->task;
  }
  task submit(const task& funded) {
    auto submitted = submit_task(funded, "work", "b", now + 1);
    expect_ok({from_outcome(*submitted, false)});
    return submitted->task;
  }
  void approve(const task& submitted) {
    expect_ok({from_outcome(*approve_task(submitted, "a", now + 2), false)});
  }
  // A withdrawal of 10 from a, paid out if `paid`.
  processor_operation withdraw(const std::string& id, bool paid) {
    auto held = request_withdrawal(*store->get_account("a"), {id, 10, "ba_1"}, now);
    expect_ok({operation_record(*held, true)});
    if (!paid) return held->operation;
    auto settled = settle(held->operation, {processor_status::paid, "po_" + id, {}, {}}, now);
    expect_ok({operation_record(*settled, false)});
    return settled->operation;
  }

  // Expects `count` problems, one of them containing `words`.
  void expect_problems(std::uint64_t count, const std::string& words) {
    auto report = verify_ledger(*store);
    ASSERT_TRUE(report.has_value());
    std::string all;
    for (const auto& text : report->problems) all += text + "\n";
    EXPECT_EQ(report->problems_total, count) << all;
    EXPECT_EQ(report->ok, count == 0);
    if (count == 0) return;
    EXPECT_NE(all.find(words), std::string::npos) << all;
  }
};

TEST_F(verify_entries_test, a_succeeded_topup_credited_under_another_id_is_a_problem) {
  auto credited = topup_record(*store->get_account("a"), "top_2", 50, now);
  credited.entry->reference = "top_elsewhere";
  expect_ok({credited});
  expect_problems(2,
                  "top-up top_2 is succeeded, which implies one topup_succeeded entry, but "
                  "the journal has 0");
  expect_problems(2, "(topup_succeeded) names top-up 'top_elsewhere', which does not exist");
}

TEST_F(verify_entries_test, a_pending_topup_with_a_credit_is_a_problem) {
  const auto owner = *store->get_account("a");
  auto requested = request_topup(owner, {"top_early", 50, "pm"}, now);
  auto record = operation_record(*requested, true);
  record.entry = transfer_entry(entry_kind::topup_succeeded, "top_early", now, clearing_book(usd()),
                                available_book("a", usd()), 50);
  record.account_deltas.push_back({"a", balance_field::available, 50});
  expect_ok({record});
  expect_problems(1,
                  "top-up top_early is pending, which implies no topup_succeeded entry, but "
                  "the journal has 1 (the first is entry");
}

TEST_F(verify_entries_test, a_release_paid_to_the_payer_is_a_problem) {
  auto approved = approve_task(submit(fund("t_wrong")), "a", now + 2);
  for (auto& leg : approved->entry->legs)
    if (leg.book.kind == book_kind::available) leg.book.owner = "a";
  for (auto& delta : approved->deltas)
    if (delta.field == balance_field::available) delta.account_id = "a";
  expect_ok({from_outcome(*approved, false)});
  expect_problems(1,
                  "the task_release of task t_wrong, moves other books or amounts than the "
                  "task implies");
}

TEST_F(verify_entries_test, a_task_entry_naming_no_task_is_a_problem) {
  commit_record record;
  record.entry = transfer_entry(entry_kind::task_release, "ghost", now, clearing_book(usd()),
                                available_book("b", usd()), 7);
  record.account_deltas.push_back({"b", balance_field::available, 7});
  expect_ok({record});
  expect_problems(1, "(task_release) names task 'ghost', which does not exist");
}

// Its escrow book sums to zero, so the missing row left no balance behind to notice.
TEST_F(verify_entries_test, the_entries_of_a_deleted_refunded_task_are_a_problem) {
  delete_raw("tasks", "refunded");
  expect_problems(1,
                  "(task_fund) moves the escrow of task 'refunded' in usd, and no task "
                  "'refunded' in usd exists");
}

TEST_F(verify_entries_test, a_paid_withdrawal_without_its_payout_is_a_problem) {
  auto held = request_withdrawal(*store->get_account("a"), {"wd_2", 10, "ba_1"}, now);
  expect_ok({operation_record(*held, true)});
  auto settled = settle(held->operation, {processor_status::paid, "po_2", {}, {}}, now);
  settled->entry->reference = "wd_paid";  // credited to another, already paid, withdrawal
  expect_ok({operation_record(*settled, false)});
  expect_problems(2,
                  "withdrawal wd_2 is paid, which implies one withdrawal_paid entry, but the "
                  "journal has 0");
  expect_problems(2,
                  "withdrawal wd_paid is paid, which implies one withdrawal_paid entry, but "
                  "the journal has 2");
}

}  // namespace
}  // namespace escrowd::storage
