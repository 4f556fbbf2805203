// White-box tests of record_applier, the last line of defence between a commit record and
// the disk: a record the storage layer cannot store faithfully (a key LMDB refuses, a row
// its own decoder would refuse) must be refused alone, as a bug upstream, while its
// neighbours in the batch commit and the store stays writable. Each test commits a batch
// with one such record beside a good one on a real LMDB store in a scratch directory.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "storage/ledger_store.hpp"
#include "storage/task_codec.hpp"
#include "storage/verify.hpp"
#include "tests/storage/storage_test_support.hpp"
#include "tests/storage/store_fixture.hpp"

namespace escrowd::storage {
namespace {

using namespace escrowd::storage::testing;

constexpr std::int64_t now = 1'700'000'000;

class record_applier_test : public store_fixture {
 protected:
  record_applier_test() : store_fixture("applier") {}
  void SetUp() override {
    reopen();
    expect_ok({open_account_record("a"), open_account_record("b")});
  }

  // Commits `bad` after a good record (a new account) in one batch, and checks that only
  // `bad` was refused, as a bug, and that the store still takes writes and verifies.
  void expect_refused_alone(commit_record bad, const std::string& neighbour) {
    auto batch = store->commit_batch(std::vector<commit_record>{
        open_account_record(neighbour), std::move(bad), open_account_record(neighbour + "2")});
    ASSERT_TRUE(batch.outcome.ok())
        << int(batch.outcome.code()) << " " << batch.outcome.failure().param;
    ASSERT_EQ(batch.records.size(), 3u);
    EXPECT_TRUE(batch.records[0].outcome.ok());
    EXPECT_EQ(batch.records[1].outcome.code(), error_code::internal);
    EXPECT_TRUE(batch.records[2].outcome.ok());
    EXPECT_FALSE(store->failed());
    EXPECT_TRUE(store->get_account(neighbour).has_value());
    auto later =
        store->commit_batch(std::vector<commit_record>{open_account_record(neighbour + "3")});
    EXPECT_TRUE(later.outcome.ok());
    auto report = verify_ledger(*store);
    ASSERT_TRUE(report.has_value());
    EXPECT_TRUE(report->ok) << (report->problems.empty() ? "" : report->problems.front());
  }
};

// LMDB refuses an empty key (MDB_BAD_VALSIZE). Read while checking a record, that code was
// taken for a failure of the environment: the whole batch failed and the store stayed
// failed until a restart, for one record's empty id.
TEST_F(record_applier_test, a_delta_on_an_empty_account_id_is_refused_alone) {
  commit_record bad;
  bad.account_deltas.push_back({"", balance_field::escrowed, 1});
  expect_refused_alone(std::move(bad), "c");
}

TEST_F(record_applier_test, an_update_of_a_task_with_an_empty_id_is_refused_alone) {
  task row;
  row.payer = "a";
  row.amount = 10;
  row.currency = usd();
  commit_record bad;
  bad.task_updates.push_back(row);
  expect_refused_alone(std::move(bad), "c");
}

TEST_F(record_applier_test, a_revocation_of_an_empty_key_id_is_refused_alone) {
  commit_record bad;
  bad.api_key_revocations.push_back({"", now});
  expect_refused_alone(std::move(bad), "c");
}

TEST_F(record_applier_test, an_entry_leg_on_an_empty_account_id_is_refused_alone) {
  commit_record bad;
  bad.entry = transfer_entry(entry_kind::topup_succeeded, "top_x", now, clearing_book(usd()),
                             available_book("", usd()), 5);
  bad.account_deltas.push_back({"", balance_field::available, 5});
  expect_refused_alone(std::move(bad), "c");
}

// The operation decoder refuses strings over short_string_bytes_max; the commit path wrote
// them, so a processor that answered with a long object id left a row nothing could read
// again (the top-up's GET, its settlement and verify all failed on it).
TEST_F(record_applier_test, an_operation_row_its_decoder_would_refuse_is_refused_alone) {
  auto requested = request_topup(*store->get_account("a"), {"top_long", 10, "pm_card_visa"}, now);
  ASSERT_TRUE(requested.has_value());
  commit_record bad;
  bad.operation_creates.push_back(requested->operation);
  bad.operation_creates.back().processor_object_id = std::string(5000, 'p');
  bad.account_deltas = requested->deltas;
  expect_refused_alone(std::move(bad), "c");
  EXPECT_EQ(store->get_operation(processor_kind::topup, "top_long").code(), error_code::not_found);
}

// operation_times keys an operation by its creation time, written once: an update that
// moved the time would leave the index naming a time the row no longer has.
TEST_F(record_applier_test, an_operation_update_that_changes_its_creation_time_is_refused_alone) {
  auto requested = request_topup(*store->get_account("a"), {"top_t", 10, "pm_card_visa"}, now);
  ASSERT_TRUE(requested.has_value());
  expect_ok({operation_record(*requested, true, now)});
  auto settled =
      settle(requested->operation, {processor_status::succeeded, "pi_t", {}, {}}, now + 5);
  ASSERT_TRUE(settled.has_value());
  auto moved = operation_record(*settled, false, now + 5);
  moved.operation_updates.back().created_at = now + 5;
  expect_refused_alone(std::move(moved), "c");
  EXPECT_EQ(store->get_operation(processor_kind::topup, "top_t")->created_at, now);
  EXPECT_EQ(store->get_operation(processor_kind::topup, "top_t")->status,
            processor_status::pending);
}

// The writer checks a record's task rows but stores the bytes the deciding actor encoded of
// them. Bytes of another row (here: the task before its funding, under the funding's
// entry) stored a task holding no escrow beside a journal that funded it; only an
// assertion compared them, and release builds have none.
TEST_F(record_applier_test, a_task_encoded_other_than_its_row_is_refused_alone) {
  expect_ok({topup_record(*store->get_account("a"), "top", 100, now)});
  create_task_command command{"t1", "b", 40, usd(), 3600, "a"};
  auto created = create_task(command, *store->get_account("a"), &*store->get_account("b"), now);
  auto funded = fund_task(created->task, *store->get_account("a"), "a", now);
  ASSERT_TRUE(funded.has_value());
  auto bad = from_outcome(*funded, true);
  bad.encoded_tasks.resize(1);
  encode_task(created->task, bad.encoded_tasks[0]);
  expect_refused_alone(std::move(bad), "c");
  EXPECT_EQ(store->get_task("t1").code(), error_code::not_found);
  EXPECT_EQ(store->get_account("a")->available, 100);
}

}  // namespace
}  // namespace escrowd::storage
