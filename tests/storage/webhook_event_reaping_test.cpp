// Tests of the webhook_event_times index: events reaped oldest first past a cutoff in
// bounded chunks, the index built at the first writable open of a store written without
// it, and verify noticing an event the reaper could never find.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "storage/keys.hpp"
#include "storage/ledger_store.hpp"
#include "storage/meta_codec.hpp"
#include "storage/verify.hpp"
#include "tests/storage/store_fixture.hpp"

namespace escrowd::storage {
namespace {

using namespace escrowd::storage::testing;

constexpr std::int64_t day = 86'400;
constexpr std::int64_t now = 1'700'000'000;

class webhook_event_reaping_test : public store_fixture {
 protected:
  webhook_event_reaping_test() : store_fixture("webhook_event_reaping") {}
  void SetUp() override { reopen(); }

  // `count` events evt_<first>.. processed at `processed_at`, one record each.
  void process_events(int first, int count, std::int64_t processed_at) {
    std::vector<commit_record> records(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i)
      records[std::size_t(i)].webhook_events.push_back(
          {"evt_" + std::to_string(first + i), processed_at});
    expect_ok(std::move(records));
  }
  bool known(const std::string& event_id) {
    auto found = store->snapshot()->has_webhook_event(event_id);
    EXPECT_TRUE(found.has_value());
    return found && *found;
  }
  std::size_t reap(std::int64_t processed_before, std::size_t limit) {
    auto reaped = store->reap_webhook_events(processed_before, limit);
    EXPECT_TRUE(reaped.has_value()) << "system code " << store->stats().failure_system_code;
    return reaped ? *reaped : 999'999;
  }
  std::vector<std::string> verify_problems() {
    auto report = verify_ledger(*store);
    EXPECT_TRUE(report.has_value());
    return report ? report->problems : std::vector<std::string>{"verify failed"};
  }
};

TEST_F(webhook_event_reaping_test, reaps_events_processed_before_the_cutoff_oldest_first) {
  process_events(0, 1200, now - 40 * day);
  process_events(1200, 300, now - 31 * day);
  process_events(1500, 5, now - 29 * day);
  const std::int64_t cutoff = now - 30 * day;
  EXPECT_EQ(reap(cutoff, 5000), 1000u);  // one chunk at most
  EXPECT_FALSE(known("evt_0"));
  EXPECT_TRUE(known("evt_1200"));  // a later time: not before the oldest ones
  EXPECT_EQ(reap(cutoff, 5000), 500u);
  EXPECT_EQ(reap(cutoff, 5000), 0u);
  EXPECT_FALSE(known("evt_1499"));
  for (int i = 1500; i < 1505; ++i) EXPECT_TRUE(known("evt_" + std::to_string(i)));
  EXPECT_EQ(store->stats().webhook_events_reaped, 1500u);
  EXPECT_TRUE(verify_problems().empty());
  // An event processed exactly at the cutoff is kept; one second later it goes.
  EXPECT_EQ(reap(now - 29 * day, 5000), 0u);
  EXPECT_EQ(reap(now - 29 * day + 1, 2), 2u);
  EXPECT_EQ(store->snapshot()->counts()->webhook_events, 3u);
  // A reaped id is new again: the same event may be recorded once more.
  process_events(0, 1, now);
  EXPECT_TRUE(known("evt_0"));
  EXPECT_TRUE(verify_problems().empty());
}

// A store written before the index existed (or by a binary that did not keep it) gets it
// at its first writable open; a read-only open of it (verify, backup) goes on without it.
TEST_F(webhook_event_reaping_test, a_store_without_the_index_gets_it_at_a_writable_open) {
  process_events(0, 3, now - 40 * day);
  {
    auto reader = open_read_only_without("webhook_event_times");
    ASSERT_NE(reader, nullptr);
    EXPECT_TRUE(verify_ledger(*reader)->ok);
    EXPECT_TRUE(*reader->snapshot()->has_webhook_event("evt_1"));
  }
  reopen();
  EXPECT_TRUE(verify_problems().empty());
  EXPECT_EQ(reap(now, 100), 3u);
  EXPECT_FALSE(known("evt_1"));
}

TEST_F(webhook_event_reaping_test, an_event_added_without_its_index_key_is_indexed_at_open) {
  process_events(0, 2, now - 40 * day);
  store.reset();
  // Another event row, as a binary that predates the index writes it.
  ASSERT_TRUE(rewrite_raw_value(data_dir(), "webhook_events", "evt_9", [](std::string_view) {
    std::string value;
    encode_webhook_event({"evt_9", now - 35 * day}, value);
    return value;
  }));
  reopen();
  EXPECT_TRUE(verify_problems().empty());
  EXPECT_EQ(reap(now - 30 * day, 100), 3u);
  EXPECT_FALSE(known("evt_9"));
}

TEST_F(webhook_event_reaping_test, verify_reports_an_event_the_reaper_cannot_find) {
  process_events(0, 2, now - 40 * day);
  store.reset();
  ASSERT_TRUE(delete_raw_value(data_dir(), "webhook_event_times",
                               webhook_event_time_key(now - 40 * day, "evt_1")));
  ASSERT_TRUE(rewrite_raw_value(data_dir(), "webhook_event_times",
                                webhook_event_time_key(now - 50 * day, "evt_7"),
                                [](std::string_view) { return std::string(); }));
  store_options read_only;
  read_only.data_dir = data_dir();
  read_only.read_only = true;
  auto reader = ledger_store::open(read_only);
  ASSERT_TRUE(reader.has_value());
  auto report = verify_ledger(**reader);
  ASSERT_TRUE(report.has_value());
  ASSERT_EQ(report->problems.size(), 1u);
  EXPECT_EQ(report->problems[0], "webhook event 'evt_1' processed at " +
                                     std::to_string(now - 40 * day) +
                                     " has no key in webhook_event_times");
}

// A key whose event cannot be read, or was written again at another time, is only dropped:
// failing would fail the store (and again after each restart) over a table without money.
TEST_F(webhook_event_reaping_test, a_key_of_an_unreadable_or_changed_event_is_only_dropped) {
  process_events(0, 3, now - 40 * day);
  store.reset();
  ASSERT_TRUE(rewrite_raw_value(data_dir(), "webhook_events", "evt_0", [](std::string_view stored) {
    std::string corrupt(stored);
    corrupt[corrupt.size() / 2] = char(~corrupt[corrupt.size() / 2]);
    return corrupt;
  }));
  ASSERT_TRUE(rewrite_raw_value(data_dir(), "webhook_events", "evt_1", [](std::string_view) {
    std::string value;
    encode_webhook_event({"evt_1", now - 10 * day}, value);
    return value;
  }));
  reopen();                                  // as many keys as events: the index is kept as it is
  EXPECT_EQ(reap(now - 30 * day, 100), 1u);  // evt_2
  EXPECT_FALSE(store->failed());
  EXPECT_FALSE(known("evt_2"));
  EXPECT_TRUE(known("evt_1"));
  EXPECT_EQ(store->snapshot()->counts()->webhook_events, 2u);
  process_events(5, 1, now);
}

}  // namespace
}  // namespace escrowd::storage
