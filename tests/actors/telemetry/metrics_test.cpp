// Tests the metrics catalogue object on its own: each recording method moves the sample it
// should, under the labels it should, in the text exposition; label sets stay bounded when
// callers misbehave (unknown routes past the cap, impossible statuses); scrape-time values
// come from the hook; cumulative storage counters advance by differences only.
#include "actors/telemetry/metrics.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "storage/read_snapshot.hpp"
#include "tests/actors/telemetry/exposition_reader.hpp"

namespace escrowd::actors::telemetry {
namespace {

using testing::families_of;
using testing::read_samples;
using testing::value_of;

currency usd() {
  return *currency::parse("usd");
}
currency eur() {
  return *currency::parse("eur");
}

TEST(metrics, http_request_counts_by_route_and_status_and_observes_latency) {
  metrics sink;
  sink.record_http_request("POST /v1/tasks", 201, 0.002);
  sink.record_http_request("POST /v1/tasks", 201, 0.004);
  sink.record_http_request("POST /v1/tasks", 409, 0.001);
  sink.record_http_request("GET /v1/tasks/{id}", 200, 0.0003);
  const auto text = sink.exposition();
  EXPECT_EQ(value_of(text, "escrowd_http_requests_total",
                     {{"route", "POST /v1/tasks"}, {"status", "201"}}),
            2);
  EXPECT_EQ(value_of(text, "escrowd_http_requests_total",
                     {{"route", "POST /v1/tasks"}, {"status", "409"}}),
            1);
  EXPECT_EQ(value_of(text, "escrowd_http_requests_total",
                     {{"route", "GET /v1/tasks/{id}"}, {"status", "200"}}),
            1);
  EXPECT_EQ(
      value_of(text, "escrowd_http_request_duration_seconds_count", {{"route", "POST /v1/tasks"}}),
      3);
  EXPECT_NEAR(
      *value_of(text, "escrowd_http_request_duration_seconds_sum", {{"route", "POST /v1/tasks"}}),
      0.007, 1e-12);
  // 0.001 falls in le=0.001, the 2 ms and 4 ms requests only from le=0.0025 / 0.005 up.
  EXPECT_EQ(value_of(text, "escrowd_http_request_duration_seconds_bucket",
                     {{"route", "POST /v1/tasks"}, {"le", "0.001"}}),
            1);
  EXPECT_EQ(value_of(text, "escrowd_http_request_duration_seconds_bucket",
                     {{"route", "POST /v1/tasks"}, {"le", "0.005"}}),
            3);
}

TEST(metrics, routes_past_the_cap_are_counted_as_other) {
  metrics sink;
  for (std::size_t i = 0; i < http_route_labels_max + 20; ++i)
    sink.record_http_request("GET /raw/path/" + std::to_string(i), 404, 0.0001);
  const auto text = sink.exposition();
  EXPECT_EQ(value_of(text, "escrowd_http_requests_total", {{"route", "other"}, {"status", "404"}}),
            20);
  std::size_t route_series = 0;
  for (const auto& found : read_samples(text))
    if (found.name == "escrowd_http_requests_total") ++route_series;
  EXPECT_EQ(route_series, http_route_labels_max + 1);
}

TEST(metrics, impossible_statuses_share_one_label) {
  metrics sink;
  sink.record_http_request("GET /healthz", 0, 0.0001);
  sink.record_http_request("GET /healthz", 1000, 0.0001);
  EXPECT_EQ(value_of(sink.exposition(), "escrowd_http_requests_total",
                     {{"route", "GET /healthz"}, {"status", "invalid"}}),
            2);
}

TEST(metrics, concurrent_recording_loses_no_increment) {
  metrics sink;
  constexpr int threads = 4;
  constexpr int per_thread = 10'000;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([&, t] {
      // Every thread races to create the same route and the same status child.
      for (int i = 0; i < per_thread; ++i)
        sink.record_http_request(t % 2 == 0 ? "POST /v1/tasks" : "GET /v1/tasks/{id}", 200, 0.001);
    });
  for (auto& worker : workers) worker.join();
  const auto text = sink.exposition();
  EXPECT_EQ(value_of(text, "escrowd_http_requests_total",
                     {{"route", "POST /v1/tasks"}, {"status", "200"}}),
            threads / 2 * per_thread);
  EXPECT_EQ(value_of(text, "escrowd_http_requests_total",
                     {{"route", "GET /v1/tasks/{id}"}, {"status", "200"}}),
            threads / 2 * per_thread);
}

TEST(metrics, idempotency_replays_and_conflicts) {
  metrics sink;
  sink.record_idempotent_replay();
  sink.record_idempotency_conflict(idempotency_conflict::in_use);
  sink.record_idempotency_conflict(idempotency_conflict::reused);
  sink.record_idempotency_conflict(idempotency_conflict::reused);
  const auto text = sink.exposition();
  EXPECT_EQ(value_of(text, "escrowd_idempotency_replays_total"), 1);
  EXPECT_EQ(value_of(text, "escrowd_idempotency_conflicts_total", {{"reason", "in_use"}}), 1);
  EXPECT_EQ(value_of(text, "escrowd_idempotency_conflicts_total", {{"reason", "reused"}}), 2);
}

TEST(metrics, task_transitions_by_from_and_to_including_unexpected_pairs) {
  metrics sink;
  // Known transitions exist at zero before anything happened.
  EXPECT_EQ(value_of(sink.exposition(), "escrowd_task_transitions_total",
                     {{"from", "submitted"}, {"to", "released"}}),
            0);
  sink.record_task_transition(std::nullopt, task_state::open);
  sink.record_task_transition(task_state::open, task_state::funded);
  sink.record_task_transition(task_state::open, task_state::funded);
  sink.record_task_transition(task_state::released, task_state::open);  // not a real one
  const auto text = sink.exposition();
  EXPECT_EQ(value_of(text, "escrowd_task_transitions_total", {{"from", "none"}, {"to", "open"}}),
            1);
  EXPECT_EQ(value_of(text, "escrowd_task_transitions_total", {{"from", "open"}, {"to", "funded"}}),
            2);
  EXPECT_EQ(
      value_of(text, "escrowd_task_transitions_total", {{"from", "released"}, {"to", "open"}}), 1);
}

TEST(metrics, money_gauges_per_currency_and_direction) {
  metrics sink;
  sink.set_money(usd(), money_gauge::escrow, 1'250);
  sink.set_money(usd(), money_gauge::to_processor, 300);
  sink.set_money(eur(), money_gauge::from_processor, 999'999'999'999'999);
  sink.set_money(usd(), money_gauge::escrow, 1'000);  // set, not added
  const auto text = sink.exposition();
  EXPECT_EQ(value_of(text, "escrowd_escrow_minor_units", {{"currency", "usd"}}), 1'000);
  EXPECT_EQ(value_of(text, "escrowd_processor_in_flight_minor_units",
                     {{"currency", "usd"}, {"direction", "to_processor"}}),
            300);
  EXPECT_EQ(value_of(text, "escrowd_processor_in_flight_minor_units",
                     {{"currency", "eur"}, {"direction", "from_processor"}}),
            999'999'999'999'999.0);
  EXPECT_EQ(value_of(text, "escrowd_escrow_minor_units", {{"currency", "eur"}}), 0);
}

TEST(metrics, storage_batches_and_scrape_time_stats) {
  metrics sink;
  sink.record_commit_batch(1, 0.0002);
  sink.record_commit_batch(37, 0.0031);
  storage::storage_stats stats;
  stats.syncs = 10;
  stats.records_applied = 40;
  stats.records_rejected = 2;
  stats.map_size_bytes = 1 << 20;
  stats.map_used_bytes = 65'536;
  stats.failed = true;
  stats.recoveries = 1;
  int hook_calls = 0;
  sink.set_scrape_hook([&] {
    ++hook_calls;
    sink.observe_storage_stats(stats);
    storage::table_counts counts;
    counts.accounts = 7;
    counts.outbox_rows = 3;
    sink.observe_table_counts(counts);
    sink.set_idempotency_keys_in_flight(5);
  });
  auto text = sink.exposition();
  EXPECT_EQ(hook_calls, 1);
  EXPECT_EQ(value_of(text, "escrowd_storage_commit_batch_records_count"), 2);
  EXPECT_EQ(value_of(text, "escrowd_storage_commit_batch_records_sum"), 38);
  EXPECT_EQ(value_of(text, "escrowd_storage_commit_batch_records_bucket", {{"le", "32"}}), 1);
  EXPECT_EQ(value_of(text, "escrowd_storage_commit_batch_records_bucket", {{"le", "64"}}), 2);
  EXPECT_EQ(value_of(text, "escrowd_storage_commit_duration_seconds_count"), 2);
  EXPECT_EQ(value_of(text, "escrowd_storage_syncs_total"), 10);
  EXPECT_EQ(value_of(text, "escrowd_storage_records_total", {{"outcome", "applied"}}), 40);
  EXPECT_EQ(value_of(text, "escrowd_storage_records_total", {{"outcome", "rejected"}}), 2);
  EXPECT_EQ(value_of(text, "escrowd_storage_map_size_bytes"), 1 << 20);
  EXPECT_EQ(value_of(text, "escrowd_storage_map_used_bytes"), 65'536);
  EXPECT_EQ(value_of(text, "escrowd_storage_failed"), 1);
  EXPECT_EQ(value_of(text, "escrowd_storage_recoveries_total"), 1);
  EXPECT_EQ(value_of(text, "escrowd_ledger_rows", {{"table", "accounts"}}), 7);
  EXPECT_EQ(value_of(text, "escrowd_processor_outbox_depth"), 3);
  EXPECT_EQ(value_of(text, "escrowd_idempotency_keys_in_flight"), 5);

  // A second scrape with grown counts adds only the difference.
  stats.syncs = 15;
  stats.failed = false;
  text = sink.exposition();
  EXPECT_EQ(value_of(text, "escrowd_storage_syncs_total"), 15);
  EXPECT_EQ(value_of(text, "escrowd_storage_failed"), 0);
}

TEST(metrics, actors_and_processor) {
  metrics sink;
  sink.set_live_actors(live_actor_kind::account, 12, 3);
  sink.set_live_actors(live_actor_kind::task, 4, 0);
  sink.count_actor_spawned(live_actor_kind::task);
  sink.count_actor_spawned(live_actor_kind::task);
  sink.set_mailbox_backlog(mailbox_owner::storage_writer, 31);
  sink.record_processor_call(processor_call::create_payment_intent,
                             processor_call_outcome::succeeded, 0.04);
  sink.record_processor_call(processor_call::create_payment_intent, processor_call_outcome::timeout,
                             80);
  sink.record_processor_retry(processor_call::create_payment_intent);
  sink.record_coalesced_key();
  sink.record_processor_contradiction();
  sink.set_outbox_oldest_age(12.5);
  sink.record_webhook(webhook_outcome::duplicate);
  sink.set_operations_awaiting_reconciliation(processor_kind::withdrawal, 2);
  sink.record_background_reconciliation(reconciliation_outcome::completed, 3, 2, 1);
  sink.record_background_reconciliation(reconciliation_outcome::incomplete, 0, 0, 0);
  sink.record_background_reconciliation(reconciliation_outcome::failed, 0, 0, 0);
  const auto text = sink.exposition();
  EXPECT_EQ(value_of(text, "escrowd_reconciliation_runs_total", {{"outcome", "completed"}}), 1);
  EXPECT_EQ(value_of(text, "escrowd_reconciliation_runs_total", {{"outcome", "incomplete"}}), 1);
  EXPECT_EQ(value_of(text, "escrowd_reconciliation_runs_total", {{"outcome", "failed"}}), 1);
  EXPECT_EQ(value_of(text, "escrowd_reconciliation_differences_total"), 3);
  EXPECT_EQ(value_of(text, "escrowd_reconciliation_repairs_total", {{"outcome", "applied"}}), 2);
  EXPECT_EQ(value_of(text, "escrowd_reconciliation_repairs_total", {{"outcome", "refused"}}), 1);
  EXPECT_EQ(value_of(text, "escrowd_actors_live", {{"kind", "account"}}), 12);
  EXPECT_EQ(value_of(text, "escrowd_actors_live", {{"kind", "task"}}), 4);
  EXPECT_EQ(value_of(text, "escrowd_actors_vacant", {{"kind", "account"}}), 3);
  EXPECT_EQ(value_of(text, "escrowd_actors_spawned_total", {{"kind", "task"}}), 2);
  EXPECT_EQ(value_of(text, "escrowd_actors_spawned_total", {{"kind", "account"}}), 0);
  EXPECT_EQ(value_of(text, "escrowd_actor_mailbox_backlog", {{"actor", "storage_writer"}}), 31);
  EXPECT_EQ(value_of(text, "escrowd_actor_mailbox_backlog", {{"actor", "gateway"}}), 0);
  EXPECT_EQ(value_of(text, "escrowd_processor_calls_total",
                     {{"call", "create_payment_intent"}, {"outcome", "succeeded"}}),
            1);
  EXPECT_EQ(value_of(text, "escrowd_processor_calls_total",
                     {{"call", "create_payment_intent"}, {"outcome", "timeout"}}),
            1);
  EXPECT_EQ(value_of(text, "escrowd_processor_call_duration_seconds_count",
                     {{"call", "create_payment_intent"}}),
            2);
  EXPECT_EQ(value_of(text, "escrowd_processor_retries_total", {{"call", "create_payment_intent"}}),
            1);
  EXPECT_EQ(value_of(text, "escrowd_processor_coalesced_keys_total"), 1);
  EXPECT_EQ(value_of(text, "escrowd_processor_contradictions_total"), 1);
  EXPECT_EQ(value_of(text, "escrowd_processor_outbox_oldest_age_seconds"), 12.5);
  EXPECT_EQ(value_of(text, "escrowd_processor_webhooks_total", {{"outcome", "duplicate"}}), 1);
  EXPECT_EQ(value_of(text, "escrowd_processor_operations_awaiting_reconciliation",
                     {{"kind", "withdrawal"}}),
            2);
}

TEST(metrics, processor_answers_map_to_outcome_labels) {
  EXPECT_EQ(processor_call_outcome_of(200, false), processor_call_outcome::succeeded);
  EXPECT_EQ(processor_call_outcome_of(402, false), processor_call_outcome::declined);
  EXPECT_EQ(processor_call_outcome_of(400, false), processor_call_outcome::rejected);
  EXPECT_EQ(processor_call_outcome_of(404, false), processor_call_outcome::rejected);
  EXPECT_EQ(processor_call_outcome_of(409, false), processor_call_outcome::conflict);
  EXPECT_EQ(processor_call_outcome_of(429, false), processor_call_outcome::rate_limited);
  EXPECT_EQ(processor_call_outcome_of(500, false), processor_call_outcome::server_error);
  EXPECT_EQ(processor_call_outcome_of(503, false), processor_call_outcome::server_error);
  EXPECT_EQ(processor_call_outcome_of(0, true), processor_call_outcome::timeout);
  EXPECT_EQ(processor_call_outcome_of(0, false), processor_call_outcome::connection_error);
}

TEST(metrics, every_family_has_help_and_type_and_a_build_info_of_one) {
  metrics sink;
  // HTTP series exist from a route's first request (routes belong to the HTTP layer), money
  // series from a currency's first use; every other family has its series from the start.
  sink.record_http_request("GET /healthz", 200, 0.0001);
  sink.set_money(usd(), money_gauge::escrow, 0);
  const auto text = sink.exposition();
  const auto families = families_of(text);
  EXPECT_EQ(families.size(), 42u);  // docs/metrics.md; dashboard_test checks the names
  for (const auto& [name, type] : families) {
    EXPECT_NE(text.find("# HELP " + name + " "), std::string::npos) << name;
    if (type == "counter") {
      EXPECT_TRUE(name.ends_with("_total")) << name;
    }
  }
  bool build_info_seen = false;
  for (const auto& found : read_samples(text))
    if (found.name == "escrowd_build_info") {
      build_info_seen = true;
      EXPECT_EQ(found.value, 1);
      EXPECT_FALSE(found.labels.at("version").empty());
    }
  EXPECT_TRUE(build_info_seen);
}

}  // namespace
}  // namespace escrowd::actors::telemetry
