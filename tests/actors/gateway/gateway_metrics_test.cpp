// Tests the processor metrics the gateway and the webhook path record (docs/metrics.md):
// one processor call per attempt labelled by API call and outcome, retries, coalesced
// keys, the outbox's oldest age, webhook outcomes, and the mailbox backlog estimates of
// the gateway and the directory, and the background reconciliation's runs, differences and
// repairs. Through the ledger facade, real LMDB, fake processor port.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "actors/telemetry/mailbox_backlog.hpp"
#include "tests/actors/gateway/gateway_fixture.hpp"
#include "tests/actors/telemetry/exposition_reader.hpp"

namespace escrowd::actors::testing {
namespace {

using std::chrono::milliseconds;
using telemetry::testing::label_map;
using telemetry::testing::value_of;
constexpr auto topup = processor_kind::topup;
constexpr auto withdrawal = processor_kind::withdrawal;

class gateway_metrics_test : public gateway_fixture {
 protected:
  double metric(std::string_view name, const label_map& labels = {}) {
    return value_of(ledger_->metrics_exposition(), name, labels).value_or(-1);
  }
  double calls(const std::string& call, const std::string& outcome) {
    return metric("escrowd_processor_calls_total", {{"call", call}, {"outcome", outcome}});
  }
};

TEST_F(gateway_metrics_test, every_attempt_is_one_call_labelled_by_its_outcome) {
  create_account("alice");
  port_->script("topup:top_1:charge", {retryable_reply(), retryable_reply("503 api_error")});
  request(topup, "alice", "top_1", 500, "pm_card_visa");
  wait_for(topup, "top_1", processor_status::succeeded);
  wait_idle();
  EXPECT_EQ(calls("create_payment_intent", "timeout"), 1);
  EXPECT_EQ(calls("create_payment_intent", "server_error"), 1);
  EXPECT_EQ(calls("create_payment_intent", "succeeded"), 1);
  EXPECT_EQ(metric("escrowd_processor_retries_total", {{"call", "create_payment_intent"}}), 2);
  EXPECT_EQ(
      metric("escrowd_processor_call_duration_seconds_count", {{"call", "create_payment_intent"}}),
      3);
}

TEST_F(gateway_metrics_test, declines_and_payout_polls_have_their_own_labels) {
  create_account("alice");
  port_->script("topup:top_1:charge", {declined_reply("card_declined")});
  request(topup, "alice", "top_1", 500, "pm_card_chargeDeclined");
  wait_for(topup, "top_1", processor_status::failed);
  EXPECT_EQ(calls("create_payment_intent", "declined"), 1);

  fund("alice", "top_2", 1'000);
  port_->payouts_settle_as("paid", 1);
  ASSERT_EQ(request(withdrawal, "alice", "wd_1", 300, "ba_test").status, 200);
  wait_for(withdrawal, "wd_1", processor_status::paid);
  wait_idle();
  EXPECT_EQ(calls("create_payout", "succeeded"), 1);
  EXPECT_GE(calls("retrieve_payout", "succeeded"), 1);
  EXPECT_EQ(metric("escrowd_processor_retries_total", {{"call", "create_payout"}}), 0);
}

TEST_F(gateway_metrics_test, a_lookup_of_the_processors_records_counts_as_a_list) {
  create_account("alice");
  port_->add_object(topup_object("top_1", 500));
  port_->script("topup:top_1:charge", {uncertain_reply()});
  request(topup, "alice", "top_1", 500, "pm_card_visa");
  wait_for(topup, "top_1", processor_status::succeeded);
  wait_idle();
  EXPECT_EQ(calls("create_payment_intent", "server_error"), 1);
  EXPECT_EQ(calls("search_payment_intents", "succeeded"), 1);
}

TEST_F(gateway_metrics_test, a_call_joining_an_identical_one_in_flight_is_a_coalesced_key) {
  create_account("alice");
  park(topup, "alice", "top_1", 500, "pm_card_visa");
  const auto finds_before = port_->finds();
  // Two admin cancels of the parked top-up both need the processor's records; the second
  // joins the first one's lookup instead of asking again.
  port_->hold(true);
  auto first = std::async(std::launch::async,
                          [&] { return admin(operation_admin_kind::cancel, topup, "top_1"); });
  wait_until([&] { return port_->held_count() == 1; }, "the lookup held");
  auto second = std::async(std::launch::async,
                           [&] { return admin(operation_admin_kind::cancel, topup, "top_1"); });
  wait_until([&] { return stats().calls_coalesced == 1; }, "the second lookup coalesced");
  port_->hold(false);
  port_->release();
  EXPECT_EQ(first.get().status, 200);
  EXPECT_EQ(second.get().status, 200);
  EXPECT_EQ(port_->finds(), finds_before + 1);
  EXPECT_EQ(metric("escrowd_processor_coalesced_keys_total"), 1);
}

TEST_F(gateway_metrics_test, the_outbox_oldest_age_follows_the_rows_still_owed) {
  create_account("alice");
  port_->script("topup:top_1:charge", std::vector<processor_reply>(8, retryable_reply()));
  request(topup, "alice", "top_1", 500, "pm_card_visa");
  wait_for(topup, "top_1", processor_status::requires_reconciliation);
  // The parked row stays in the outbox; a full scan pass (50 ms here) reports its age.
  std::this_thread::sleep_for(milliseconds(1'200));
  wait_until([&] { return metric("escrowd_processor_outbox_oldest_age_seconds") >= 1; },
             "the oldest age reported");
  ASSERT_EQ(admin(operation_admin_kind::cancel, topup, "top_1").status, 200);
  wait_until([&] { return metric("escrowd_processor_outbox_oldest_age_seconds") == 0; },
             "the age back to 0 once the outbox is empty");
}

TEST_F(gateway_metrics_test, webhook_outcomes_are_counted) {
  create_account("alice");
  port_->hold(true);
  request(topup, "alice", "top_1", 500, "pm_card_visa");
  wait_until([&] { return port_->held_count() == 1; }, "the send held");
  port_->hold(false);  // the send stays held; the webhook's retrieve answers
  port_->add_object(topup_object("top_1", 500));
  const auto event = event_json("evt_1", "payment_intent.succeeded", topup_object("top_1", 500));
  signed_webhook(event);
  signed_webhook(event);
  webhook(event, sign_webhook("whsec_other", unix_now(), event));
  signed_webhook(event_json("evt_2", "payment_intent.created", topup_object("top_1", 500)));
  port_->release();
  wait_idle();
  EXPECT_EQ(metric("escrowd_processor_webhooks_total", {{"outcome", "settled"}}), 1);
  EXPECT_EQ(metric("escrowd_processor_webhooks_total", {{"outcome", "duplicate"}}), 1);
  EXPECT_EQ(metric("escrowd_processor_webhooks_total", {{"outcome", "rejected"}}), 1);
  EXPECT_EQ(metric("escrowd_processor_webhooks_total", {{"outcome", "ignored"}}), 1);
}

TEST_F(gateway_metrics_test, a_flooded_directory_reports_a_backlog_and_an_idle_one_none) {
  ledger_.reset();
  auto config = fast_gateway_config(port_);
  config.directory_sweep_interval = milliseconds(20);
  open_ledger(config);
  // 20,000 creations sent without waiting: the directory's sweep timer queues behind them.
  constexpr int accounts = 20'000;
  std::atomic<int> answered{0};
  for (int i = 0; i < accounts; ++i) {
    account_command command;
    command.kind = account_command_kind::create;
    command.account_id = "acct_" + std::to_string(i);
    command.create = {command.account_id, usd(), {}};
    command.context = context_for(testing::admin());
    ledger_->submit(std::move(command), [&answered](rendered_response) { ++answered; });
  }
  double largest = 0;
  while (answered.load() < accounts) {
    largest = std::max(largest, metric("escrowd_actor_mailbox_backlog", {{"actor", "directory"}}));
    std::this_thread::sleep_for(milliseconds(2));
  }
  EXPECT_GT(largest, 0);
  std::this_thread::sleep_for(milliseconds(200));  // several sweeps with nothing queued
  EXPECT_EQ(metric("escrowd_actor_mailbox_backlog", {{"actor", "directory"}}), 0);
  EXPECT_EQ(metric("escrowd_actor_mailbox_backlog", {{"actor", "gateway"}}), 0);
}

TEST_F(gateway_metrics_test, background_reconciliation_counts_runs_differences_and_repairs) {
  create_account("alice");
  park(topup, "alice", "top_1", 500, "pm_card_visa");
  port_->add_object(topup_object("top_1", 500));
  // The GET's report-only run is not a background run: nothing counted.
  EXPECT_EQ(reconcile().status, 200);
  EXPECT_EQ(metric("escrowd_reconciliation_runs_total", {{"outcome", "completed"}}), 0);
  EXPECT_EQ(metric("escrowd_reconciliation_differences_total"), 0);

  with_background_reconciliation(milliseconds(50));
  wait_for(topup, "top_1", processor_status::succeeded);
  wait_until(
      [&] {
        return metric("escrowd_reconciliation_runs_total", {{"outcome", "completed"}}) >= 1;
      },
      "a background run counted");
  EXPECT_EQ(metric("escrowd_reconciliation_repairs_total", {{"outcome", "applied"}}), 1);
  EXPECT_EQ(metric("escrowd_reconciliation_repairs_total", {{"outcome", "refused"}}), 0);
  EXPECT_GE(metric("escrowd_reconciliation_differences_total"), 1);

  // With one kind's lists unanswered a run compares only the other: counted as incomplete,
  // not completed (a dashboard must not read it as all well).
  port_->fail_lists_of(processor_kind::withdrawal);
  wait_until(
      [&] {
        return metric("escrowd_reconciliation_runs_total", {{"outcome", "incomplete"}}) >= 1;
      },
      "an incomplete background run counted");
  port_->fail_lists_of(std::nullopt);

  // With the processor unreachable a run compares nothing: counted as failed.
  port_->fail_lists(true);
  wait_until(
      [&] {
        return metric("escrowd_reconciliation_runs_total", {{"outcome", "failed"}}) >= 1;
      },
      "a failed background run counted");
}

TEST(mailbox_backlog_estimator, a_late_timer_reads_as_the_messages_handled_meanwhile) {
  using clock = std::chrono::steady_clock;
  telemetry::mailbox_backlog_estimator estimator;
  const auto start = clock::time_point{} + std::chrono::hours(1);
  estimator.timer_armed(start, std::chrono::seconds(1));
  for (int i = 0; i < 1'000; ++i) estimator.handled();  // 1,000 messages/s over 1 s
  // Due at 1 s, handled at 1.5 s: 1,000 messages in 1.5 s, half a second of them queued.
  EXPECT_EQ(estimator.timer_fired(start + milliseconds(1'500)), 333u);
  estimator.timer_armed(start + milliseconds(1'500), std::chrono::seconds(1));
  EXPECT_EQ(estimator.timer_fired(start + milliseconds(2'500)), 0u);  // on time: nothing queued
}

}  // namespace
}  // namespace escrowd::actors::testing
