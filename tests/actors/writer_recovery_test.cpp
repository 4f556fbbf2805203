// The storage writer heals the store after any failed write of its own, not only after a
// failed batch: a reap of expired idempotency records that fails on a full disk leaves the
// store failed (every write refused, /readyz 503), and with nothing else to write (a load
// balancer sends none to a server that is not ready) only the writer's recovery reopens it.
#include <gtest/gtest.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/send.hpp>
#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "actors/storage_writer.hpp"
#include "actors/wall_clock.hpp"
#include "tests/storage/small_filesystem.hpp"
#include "tests/support/eventually.hpp"

namespace escrowd::actors {
namespace {

using namespace std::chrono_literals;
using storage::testing::small_filesystem;

// Idempotency records with bulky bodies, expired already: two fill a page, so reaping them
// copies hundreds of pages.
std::vector<storage::commit_record> expired_records(int batch, int size) {
  const auto now = unix_now();
  std::vector<storage::commit_record> records(static_cast<std::size_t>(size));
  for (int i = 0; i < size; ++i) {
    auto key = "k" + std::to_string(batch) + "_" + std::to_string(i);
    auto row = storage::testing::idempotency_for("key_a", key, now - 100, 10);
    row.response_body.assign(1500, char('a' + i % 26));
    records[std::size_t(i)].idempotency = std::move(row);
  }
  return records;
}

// Writes until the filesystem refuses: nothing is left for a write that grows the store.
void use_up_the_room(const std::filesystem::path& file) {
  std::ofstream out(file, std::ios::binary);
  const std::string chunk(64 << 10, 'x');
  while (out.write(chunk.data(), std::streamsize(chunk.size())) && out.flush()) {
  }
}

using escrowd::testing::true_within;

TEST(storage_writer_recovery, a_reap_that_fails_on_a_full_disk_is_healed_once_space_is_freed) {
  small_filesystem filesystem("writer_reap", "size=8m", 0);
  if (!filesystem.mounted())
    GTEST_SKIP() << "cannot mount a tmpfs here (needs root): " << filesystem.refusal;
  auto options = filesystem.options();
  options.recovery_free_bytes_min = 1 << 20;
  auto store = storage::ledger_store::open(options).value();
  for (int batch = 0; batch < 10; ++batch)
    ASSERT_TRUE(store->commit_batch(expired_records(batch, 100)).outcome.ok());
  use_up_the_room(filesystem.filler);

  caf::actor_system_config config;
  config.set("scheduler.max-threads", 1);
  caf::actor_system system(config);
  auto writer =
      system.spawn<caf::detached>(storage_writer, store.get(), std::make_shared<commit_queue>(),
                                  nullptr, storage_writer_settings{});
  caf::anon_send(writer, reap_atom::value);
  ASSERT_TRUE(true_within(10s, [&] { return store->failed(); }))
      << "the reap found room on a full disk: the test did not provoke its failure";
  EXPECT_EQ(store->stats().failure, error_code::storage_full);

  std::filesystem::remove(filesystem.filler);
  EXPECT_TRUE(true_within(10s, [&] { return !store->failed(); }))
      << "nothing reopened the store after its reap failed";
  EXPECT_EQ(store->stats().recoveries, 1u);
  caf::anon_send_exit(writer, caf::exit_reason::user_shutdown);
}

}  // namespace
}  // namespace escrowd::actors
