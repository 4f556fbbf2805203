// Map growth ahead of need: LMDB resizes the map only while no transaction of the process
// is open, so a growth forced by MDB_MAP_FULL waits for every snapshot, a long verify's
// too, and holds every write meanwhile. The store grows a half-used map after a commit
// whenever no snapshot is open, so a full map, and that wait, stay rare.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <optional>

#include "storage/ledger_store.hpp"
#include "tests/storage/storage_test_support.hpp"

namespace escrowd::storage {
namespace {

using namespace escrowd::storage::testing;

constexpr std::uint64_t map_initial = 64 << 10;

std::unique_ptr<ledger_store> small_store(const scratch_dir& dir) {
  store_options options;
  options.data_dir = dir.path() / "data";
  options.map_size_bytes_initial = map_initial;
  options.map_size_bytes_max = 64 << 20;
  return ledger_store::open(options).value();
}

// Without the WRITEMAP flag LMDB extends data.mdb only as far as the pages it has written.
std::uint64_t data_file_bytes(const scratch_dir& dir) {
  return std::filesystem::file_size(dir.path() / "data" / "data.mdb");
}

TEST(map_growth, keeps_the_map_at_most_half_used_while_no_snapshot_is_open) {
  scratch_dir dir{"map-ahead"};
  auto store = small_store(dir);
  for (int batch = 0; store->stats().map_size_bytes < (4u << 20); ++batch) {
    ASSERT_LT(batch, 10'000) << "the map never grew";
    ASSERT_TRUE(store->commit_batch(bulky_batch(batch, 8)).outcome.ok());
    EXPECT_LE(data_file_bytes(dir), store->stats().map_size_bytes / 2) << "batch " << batch;
  }
}

TEST(map_growth, writes_go_on_while_a_long_snapshot_is_open) {
  scratch_dir dir{"map-snapshot"};
  auto store = small_store(dir);
  int batch = 0;
  for (; store->stats().map_size_bytes < (2u << 20); ++batch)
    ASSERT_TRUE(store->commit_batch(bulky_batch(batch, 8)).outcome.ok());
  // Then on until the map is 90% used or has grown again: a map grown only when full is
  // now nearly full, and the next writes would wait for a growth.
  const auto map_before = store->stats().map_size_bytes;
  for (; store->stats().map_size_bytes == map_before && data_file_bytes(dir) < map_before * 9 / 10;
       ++batch)
    ASSERT_TRUE(store->commit_batch(bulky_batch(batch, 8)).outcome.ok());
  std::optional<read_snapshot> long_read{store->snapshot().value()};
  // While a snapshot is open LMDB reuses no page a later commit frees, so each of these
  // batches takes ~50 KB of the map: 8 of them fit in the half of it left free.
  auto writes = std::async(std::launch::async, [&] {
    for (int more = 0; more < 8; ++more)
      if (!store->commit_batch(bulky_batch(batch + more, 8)).outcome.ok()) return false;
    return true;
  });
  const bool finished_during_the_read =
      writes.wait_for(std::chrono::seconds(20)) == std::future_status::ready;
  long_read.reset();  // lets a growth that waits for it go on
  EXPECT_TRUE(finished_during_the_read) << "the writes waited for the snapshot to end";
  EXPECT_TRUE(writes.get());
}

// Reads kept the growths ahead from running, so the map was left more than half used: the
// next writable open grows it before anything else (an index rebuilt at open needs room).
TEST(map_growth, a_writable_open_grows_a_map_left_more_than_half_used) {
  scratch_dir dir{"map-open"};
  auto store = small_store(dir);
  int batch = 0;
  for (; store->stats().map_size_bytes < (1u << 20); ++batch)
    ASSERT_TRUE(store->commit_batch(bulky_batch(batch, 8)).outcome.ok());
  const auto map_left = store->stats().map_size_bytes;
  {
    auto long_read = store->snapshot().value();
    for (; data_file_bytes(dir) < map_left * 6 / 10; ++batch)
      ASSERT_TRUE(store->commit_batch(bulky_batch(batch, 8)).outcome.ok());
  }
  ASSERT_EQ(store->stats().map_size_bytes, map_left);
  store.reset();
  store = small_store(dir);
  EXPECT_GE(store->stats().map_size_bytes, 2 * map_left);
  EXPECT_LE(data_file_bytes(dir), store->stats().map_size_bytes / 2);
}

}  // namespace
}  // namespace escrowd::storage
