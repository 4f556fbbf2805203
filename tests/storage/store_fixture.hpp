// A fixture for tests of one ledger_store in a scratch directory: reopen it, commit batches
// that must succeed, and change its raw LMDB values behind its back (closed meanwhile).
// Thread affinity: the test's thread.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "storage/ledger_store.hpp"
#include "tests/storage/raw_lmdb.hpp"
#include "tests/storage/storage_test_support.hpp"

namespace escrowd::storage::testing {

class store_fixture : public ::testing::Test {
 protected:
  explicit store_fixture(const std::string& name) : dir(name) {}

  void reopen() {
    store.reset();
    store_options options;
    options.data_dir = data_dir();
    options.map_size_bytes_initial = 1 << 20;
    store = ledger_store::open(options).value();
  }
  std::filesystem::path data_dir() const { return dir.path() / "data"; }
  // Every record of the batch must commit.
  void expect_ok(std::vector<commit_record> records) {
    auto result = store->commit_batch(records);
    ASSERT_TRUE(result.outcome.ok());
    for (const auto& record : result.records) ASSERT_TRUE(record.outcome.ok());
  }
  // Replaces one stored value behind the store's back (raw LMDB, store closed meanwhile).
  void rewrite_raw(const char* table, const std::string& key,
                   const std::function<std::string(std::string_view)>& change) {
    store.reset();
    ASSERT_TRUE(rewrite_raw_value(data_dir(), table, key, change));
    reopen();
  }
  // Deletes one stored key behind the store's back.
  void delete_raw(const char* table, const std::string& key) {
    store.reset();
    ASSERT_TRUE(delete_raw_value(data_dir(), table, key));
    reopen();
  }

  // Deletes index keys and adds others (empty values) behind the store's back, in one
  // closing: a single reopen, so equal counts stay unnoticed by the rebuild at open.
  void swap_raw_keys(const char* table, const std::vector<std::string>& deleted,
                     const std::vector<std::string>& added) {
    store.reset();
    for (const auto& key : deleted) ASSERT_TRUE(delete_raw_value(data_dir(), table, key));
    for (const auto& key : added)
      ASSERT_TRUE(rewrite_raw_value(data_dir(), table, key,
                                    [](std::string_view) { return std::string(); }));
    reopen();
  }

  // Closes the store, drops `table` as a store written before it existed lacks it, and
  // opens the store read-only (verify, backup): such an open goes on without the table.
  std::unique_ptr<ledger_store> open_read_only_without(const char* table) {
    store.reset();
    EXPECT_TRUE(in_raw_write(data_dir(), table, [](MDB_txn* txn, MDB_dbi dbi) {
      return mdb_drop(txn, dbi, 1) == MDB_SUCCESS;  // the table itself goes
    }));
    store_options read_only;
    read_only.data_dir = data_dir();
    read_only.read_only = true;
    auto reader = ledger_store::open(read_only);
    EXPECT_TRUE(reader.has_value());
    return reader ? std::move(*reader) : nullptr;
  }

  scratch_dir dir;
  std::unique_ptr<ledger_store> store;
};

}  // namespace escrowd::storage::testing
