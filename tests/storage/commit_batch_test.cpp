// Tests of ledger_store::commit_batch semantics on a real LMDB store in a scratch
// directory: records are all or nothing inside a batch (a rejected record leaves no row,
// entry, index or sequence behind while its neighbours commit), create/update rules,
// the ledger cross-checks (entry vs deltas, balance), idempotency, API keys and webhook
// dedup, the header check at open, one writer per data directory, and a failed write
// reported as a storage failure, never as a client's conflict.
#include <gtest/gtest.h>
#include <lmdb.h>

#include <limits>

#include "storage/keys.hpp"
#include "storage/ledger_store.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/meta_codec.hpp"
#include "storage/verify.hpp"
#include "tests/storage/raw_lmdb.hpp"
#include "tests/storage/storage_test_support.hpp"

namespace escrowd::storage {
namespace {

using namespace escrowd::storage::testing;

constexpr std::int64_t now = 1'700'000'000;

class commit_batch_test : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = ledger_store::open(options());
    ASSERT_TRUE(opened.has_value());
    store = std::move(*opened);
  }
  store_options options() const {
    store_options result;
    result.data_dir = dir.path() / "data";
    result.map_size_bytes_initial = 1 << 20;
    return result;
  }
  batch_result commit(std::vector<commit_record> records) { return store->commit_batch(records); }
  void expect_ok(std::vector<commit_record> records) {
    auto result = commit(std::move(records));
    ASSERT_TRUE(result.outcome.ok());
    for (const auto& record : result.records)
      ASSERT_TRUE(record.outcome.ok()) << int(record.outcome.code());
  }
  void expect_verified() {
    auto report = verify_ledger(*store);
    ASSERT_TRUE(report.has_value());
    EXPECT_TRUE(report->ok) << (report->problems.empty() ? "" : report->problems.front());
  }
  // Opens accounts a and b, and tops a up with `amount`.
  void fund_a(std::int64_t amount) {
    expect_ok({open_account_record("a"), open_account_record("b")});
    expect_ok({topup_record(*store->get_account("a"), "top_a", amount, now)});
  }

  scratch_dir dir{"commit"};
  std::unique_ptr<ledger_store> store;
};

TEST_F(commit_batch_test, reopens_an_existing_store) {
  fund_a(100);
  store.reset();
  auto reopened = ledger_store::open(options());
  ASSERT_TRUE(reopened.has_value());
  EXPECT_EQ((*reopened)->last_sequence(), 1u);
  EXPECT_EQ((*reopened)->get_account("a")->available, 100);
}

// Two servers on one directory would each commit on top of the other's journal.
TEST_F(commit_batch_test, a_second_writer_on_the_directory_is_refused_and_readers_are_not) {
  fund_a(100);
  auto second = ledger_store::open(options());
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.failure().code, error_code::storage_failed);
  EXPECT_EQ(second.failure().param, "data_dir");
  EXPECT_NE(second.failure().message.find("in use"), std::string::npos) << second.failure().message;
  auto read_only = options();
  read_only.read_only = true;
  auto reader = ledger_store::open(read_only);
  ASSERT_TRUE(reader.has_value()) << int(reader.failure().code);
  EXPECT_EQ((*reader)->get_account("a")->available, 100);
  reader->reset();
  store.reset();  // the lock goes with the store
  auto after = ledger_store::open(options());
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ((*after)->get_account("a")->available, 100);
}

// A key that exists or is missing when a whole write fails is not the client's conflict.
TEST(write_failure_test, is_a_storage_failure_whatever_lmdb_said) {
  EXPECT_EQ(write_failure(MDB_KEYEXIST, "commit").code, error_code::storage_failed);
  EXPECT_EQ(write_failure(MDB_NOTFOUND, "commit").code, error_code::storage_failed);
  EXPECT_EQ(write_failure(MDB_CORRUPTED, "commit").code, error_code::storage_failed);
  EXPECT_EQ(write_failure(MDB_MAP_FULL, "commit").code, error_code::storage_full);
  EXPECT_EQ(write_failure(ENOSPC, "commit").code, error_code::storage_full);
}

TEST_F(commit_batch_test, refuses_a_store_of_another_format_version) {
  store.reset();
  ASSERT_TRUE(rewrite_raw_value(dir.path() / "data", "meta", header_key, [](std::string_view) {
    std::string value;
    encode_header({store_format_version + 1, now}, value);
    return value;
  }));
  auto reopened = ledger_store::open(options());
  ASSERT_FALSE(reopened.has_value());
  EXPECT_EQ(reopened.failure().param, "format_version");
}

TEST_F(commit_batch_test, applies_every_row_of_a_record_and_assigns_sequences) {
  fund_a(1000);
  auto outcome = fund_new_task(*store->get_account("a"), *store->get_account("b"), "t1", 300, now);
  ASSERT_TRUE(outcome.has_value());
  auto record = from_outcome(*outcome, true);
  record.idempotency = idempotency_for("key_a", "k1", now);
  auto result = commit({record});
  ASSERT_TRUE(result.records[0].outcome.ok());
  EXPECT_EQ(result.records[0].sequence, 2u);
  EXPECT_EQ(store->get_account("a")->available, 700);
  EXPECT_EQ(store->get_account("a")->escrowed, 300);
  EXPECT_EQ(store->get_task("t1")->escrow, 300);
  EXPECT_EQ(store->get_idempotency("key_a", "k1")->status_code, 201);
  EXPECT_EQ(store->snapshot()->get_entry(2)->entry, *outcome->entry);
  expect_verified();
}

// Deciding actors encode their task rows before the writer takes the record; a record
// whose encodings do not cover its rows (or has none) is encoded by the writer.
TEST_F(commit_batch_test, task_rows_encoded_before_the_commit_store_the_same_rows) {
  fund_a(1000);
  std::vector<commit_record> records;
  std::vector<task> expected;
  for (const std::string id : {"pre_encoded", "not_encoded", "partly_encoded"}) {
    auto outcome = fund_new_task(*store->get_account("a"), *store->get_account("b"), id, 100, now);
    ASSERT_TRUE(outcome.has_value());
    records.push_back(from_outcome(*outcome, true));
    expected.push_back(outcome->task);
  }
  encode_tasks(records[0]);
  ASSERT_EQ(records[0].encoded_tasks.size(), 1u);
  records[2].encoded_tasks = {"stale", "and too many"};
  // The funding of each record is checked against the balance the previous one left.
  for (auto& record : records) expect_ok({record});
  for (const auto& task_row : expected) EXPECT_EQ(*store->get_task(task_row.id), task_row);
  EXPECT_EQ(store->get_account("a")->escrowed, 300);
  expect_verified();
}

TEST_F(commit_batch_test, a_rejected_record_leaves_no_trace_while_its_neighbours_commit) {
  fund_a(100);
  // The engine is shown a richer payer than the store holds, so only storage can refuse.
  account rich = *store->get_account("a");
  rich.available = 1'000'000;
  const account b = *store->get_account("b");
  auto fits = from_outcome(*fund_new_task(rich, b, "fits", 60, now), true);
  auto too_big = from_outcome(*fund_new_task(rich, b, "too_big", 50, now), true);
  too_big.idempotency = idempotency_for("key_a", "too_big", now);
  too_big.outbox_puts.push_back(
      {"x", processor_kind::topup, "top_x", "{}", 0, now, outbox_state::pending, now});
  auto after = from_outcome(*fund_new_task(rich, b, "after", 40, now), true);
  auto result = commit({fits, too_big, after});
  ASSERT_TRUE(result.outcome.ok());
  EXPECT_TRUE(result.records[0].outcome.ok());
  EXPECT_EQ(result.records[1].outcome.code(), error_code::insufficient_funds);
  EXPECT_EQ(result.records[1].sequence, 0u);
  EXPECT_TRUE(result.records[2].outcome.ok());
  EXPECT_EQ(result.records[0].sequence, 2u);
  EXPECT_EQ(result.records[2].sequence, 3u);  // no sequence was burnt on the rejected one
  EXPECT_EQ(store->get_task("too_big").code(), error_code::not_found);
  EXPECT_EQ(store->get_idempotency("key_a", "too_big").code(), error_code::not_found);
  {
    auto view = store->snapshot();
    EXPECT_EQ(view->get_outbox("x").code(), error_code::not_found);
    EXPECT_EQ(view->counts()->entries, 3u);
    EXPECT_EQ(view->get_account("a")->available, 0);
    EXPECT_EQ(view->get_account("a")->escrowed, 100);
  }
  expect_verified();
}

TEST_F(commit_batch_test, creates_fail_when_the_key_exists_within_and_across_batches) {
  expect_ok({open_account_record("a")});
  auto result =
      commit({open_account_record("a"), open_account_record("c"), open_account_record("c")});
  EXPECT_EQ(result.records[0].outcome.code(), error_code::already_exists);
  EXPECT_TRUE(result.records[1].outcome.ok());
  EXPECT_EQ(result.records[2].outcome.code(), error_code::already_exists);
}

// The put of a created task row is what finds an id already stored: a refused record has
// written nothing, also when it created another task before the duplicate.
TEST_F(commit_batch_test, a_task_create_fails_when_the_id_exists_and_moves_no_money) {
  fund_a(1000);
  auto funding = [&](const std::string& id) {
    auto outcome = fund_new_task(*store->get_account("a"), *store->get_account("b"), id, 100, now);
    EXPECT_TRUE(outcome.has_value());
    return from_outcome(*outcome, true);
  };
  expect_ok({funding("t1")});
  auto two_creates = funding("t3");
  two_creates.task_creates.push_back(funding("t1").task_creates[0]);
  two_creates.task_creates.back().escrow = 0;
  two_creates.task_creates.back().state = task_state::open;
  auto encoded_duplicate = funding("t1");
  encode_tasks(encoded_duplicate);
  auto result =
      commit({funding("t1"), funding("t2"), funding("t2"), two_creates, encoded_duplicate});
  ASSERT_TRUE(result.outcome.ok());
  EXPECT_EQ(result.records[0].outcome.code(), error_code::already_exists);
  EXPECT_TRUE(result.records[1].outcome.ok());
  EXPECT_EQ(result.records[2].outcome.code(), error_code::already_exists);
  EXPECT_EQ(result.records[3].outcome.code(), error_code::already_exists);
  EXPECT_EQ(result.records[4].outcome.code(), error_code::already_exists);
  EXPECT_EQ(store->get_task("t3").code(), error_code::not_found);
  EXPECT_EQ(store->get_account("a")->escrowed, 200);  // t1 and t2, once each
  expect_verified();
}

TEST_F(commit_batch_test, updates_fail_when_the_row_is_missing) {
  fund_a(100);
  auto outcome = fund_new_task(*store->get_account("a"), *store->get_account("b"), "t", 10, now);
  auto submitted = submit_task(outcome->task, "done", "b", now);
  auto result = commit({from_outcome(*submitted, false)});
  EXPECT_EQ(result.records[0].outcome.code(), error_code::not_found);
  commit_record missing_account;
  missing_account.account_deltas.push_back({"nobody", balance_field::escrowed, 1});
  EXPECT_EQ(commit({missing_account}).records[0].outcome.code(), error_code::not_found);
}

TEST_F(commit_batch_test, an_entry_that_disagrees_with_the_deltas_is_refused) {
  fund_a(100);
  auto record = from_outcome(
      *fund_new_task(*store->get_account("a"), *store->get_account("b"), "t", 10, now), true);
  auto no_delta = record;
  no_delta.account_deltas.clear();
  EXPECT_EQ(commit({no_delta}).records[0].outcome.code(), error_code::internal);
  auto no_entry = record;
  no_entry.entry.reset();
  EXPECT_EQ(commit({no_entry}).records[0].outcome.code(), error_code::internal);
  auto unbalanced = record;
  unbalanced.entry->legs[0].amount -= 1;
  EXPECT_EQ(commit({unbalanced}).records[0].outcome.code(), error_code::internal);
  auto wrong_escrow = record;
  wrong_escrow.task_creates[0].escrow = 9;
  EXPECT_EQ(commit({wrong_escrow}).records[0].outcome.code(), error_code::internal);
  commit_record rich_account = open_account_record("rich");
  rich_account.account_creates[0].available = 5;
  EXPECT_EQ(commit({rich_account}).records[0].outcome.code(), error_code::internal);
  EXPECT_TRUE(commit({record}).records[0].outcome.ok());
  expect_verified();
}

TEST_F(commit_batch_test, an_overflowing_balance_is_refused) {
  fund_a(amount_max);
  commit_record record;
  record.account_deltas.push_back(
      {"a", balance_field::escrowed, std::numeric_limits<std::int64_t>::max()});
  record.account_deltas.push_back({"a", balance_field::escrowed, 1});
  EXPECT_EQ(commit({record}).records[0].outcome.code(), error_code::balance_overflow);
}

// All the money in a currency (the clearing book, which no row stores) may pass int64 while
// every account's balance fits: the ledger still verifies, summed exactly.
TEST_F(commit_batch_test, money_in_a_currency_past_int64_verifies) {
  expect_ok({open_account_record("a"), open_account_record("b")});
  constexpr std::int64_t topups_per_account = 4'700;  // 4.7 * 10^18 each, 9.4 * 10^18 in all
  for (const std::string owner : {"a", "b"}) {
    for (std::int64_t half = 0; half < 2; ++half) {  // a batch holds at most 4,096 records
      std::vector<commit_record> records;
      for (std::int64_t i = half; i < topups_per_account; i += 2)
        records.push_back(
            topup_record(new_account(owner), "top_" + owner + std::to_string(i), amount_max, now));
      expect_ok(std::move(records));
    }
  }
  EXPECT_EQ(store->get_account("b").value().available, topups_per_account * amount_max);
  expect_verified();
}

TEST_F(commit_batch_test, a_live_idempotency_key_cannot_be_stored_twice_an_expired_one_can) {
  fund_a(100);
  commit_record first;
  first.idempotency = idempotency_for("key_a", "k", now, 10);
  expect_ok({first});
  commit_record again;
  again.idempotency = idempotency_for("key_a", "k", now + 5, 10);
  EXPECT_EQ(commit({again}).records[0].outcome.code(), error_code::already_exists);
  commit_record later;
  later.idempotency = idempotency_for("key_a", "k", now + 10, 10);
  expect_ok({later});
  EXPECT_EQ(store->get_idempotency("key_a", "k")->created_at, now + 10);
  // The replaced record's expiry index key is gone: reaping at its time removes nothing.
  EXPECT_EQ(*store->reap_expired_idempotency(now + 10, 100), 0u);
  EXPECT_EQ(*store->reap_expired_idempotency(now + 20, 100), 1u);
}

TEST_F(commit_batch_test, api_keys_are_created_found_by_hash_and_revoked) {
  api_key_record key;
  key.key_id = "key_1";
  key.hash = hash_api_key_secret("sk_live_1");
  key.role = principal_role::admin;
  key.created_at = now;
  commit_record create;
  create.api_key_creates.push_back(key);
  expect_ok({create});
  EXPECT_EQ(commit({create}).records[0].outcome.code(), error_code::already_exists);
  EXPECT_EQ(store->get_api_key(hash_api_key_secret("sk_live_1"))->key_id, "key_1");
  EXPECT_EQ(store->get_api_key(hash_api_key_secret("other")).code(), error_code::not_found);
  commit_record revoke;
  revoke.api_key_revocations.push_back({"key_1", now + 1});
  expect_ok({revoke});
  auto revoked = store->snapshot()->get_api_key_by_id("key_1");
  ASSERT_TRUE(revoked.has_value());
  EXPECT_TRUE(revoked->revoked);
  EXPECT_EQ(revoked->revoked_at, now + 1);
  commit_record unknown;
  unknown.api_key_revocations.push_back({"key_2", now});
  EXPECT_EQ(commit({unknown}).records[0].outcome.code(), error_code::not_found);
}

TEST_F(commit_batch_test, a_webhook_event_is_processed_once) {
  commit_record record;
  record.webhook_events.push_back({"evt_1", now});
  auto result = commit({record, record});
  EXPECT_TRUE(result.records[0].outcome.ok());
  EXPECT_EQ(result.records[1].outcome.code(), error_code::already_exists);
  EXPECT_TRUE(*store->snapshot()->has_webhook_event("evt_1"));
  EXPECT_FALSE(*store->snapshot()->has_webhook_event("evt_2"));
}

TEST_F(commit_batch_test, a_read_only_store_refuses_writes) {
  fund_a(5);
  store.reset();  // LMDB: never open one environment twice in a process
  auto options_read_only = options();
  options_read_only.read_only = true;
  auto reader = ledger_store::open(options_read_only);
  ASSERT_TRUE(reader.has_value());
  EXPECT_EQ((*reader)->get_account("a")->available, 5);
  EXPECT_EQ((*reader)
                ->commit_batch(std::vector<commit_record>{open_account_record("z")})
                .records[0]
                .outcome.code(),
            error_code::storage_failed);
}

TEST_F(commit_batch_test, a_batch_over_the_bound_is_refused_whole) {
  std::vector<commit_record> records(batch_records_max + 1);
  auto result = store->commit_batch(records);
  EXPECT_EQ(result.outcome.code(), error_code::internal);
  EXPECT_EQ(result.records.size(), records.size());
  EXPECT_FALSE(store->failed());  // a caller bug, not a storage failure
}

TEST_F(commit_batch_test, a_corrupt_stored_row_is_an_error_never_a_crash) {
  fund_a(100);
  store.reset();
  ASSERT_TRUE(rewrite_raw_value(dir.path() / "data", "accounts", "a",
                                [](std::string_view) { return std::string("\x01\x02garbage"); }));
  store = ledger_store::open(options()).value();
  EXPECT_EQ(store->get_account("a").code(), error_code::storage_failed);
  commit_record touch;
  touch.account_deltas.push_back({"a", balance_field::escrowed, 1});
  auto result = commit({touch, open_account_record("c")});
  EXPECT_EQ(result.records[0].outcome.code(), error_code::storage_failed);
  EXPECT_TRUE(result.records[1].outcome.ok());  // the neighbour is unaffected
  auto report = verify_ledger(*store);
  ASSERT_TRUE(report.has_value());
  EXPECT_FALSE(report->ok);
}

}  // namespace
}  // namespace escrowd::storage
