// Tests of group_commit_writer: every submitted record completes exactly once with its own
// result, completions see the record durable (readable) already, batches grow under
// concurrent load (fewer syncs than records), stop() drains the queue, and the queue
// bound pushes back (try_submit -> overloaded, submit after stop -> not_ready).
#include "storage/group_commit_writer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include "storage/verify.hpp"
#include "tests/storage/storage_test_support.hpp"

namespace escrowd::storage {
namespace {

using namespace escrowd::storage::testing;

constexpr std::int64_t now = 1'700'000'000;

class group_commit_writer_test : public ::testing::Test {
 protected:
  void SetUp() override {
    store_options options;
    options.data_dir = dir.path() / "data";
    options.map_size_bytes_initial = 4 << 20;
    store = ledger_store::open(options).value();
  }
  scratch_dir dir{"group"};
  std::unique_ptr<ledger_store> store;
};

TEST_F(group_commit_writer_test, concurrent_submitters_share_syncs_and_all_complete) {
  constexpr int threads = 4;
  constexpr int per_thread = 300;
  {
    std::vector<commit_record> accounts;
    for (int t = 0; t < threads; ++t)
      accounts.push_back(open_account_record("a" + std::to_string(t)));
    ASSERT_TRUE(store->commit_batch(accounts).outcome.ok());
  }
  group_commit_writer writer(*store);
  std::atomic<int> completed{0}, durable{0}, failed{0};
  std::vector<std::thread> submitters;
  for (int t = 0; t < threads; ++t)
    submitters.emplace_back([&, t] {
      const account owner = *store->get_account("a" + std::to_string(t));
      for (int i = 0; i < per_thread; ++i) {
        const std::string id = "top_" + std::to_string(t) + "_" + std::to_string(i);
        auto status =
            writer.submit(topup_record(owner, id, 1, now), [&, id](const commit_result& r) {
              ++completed;
              if (!r.outcome) ++failed;
              // Completions run after the sync: the record is already readable.
              if (store->get_operation(processor_kind::topup, id).has_value()) ++durable;
            });
        ASSERT_TRUE(status.ok());
      }
    });
  for (auto& thread : submitters) thread.join();
  writer.stop();
  EXPECT_EQ(completed.load(), threads * per_thread);
  EXPECT_EQ(durable.load(), threads * per_thread);
  EXPECT_EQ(failed.load(), 0);
  const auto stats = writer.stats();
  EXPECT_EQ(stats.completed, std::uint64_t(threads * per_thread));
  EXPECT_LT(stats.store.syncs, std::uint64_t(threads * per_thread)) << "no batching happened";
  std::uint64_t bucketed = 0;
  for (auto count : stats.store.batch_size_counts) bucketed += count;
  EXPECT_EQ(bucketed, stats.store.batches);
  for (int t = 0; t < threads; ++t)
    EXPECT_EQ(store->get_account("a" + std::to_string(t))->available, per_thread);
  EXPECT_TRUE(verify_ledger(*store)->ok);
}

TEST_F(group_commit_writer_test, each_completion_gets_its_own_result) {
  group_commit_writer writer(*store);
  std::vector<commit_result> results(3);
  std::atomic<int> done{0};
  for (int i = 0; i < 3; ++i) {
    auto record = open_account_record(i == 2 ? "x" : "dup");
    ASSERT_TRUE(writer
                    .submit(std::move(record),
                            [&, i](const commit_result& r) {
                              results[std::size_t(i)] = r;
                              ++done;
                            })
                    .ok());
  }
  writer.stop();
  ASSERT_EQ(done.load(), 3);
  EXPECT_TRUE(results[0].outcome.ok());
  EXPECT_EQ(results[1].outcome.code(), error_code::already_exists);
  EXPECT_TRUE(results[2].outcome.ok());
  EXPECT_EQ(writer.submit(open_account_record("late"), {}).code(), error_code::not_ready);
}

TEST_F(group_commit_writer_test, a_full_queue_pushes_back) {
  group_commit_options options;
  options.queue_records_max = 1;
  group_commit_writer writer(*store, options);
  // Hold the writer inside a completion so the queue cannot drain.
  std::atomic<bool> release{false};
  std::atomic<bool> inside{false};
  ASSERT_TRUE(writer
                  .submit(open_account_record("a"),
                          [&](const commit_result&) {
                            inside = true;
                            while (!release) std::this_thread::yield();
                          })
                  .ok());
  while (!inside) std::this_thread::yield();
  ASSERT_TRUE(writer.try_submit(open_account_record("b"), {}).ok());
  EXPECT_EQ(writer.try_submit(open_account_record("c"), {}).code(), error_code::overloaded);
  release = true;
  writer.stop();
  EXPECT_TRUE(store->get_account("b").has_value());
  EXPECT_EQ(writer.stats().rejected_overloaded, 1u);
}

TEST_F(group_commit_writer_test, reads_run_alongside_writes_and_map_growth) {
  store_options growing;
  growing.data_dir = dir.path() / "growing";
  growing.map_size_bytes_initial = 64 << 10;  // forces several growths under readers
  auto grown = ledger_store::open(growing).value();
  ASSERT_TRUE(grown->commit_batch(std::vector{open_account_record("a")}).outcome.ok());
  std::atomic<bool> writing{true};
  std::atomic<int> reads{0}, bad_reads{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r)
    readers.emplace_back([&] {
      std::int64_t last = 0;
      while (writing) {
        auto row = grown->get_account("a");
        // Balances only grow in this test: a snapshot never goes backwards.
        if (!row || row->available < last) ++bad_reads;
        if (row) last = row->available;
        ++reads;
      }
    });
  {
    group_commit_writer writer(*grown);
    const account owner = *grown->get_account("a");
    for (int i = 0; i < 2000; ++i) {
      auto record = topup_record(owner, "top_" + std::to_string(i), 1, now);
      record.idempotency = idempotency_for("key_a", "k" + std::to_string(i), now);
      ASSERT_TRUE(writer.submit(std::move(record), {}).ok());
    }
  }
  writing = false;
  for (auto& thread : readers) thread.join();
  EXPECT_EQ(bad_reads.load(), 0);
  EXPECT_GT(reads.load(), 0);
  EXPECT_GT(grown->stats().map_growths, 0u);
  EXPECT_EQ(grown->get_account("a")->available, 2000);
  EXPECT_TRUE(verify_ledger(*grown)->ok);
}

TEST_F(group_commit_writer_test, a_failed_commit_fails_every_waiter_until_reload) {
  store_options tiny;
  tiny.data_dir = dir.path() / "tiny";
  tiny.map_size_bytes_initial = 64 << 10;
  tiny.map_size_bytes_max = 64 << 10;
  auto small = ledger_store::open(tiny).value();
  group_commit_writer writer(*small);
  std::mutex mutex;
  std::vector<error_code> codes;
  std::atomic<int> done{0};
  for (int i = 0; i < 400; ++i) {
    commit_record record;
    record.idempotency = idempotency_for("key_a", "k" + std::to_string(i), now);
    record.idempotency->response_body.assign(2000, 'x');
    ASSERT_TRUE(writer
                    .submit(std::move(record),
                            [&](const commit_result& result) {
                              std::lock_guard lock(mutex);
                              codes.push_back(result.outcome.code());
                              ++done;
                            })
                    .ok());
  }
  while (done < 400) std::this_thread::yield();
  // Once one batch failed, every later record failed too: no write slipped through.
  const auto first_failure = std::find(codes.begin(), codes.end(), error_code::storage_full);
  ASSERT_NE(first_failure, codes.end());
  EXPECT_TRUE(std::all_of(first_failure, codes.end(),
                          [](error_code code) { return code == error_code::storage_full; }));
  EXPECT_TRUE(small->failed());
  tiny.map_size_bytes_max = 64 << 20;
  ASSERT_TRUE(small->reload(tiny).ok());
  std::atomic<bool> resumed{false};
  ASSERT_TRUE(writer
                  .submit(open_account_record("after"),
                          [&](const commit_result& result) { resumed = result.outcome.ok(); })
                  .ok());
  writer.stop();
  EXPECT_TRUE(resumed);
}

}  // namespace
}  // namespace escrowd::storage
