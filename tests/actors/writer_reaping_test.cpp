// The storage writer's reap tick deletes expired idempotency records and webhook events
// older than its retention, and keeps everything younger.
#include <gtest/gtest.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/send.hpp>
#include <chrono>
#include <memory>
#include <vector>

#include "actors/storage_writer.hpp"
#include "actors/wall_clock.hpp"
#include "tests/storage/storage_test_support.hpp"
#include "tests/support/eventually.hpp"

namespace escrowd::actors {
namespace {

using namespace std::chrono_literals;

using escrowd::testing::true_within;

TEST(storage_writer_reaping, reaps_expired_keys_and_webhook_events_past_their_retention) {
  storage::testing::scratch_dir dir("writer_reaping");
  storage::store_options options;
  options.data_dir = dir.path() / "data";
  auto store = storage::ledger_store::open(options).value();
  const auto now = unix_now();
  constexpr std::int64_t day = 86'400;
  std::vector<storage::commit_record> records(4);
  records[0].webhook_events.push_back({"evt_old", now - 3 * day});
  records[1].webhook_events.push_back({"evt_recent", now - day / 2});
  records[2].idempotency = storage::testing::idempotency_for("key_a", "expired", now - 100, 10);
  records[3].idempotency = storage::testing::idempotency_for("key_a", "alive", now, 3600);
  ASSERT_TRUE(store->commit_batch(records).outcome.ok());
  auto known_event = [&](const char* id) { return *store->snapshot()->has_webhook_event(id); };

  caf::actor_system_config config;
  config.set("scheduler.max-threads", 1);
  caf::actor_system system(config);
  storage_writer_settings settings;
  settings.webhook_event_retention = std::chrono::seconds(day);
  auto writer = system.spawn<caf::detached>(storage_writer, store.get(),
                                            std::make_shared<commit_queue>(), nullptr, settings);
  caf::anon_send(writer, reap_atom::value);
  EXPECT_TRUE(true_within(10s, [&] { return !known_event("evt_old"); }));
  EXPECT_TRUE(true_within(10s, [&] {
    return store->get_idempotency("key_a", "expired").code() == error_code::not_found;
  }));
  EXPECT_TRUE(known_event("evt_recent"));
  EXPECT_TRUE(store->get_idempotency("key_a", "alive").has_value());
  EXPECT_EQ(store->stats().webhook_events_reaped, 1u);
  EXPECT_EQ(store->stats().idempotency_reaped, 1u);
  caf::anon_send_exit(writer, caf::exit_reason::user_shutdown);
}

}  // namespace
}  // namespace escrowd::actors
