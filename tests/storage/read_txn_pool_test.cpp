// Tests the pool of ended read transactions (storage/read_txn_pool.hpp): reuse, a renewed
// transaction sees commits made while it was kept, the bound, moving between threads,
// and draining before a map resize; and that the store's snapshots go through it.
#include "storage/read_txn_pool.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <thread>

#include "storage/ledger_store.hpp"
#include "storage_test_support.hpp"

namespace escrowd::storage {
namespace {

using namespace escrowd::storage::testing;

class read_txn_pool_test : public ::testing::Test {
 protected:
  void SetUp() override {
    MDB_env* raw = nullptr;
    ASSERT_EQ(mdb_env_create(&raw), MDB_SUCCESS);
    env.reset(raw);
    ASSERT_EQ(mdb_env_set_maxdbs(raw, 2), MDB_SUCCESS);
    ASSERT_EQ(mdb_env_open(raw, dir.path().c_str(), MDB_NOTLS, 0640), MDB_SUCCESS);
  }
  void put(const std::string& key, const std::string& value) {
    lmdb_txn write;
    ASSERT_EQ(write.begin(env.get(), 0), MDB_SUCCESS);
    MDB_dbi dbi = 0;
    ASSERT_EQ(mdb_dbi_open(write.get(), nullptr, 0, &dbi), MDB_SUCCESS);
    ASSERT_EQ(lmdb_put(write.get(), dbi, key, value), MDB_SUCCESS);
    ASSERT_EQ(write.commit(), MDB_SUCCESS);
  }
  // Reader slots held by this process (mdb_reader_list prints a header, then one per slot).
  int reader_slots_held() const {
    int lines = 0;
    mdb_reader_list(
        env.get(),
        [](const char* line, void* count) {
          if (std::string_view(line).find("pid") == std::string_view::npos &&
              std::string_view(line).find("no active readers") == std::string_view::npos)
            ++*static_cast<int*>(count);
          return 0;
        },
        &lines);
    return lines;
  }
  static std::string get(const lmdb_txn& txn, const std::string& key) {
    MDB_dbi dbi = 0;
    if (mdb_dbi_open(txn.get(), nullptr, 0, &dbi) != MDB_SUCCESS) return "<no table>";
    std::string_view value;
    if (lmdb_get(txn.get(), dbi, key, value) != MDB_SUCCESS) return "<absent>";
    return std::string(value);
  }

  scratch_dir dir{"read-txn-pool"};
  lmdb_env_handle env;
};

TEST_F(read_txn_pool_test, an_ended_transaction_is_kept_and_renewed_with_the_latest_commit) {
  read_txn_pool pool(4);
  put("k", "first");
  lmdb_txn txn;
  ASSERT_EQ(pool.take(env.get(), txn), MDB_SUCCESS);
  const MDB_txn* original = txn.get();
  EXPECT_EQ(get(txn, "k"), "first");
  pool.give_back(txn);
  EXPECT_FALSE(txn.active());
  EXPECT_EQ(pool.kept(), 1u);

  put("k", "second");  // committed while the transaction was kept
  ASSERT_EQ(pool.take(env.get(), txn), MDB_SUCCESS);
  EXPECT_EQ(txn.get(), original);
  EXPECT_EQ(pool.kept(), 0u);
  EXPECT_EQ(get(txn, "k"), "second");
  pool.give_back(txn);
}

TEST_F(read_txn_pool_test, keeps_no_more_than_its_capacity) {
  read_txn_pool pool(2);
  lmdb_txn a, b, c;
  ASSERT_EQ(pool.take(env.get(), a), MDB_SUCCESS);
  ASSERT_EQ(pool.take(env.get(), b), MDB_SUCCESS);
  ASSERT_EQ(pool.take(env.get(), c), MDB_SUCCESS);
  pool.give_back(a);
  pool.give_back(b);
  pool.give_back(c);  // aborted
  EXPECT_EQ(pool.kept(), 2u);
  EXPECT_EQ(reader_slots_held(), 2) << "the aborted transaction freed its reader slot";
}

TEST_F(read_txn_pool_test, a_transaction_ended_on_one_thread_is_renewed_on_another) {
  read_txn_pool pool(4);
  put("k", "v");
  std::thread([&] {
    lmdb_txn txn;
    ASSERT_EQ(pool.take(env.get(), txn), MDB_SUCCESS);
    pool.give_back(txn);
  }).join();
  ASSERT_EQ(pool.kept(), 1u);
  std::thread([&] {
    lmdb_txn txn;
    ASSERT_EQ(pool.take(env.get(), txn), MDB_SUCCESS);
    EXPECT_EQ(get(txn, "k"), "v");
    pool.give_back(txn);
  }).join();
  EXPECT_EQ(pool.kept(), 1u);
}

TEST_F(read_txn_pool_test, drained_it_lets_the_map_be_resized) {
  read_txn_pool pool(4);
  lmdb_txn txn;
  ASSERT_EQ(pool.take(env.get(), txn), MDB_SUCCESS);
  pool.give_back(txn);
  EXPECT_EQ(reader_slots_held(), 1);
  pool.drain();
  EXPECT_EQ(pool.kept(), 0u);
  EXPECT_EQ(reader_slots_held(), 0);
  MDB_envinfo info{};
  ASSERT_EQ(mdb_env_info(env.get(), &info), MDB_SUCCESS);
  EXPECT_EQ(mdb_env_set_mapsize(env.get(), info.me_mapsize * 2), MDB_SUCCESS);
  ASSERT_EQ(pool.take(env.get(), txn), MDB_SUCCESS);
  EXPECT_EQ(get(txn, "k"), "<absent>");
  pool.give_back(txn);
}

TEST(ledger_store_snapshots, reuse_their_transactions_and_still_see_every_commit) {
  scratch_dir dir{"snapshot-reuse"};
  store_options options;
  options.data_dir = dir.path() / "data";
  options.map_size_bytes_initial = 64 << 10;  // small: the commits below grow the map
  auto store = ledger_store::open(options).value();
  for (int i = 0; i < 200; ++i) {
    const std::string id = "acct_" + std::to_string(i);
    {
      auto before = store->snapshot().value();
      EXPECT_FALSE(before.get_account(id).has_value());
    }
    ASSERT_TRUE(store->commit_batch(std::vector{open_account_record(id)}).outcome.ok());
    auto after = store->snapshot().value();
    EXPECT_TRUE(after.get_account(id).has_value()) << id;
  }
  EXPECT_GT(store->stats().map_growths, 0u);
  ASSERT_TRUE(store->reload().ok());
  auto reopened = store->snapshot().value();
  EXPECT_TRUE(reopened.get_account("acct_199").has_value());
}

}  // namespace
}  // namespace escrowd::storage
