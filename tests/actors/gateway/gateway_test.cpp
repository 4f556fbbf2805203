// Tests the gateway through the ledger facade on a real LMDB store with a fake processor
// port: top-ups and withdrawals settled from the processor's answers, retries with the
// same key and a durable backoff, the bound after which an operation is parked (never
// failed on a guess), a decline never retried, uncertain answers resolved from the
// processor's records (a failure saved under the key with no record fails the operation), payout
// polling, the concurrency bound, one call per key in flight, restarts re-driving the outbox with
// the original key and bytes (webhooks: gateway_webhook_test), admin retry and cancel,
// reconciliation's GET reporting without changing anything, and the background reconciliation
// repairing what the processor settled, one run at a time.
#include <gtest/gtest.h>

#include <thread>

#include "tests/actors/gateway/gateway_fixture.hpp"

namespace escrowd::actors::testing {
namespace {

using std::chrono::milliseconds;
using gateway_test = gateway_fixture;
constexpr auto topup = processor_kind::topup;
constexpr auto withdrawal = processor_kind::withdrawal;

TEST_F(gateway_test, top_up_is_charged_once_and_credited) {
  ASSERT_EQ(create_account("alice").status, 200);
  ASSERT_EQ(request(topup, "alice", "top_1", 500, "pm_card_visa").status, 200);
  const auto settled = wait_for(topup, "top_1", processor_status::succeeded);
  EXPECT_EQ(settled.processor_object_id, "pi_top_1");
  EXPECT_EQ(read_account("alice").available, 500);
  EXPECT_EQ(read_account("alice").pending_topup, 0);
  wait_idle();
  EXPECT_EQ(port_->sends("topup:top_1:charge"), 1u);
  EXPECT_FALSE(outbox_row_after_close("topup:top_1:charge").has_value());
}

TEST_F(gateway_test, a_decline_fails_the_top_up_and_is_never_retried) {
  create_account("alice");
  port_->script("topup:top_1:charge", {declined_reply("insufficient_funds")});
  request(topup, "alice", "top_1", 500, "pm_card_chargeDeclined");
  const auto failed = wait_for(topup, "top_1", processor_status::failed);
  EXPECT_EQ(failed.failure_code, "insufficient_funds");
  wait_idle();
  EXPECT_EQ(port_->sends("topup:top_1:charge"), 1u);
  EXPECT_EQ(read_account("alice").available, 0);
  EXPECT_EQ(read_account("alice").pending_topup, 0);
}

TEST_F(gateway_test, retryable_failures_are_retried_with_the_same_key_and_bytes) {
  create_account("alice");
  port_->script("topup:top_1:charge", {retryable_reply(), retryable_reply("503 api_error")});
  request(topup, "alice", "top_1", 500, "pm_card_visa");
  wait_for(topup, "top_1", processor_status::succeeded);
  wait_idle();
  EXPECT_EQ(port_->sends("topup:top_1:charge"), 3u);
  const auto payloads = port_->payloads("topup:top_1:charge");
  ASSERT_EQ(payloads.size(), 3u);
  EXPECT_EQ(payloads[0], payloads[1]);
  EXPECT_EQ(payloads[1], payloads[2]);
  EXPECT_EQ(stats().retries_scheduled, 2u);
  EXPECT_EQ(read_account("alice").available, 500);
}

TEST_F(gateway_test, after_the_attempt_bound_the_operation_is_parked_not_failed) {
  create_account("alice");
  park(topup, "alice", "top_1", 500, "pm_card_visa");
  // attempts_max is 4: four sends, then one look at the processor's records.
  EXPECT_EQ(port_->sends("topup:top_1:charge"), 4u);
  EXPECT_EQ(port_->finds(), 1u);
  const auto parked = read(topup, "top_1");
  ASSERT_TRUE(parked.has_value());
  EXPECT_NE(parked->failure_message.find("gave up after 4 attempts"), std::string::npos);
  EXPECT_EQ(read_account("alice").pending_topup, 500);  // unknown, so still pending
  const auto row = outbox_row_after_close("topup:top_1:charge");
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(row->state, storage::outbox_state::parked);
  EXPECT_EQ(row->attempts, 4u);
}

TEST_F(gateway_test, an_uncertain_answer_is_settled_from_the_processors_records) {
  create_account("alice");
  // A replayed 500 after the charge happened: the records show it succeeded.
  port_->script("topup:top_1:charge", {uncertain_reply()});
  port_->add_object(topup_object("top_1", 500));
  request(topup, "alice", "top_1", 500, "pm_card_visa");
  wait_for(topup, "top_1", processor_status::succeeded);
  wait_idle();
  EXPECT_EQ(port_->sends("topup:top_1:charge"), 1u);
  EXPECT_EQ(port_->finds(), 1u);
  EXPECT_EQ(read_account("alice").available, 500);
}

// Uncertain without a failure saved under the key: the same key is sent again, and the
// processor (which saved nothing) runs it now. Never a new key.
TEST_F(gateway_test, an_uncertain_answer_with_nothing_at_the_processor_is_sent_again) {
  create_account("alice");
  port_->script("topup:top_1:charge", {uncertain_reply()});
  request(topup, "alice", "top_1", 500, "pm_card_visa");
  wait_for(topup, "top_1", processor_status::succeeded);
  wait_idle();
  EXPECT_EQ(port_->sends("topup:top_1:charge"), 2u);
  EXPECT_EQ(port_->finds(), 1u);
  EXPECT_EQ(read_account("alice").available, 500);
}

// An answer that stays uncertain (an unreadable success, replayed) with nothing in the
// records may hide an effect: parked after the attempt bound, never failed.
TEST_F(gateway_test, an_answer_that_stays_uncertain_is_parked) {
  create_account("alice");
  port_->script("topup:top_1:charge", std::vector<processor_reply>(8, uncertain_reply()));
  request(topup, "alice", "top_1", 500, "pm_card_visa");
  const auto parked = wait_for(topup, "top_1", processor_status::requires_reconciliation);
  EXPECT_NE(parked.failure_message.find("no record"), std::string::npos);
  wait_idle();
  EXPECT_EQ(port_->sends("topup:top_1:charge"), 4u);  // attempts_max
  EXPECT_EQ(read_account("alice").pending_topup, 500);
}

// The audit's case: the processor failed before any effect and saved the 500 under the key.
// The key replays that 500 for good, and its records show nothing: the operation failed,
// and nothing stays held.
TEST_F(gateway_test, a_saved_failure_with_nothing_at_the_processor_fails_the_top_up) {
  create_account("alice");
  port_->script("topup:top_1:charge", std::vector<processor_reply>(8, saved_failure_reply()));
  request(topup, "alice", "top_1", 500, "pm_card_visa");
  const auto failed = wait_for(topup, "top_1", processor_status::failed);
  EXPECT_EQ(failed.failure_code, "processor_error");
  wait_idle();
  // One send and one lookup per round, absence_lookups rounds, all with the one key.
  EXPECT_EQ(port_->sends("topup:top_1:charge"), std::size_t{absence_lookups_default});
  EXPECT_EQ(port_->finds(), std::size_t{absence_lookups_default});
  EXPECT_EQ(read_account("alice").pending_topup, 0);
  EXPECT_EQ(read_account("alice").available, 0);
  EXPECT_FALSE(outbox_row_after_close("topup:top_1:charge").has_value());
}

TEST_F(gateway_test, a_saved_failure_with_nothing_at_the_processor_returns_the_withdrawals_hold) {
  create_account("alice");
  fund("alice", "top_1", 1'000);
  port_->script("withdrawal:wd_1:payout", std::vector<processor_reply>(8, saved_failure_reply()));
  request(withdrawal, "alice", "wd_1", 400, "ba_default");
  wait_for(withdrawal, "wd_1", processor_status::failed);
  EXPECT_EQ(read_account("alice").available, 1'000);
  EXPECT_EQ(read_account("alice").pending_withdrawal, 0);
}

// The first lookup shows nothing yet, the second finds the charge (a list that lagged):
// it settles from the record, never fails.
TEST_F(gateway_test, a_saved_failure_settles_from_a_record_that_shows_up_late) {
  create_account("alice");
  port_->script("topup:top_1:charge", std::vector<processor_reply>(8, saved_failure_reply()));
  port_->on_find_number(2, topup_object("top_1", 500));
  request(topup, "alice", "top_1", 500, "pm_card_visa");
  wait_for(topup, "top_1", processor_status::succeeded);
  EXPECT_EQ(read_account("alice").available, 500);
  EXPECT_EQ(port_->finds(), 2u);
}

TEST_F(gateway_test, a_pending_payout_is_polled_until_paid) {
  create_account("alice");
  fund("alice", "top_1", 1'000);
  port_->payouts_settle_as("paid", 2);
  ASSERT_EQ(request(withdrawal, "alice", "wd_1", 400, "ba_default").status, 200);
  EXPECT_EQ(read_account("alice").pending_withdrawal, 400);
  wait_for(withdrawal, "wd_1", processor_status::paid);
  wait_idle();
  EXPECT_GE(stats().polls, 3u);
  EXPECT_EQ(port_->sends("withdrawal:wd_1:payout"), 1u);
  EXPECT_EQ(read_account("alice").available, 600);
  EXPECT_EQ(read_account("alice").pending_withdrawal, 0);
}

TEST_F(gateway_test, a_failed_payout_returns_the_hold) {
  create_account("alice");
  fund("alice", "top_1", 1'000);
  port_->payouts_settle_as("failed");
  request(withdrawal, "alice", "wd_1", 400, "ba_fail");
  const auto failed = wait_for(withdrawal, "wd_1", processor_status::failed);
  EXPECT_EQ(failed.failure_code, "payout_failed");
  EXPECT_EQ(read_account("alice").available, 1'000);
  EXPECT_EQ(read_account("alice").pending_withdrawal, 0);
}

TEST_F(gateway_test, calls_in_flight_stay_within_the_bound) {
  ledger_.reset();
  auto config = fast_gateway_config(port_);
  config.gateway.calls_in_flight_max = 2;
  open_ledger(config);
  create_account("alice");
  port_->hold(true);
  for (int i = 0; i < 5; ++i)
    request(topup, "alice", "top_" + std::to_string(i), 100, "pm_card_visa");
  wait_until([&] { return port_->held_count() == 2; }, "two calls held");
  // Several scans later the other three are still waiting for a slot.
  std::this_thread::sleep_for(milliseconds(200));
  EXPECT_EQ(port_->held_count(), 2u);
  EXPECT_EQ(stats().calls_queued, 3u);
  port_->hold(false);
  port_->release();
  for (int i = 0; i < 5; ++i)
    wait_for(topup, "top_" + std::to_string(i), processor_status::succeeded);
  EXPECT_EQ(port_->max_in_flight(), 2u);
  EXPECT_EQ(read_account("alice").available, 500);
}

TEST_F(gateway_test, a_key_in_flight_is_never_sent_twice) {
  create_account("alice");
  port_->hold(true);
  request(topup, "alice", "top_1", 500, "pm_card_visa");
  wait_until([&] { return port_->held_count() == 1; }, "the send held");
  // Scans every 50 ms find the row due; none may send it again while it is in flight.
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_EQ(port_->sends("topup:top_1:charge"), 1u);
  port_->hold(false);
  port_->release();
  wait_for(topup, "top_1", processor_status::succeeded);
  EXPECT_EQ(port_->sends("topup:top_1:charge"), 1u);
}

TEST_F(gateway_test, reconciliations_asked_together_share_one_run) {
  create_account("alice");
  fund("alice", "top_1", 500);
  wait_idle();
  port_->hold(true);
  std::promise<rendered_response> first;
  std::promise<rendered_response> second;
  ledger_->reconcile([&first](rendered_response response) { first.set_value(response); });
  wait_until([&] { return port_->held_count() == 1; }, "first list page held");
  ledger_->reconcile([&second](rendered_response response) { second.set_value(response); });
  auto first_answer = first.get_future();
  auto second_answer = second.get_future();
  while (first_answer.wait_for(milliseconds(5)) != std::future_status::ready) port_->release();
  EXPECT_EQ(port_->lists(), 2u);  // one page of payment intents, one of payouts: one run
  const auto report = first_answer.get();
  EXPECT_EQ(report.body, second_answer.get().body);
  EXPECT_NE(report.body.find(R"("ok":true)"), std::string::npos) << report.body;
}

TEST_F(gateway_test, a_restart_drives_the_outbox_again_with_the_same_key_and_bytes) {
  create_account("alice");
  port_->hold(true);
  request(topup, "alice", "top_1", 500, "pm_card_visa");
  wait_until([&] { return port_->held_count() == 1; }, "the send held");
  ledger_.reset();  // the answer never arrives: the process "died" with the call in flight

  auto after_restart = std::make_shared<fake_processor_port>();
  open_ledger(fast_gateway_config(after_restart));
  wait_for(topup, "top_1", processor_status::succeeded);
  EXPECT_EQ(after_restart->sends("topup:top_1:charge"), 1u);
  EXPECT_EQ(after_restart->payloads("topup:top_1:charge"), port_->payloads("topup:top_1:charge"));
  EXPECT_EQ(read_account("alice").available, 500);
}

TEST_F(gateway_test, the_backoff_is_stored_in_the_outbox_row_and_survives_a_restart) {
  ledger_.reset();
  auto slow = fast_gateway_config(port_);
  slow.gateway.retry_delay_floor = milliseconds(1'500);
  slow.gateway.retry_delay_base = milliseconds(1'500);
  slow.gateway.retry_delay_cap = milliseconds(1'500);
  open_ledger(slow);
  create_account("alice");
  port_->script("topup:top_1:charge", {retryable_reply()});
  const auto before = unix_now();
  request(topup, "alice", "top_1", 500, "pm_card_visa");
  wait_until([&] { return stats().schedules_stored == 1; }, "the retry schedule stored");
  const auto row = outbox_row_after_close("topup:top_1:charge");
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(row->attempts, 1u);
  EXPECT_EQ(row->state, storage::outbox_state::pending);
  EXPECT_GE(row->next_attempt_at, before + 2);  // 1.5 s, rounded up to whole seconds

  auto after_restart = std::make_shared<fake_processor_port>();
  open_ledger(fast_gateway_config(after_restart));
  wait_for(topup, "top_1", processor_status::succeeded);
  EXPECT_EQ(after_restart->sends("topup:top_1:charge"), 1u);
}

TEST_F(gateway_test, cancel_is_refused_when_the_processor_charged_and_the_get_only_reports) {
  create_account("alice");
  park(topup, "alice", "top_1", 500, "pm_card_visa");
  // The charge shows up at the processor after the gateway gave up.
  port_->add_object(topup_object("top_1", 500));
  const auto refused = admin(operation_admin_kind::cancel, topup, "top_1");
  EXPECT_EQ(refused.body, "error processor_state_uncertain");
  EXPECT_EQ(read(topup, "top_1")->status, processor_status::requires_reconciliation);

  const auto report = reconcile();
  EXPECT_EQ(report.status, 200);
  EXPECT_NE(report.body.find(R"("difference":"settled_at_processor")"), std::string::npos)
      << report.body;
  EXPECT_NE(report.body.find(R"("repair":"succeeded","outcome":"repair_pending")"),
            std::string::npos)
      << report.body;
  EXPECT_NE(report.body.find(R"("ok":false)"), std::string::npos);
  EXPECT_NE(report.body.find(R"("repaired":0)"), std::string::npos);
  // A GET is safe: the operation and the money are where they were, and a second GET
  // reports the same.
  EXPECT_EQ(read(topup, "top_1")->status, processor_status::requires_reconciliation);
  EXPECT_EQ(read_account("alice").available, 0);
  EXPECT_EQ(read_account("alice").pending_topup, 500);
  EXPECT_EQ(reconcile().body, report.body);
  EXPECT_EQ(stats().reconciliation_repairs_applied, 0u);
}

// processor-notes.md 2.7: the webhook of the flip may be lost; the GET must still not act.
TEST_F(gateway_test, a_get_reports_a_payout_that_failed_after_paid_and_leaves_it_paid) {
  create_account("alice");
  fund("alice", "top_1", 1'000);
  request(withdrawal, "alice", "wd_1", 400, "ba_default");
  wait_for(withdrawal, "wd_1", processor_status::paid);
  wait_idle();
  port_->add_object(payout_object("wd_1", 400, "failed"));
  const auto entries_before = ledger_->verify()->entries_checked;

  const auto report = reconcile();
  EXPECT_EQ(report.status, 200);
  EXPECT_NE(report.body.find(R"("difference":"status_mismatch")"), std::string::npos)
      << report.body;
  EXPECT_NE(report.body.find(R"("repair":"failed","outcome":"repair_pending")"), std::string::npos)
      << report.body;
  EXPECT_EQ(read(withdrawal, "wd_1")->status, processor_status::paid);
  EXPECT_EQ(read_account("alice").available, 600);
  EXPECT_EQ(read_account("alice").pending_withdrawal, 0);
  EXPECT_EQ(ledger_->verify()->entries_checked, entries_before);  // no journal entry written
}

TEST_F(gateway_test, background_reconciliation_reverses_a_payout_that_failed_after_paid) {
  with_background_reconciliation(milliseconds(50));
  create_account("alice");
  fund("alice", "top_1", 1'000);
  request(withdrawal, "alice", "wd_1", 400, "ba_default");
  wait_for(withdrawal, "wd_1", processor_status::paid);
  EXPECT_EQ(read_account("alice").available, 600);
  // A run may have settled the top-up or the payout before the gateway's own answer did:
  // count the repairs from when everything is settled and no run is halfway.
  wait_idle();
  wait_until(
      [&] {
        const auto now = stats();
        return now.background_reconciliations_started == now.background_reconciliations_finished;
      },
      "no background run in progress");
  const auto repairs_before = stats().reconciliation_repairs_applied;
  // The payout fails after paid and its webhook never comes; no one asks for a report.
  port_->add_object(payout_object("wd_1", 400, "failed"));
  const auto reversed = wait_for(withdrawal, "wd_1", processor_status::failed);
  EXPECT_EQ(reversed.failure_code, "payout_failed");
  EXPECT_EQ(read_account("alice").available, 1'000);
  EXPECT_EQ(read_account("alice").pending_withdrawal, 0);
  // The gateway counts the repair when the account actor's answer reaches it, just after
  // the commit the read above saw.
  wait_until([&] { return stats().reconciliation_repairs_applied == repairs_before + 1; },
             "the repair counted");
  const auto now = stats();
  EXPECT_EQ(now.report_reconciliations_started, 0u);
  EXPECT_TRUE(ledger_->verify()->ok);
  // Repaired once: the runs after it find nothing left to do.
  wait_until(
      [&] {
        return stats().background_reconciliations_finished >=
               now.background_reconciliations_started + 1;
      },
      "a later background run");
  EXPECT_EQ(stats().reconciliation_repairs_applied, repairs_before + 1);
  EXPECT_NE(reconcile().body.find(R"("differences_total":0)"), std::string::npos);
}

TEST_F(gateway_test, background_reconciliation_settles_an_open_operation_final_at_the_processor) {
  with_background_reconciliation(milliseconds(50));
  create_account("alice");
  park(topup, "alice", "top_1", 500, "pm_card_visa");
  EXPECT_EQ(read_account("alice").pending_topup, 500);
  port_->add_object(topup_object("top_1", 500));
  wait_for(topup, "top_1", processor_status::succeeded);
  EXPECT_EQ(read_account("alice").available, 500);
  EXPECT_EQ(read_account("alice").pending_topup, 0);
  wait_until([&] { return stats().reconciliation_repairs_applied == 1; }, "the repair counted");
  EXPECT_EQ(stats().report_reconciliations_started, 0u);
}

TEST_F(gateway_test, background_runs_never_overlap_and_a_get_waits_for_one_to_end) {
  with_background_reconciliation(milliseconds(20));
  create_account("alice");
  fund("alice", "top_1", 500);
  wait_idle();
  port_->hold(true);
  wait_until([&] { return port_->held_count() == 1; }, "a background run's first page held");
  const auto lists_held = port_->lists();
  const auto coalesced = stats().calls_coalesced;
  // Ten intervals pass while that run waits for its page: no second run may start.
  std::this_thread::sleep_for(milliseconds(200));
  std::promise<rendered_response> asked;
  ledger_->reconcile([&asked](rendered_response response) { asked.set_value(response); });
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_EQ(port_->held_count(), 1u);
  EXPECT_EQ(port_->lists(), lists_held);
  EXPECT_EQ(stats().calls_coalesced, coalesced);  // the GET did not join the repairing run
  const auto during = stats();
  EXPECT_EQ(during.background_reconciliations_started,
            during.background_reconciliations_finished + 1);
  EXPECT_EQ(during.report_reconciliations_started, 0u);
  auto answer = asked.get_future();
  while (answer.wait_for(milliseconds(5)) != std::future_status::ready) port_->release();
  const auto report = answer.get();
  EXPECT_NE(report.body.find(R"("ok":true)"), std::string::npos) << report.body;
  EXPECT_EQ(stats().report_reconciliations_started, 1u);
  port_->hold(false);
  port_->release();
  // Runs go on after the hold, still one at a time.
  const auto after = stats().background_reconciliations_finished;
  wait_until([&] { return stats().background_reconciliations_finished >= after + 2; },
             "two more background runs");
  const auto later = stats();
  EXPECT_LE(later.background_reconciliations_started,
            later.background_reconciliations_finished + 1);
}

// With nothing listed there is nothing to compare with: a report would read as all clear.
TEST_F(gateway_test, reconciliation_with_an_unreachable_processor_is_502) {
  create_account("alice");
  park(topup, "alice", "top_1", 500, "pm_card_visa");
  port_->fail_lists(true);
  const auto unreachable = reconcile();
  EXPECT_EQ(unreachable.status, 502) << unreachable.body;
  port_->fail_lists(false);
  EXPECT_EQ(reconcile().status, 200);
}

TEST_F(gateway_test, cancel_of_an_untouched_withdrawal_returns_the_hold) {
  create_account("alice");
  fund("alice", "top_1", 1'000);
  park(withdrawal, "alice", "wd_1", 400, "ba_default");
  EXPECT_EQ(read_account("alice").available, 600);
  EXPECT_EQ(admin(operation_admin_kind::cancel, withdrawal, "wd_1").body,
            "ok changed operation wd_1 cancelled");
  EXPECT_EQ(admin(operation_admin_kind::cancel, withdrawal, "wd_1").body,
            "ok unchanged operation wd_1 cancelled");
  EXPECT_EQ(read_account("alice").available, 1'000);
  EXPECT_EQ(read_account("alice").pending_withdrawal, 0);
  EXPECT_FALSE(outbox_row_after_close("withdrawal:wd_1:payout").has_value());
}

TEST_F(gateway_test, cancel_of_a_pending_operation_is_an_invalid_transition) {
  create_account("alice");
  port_->hold(true);
  request(topup, "alice", "top_1", 500, "pm_card_visa");
  EXPECT_EQ(admin(operation_admin_kind::cancel, topup, "top_1").body,
            "error invalid_state_transition");
  EXPECT_EQ(admin(operation_admin_kind::cancel, topup, "nope").body, "error not_found");
}

TEST_F(gateway_test, admin_retry_drives_a_parked_operation_again_with_its_key) {
  create_account("alice");
  park(topup, "alice", "top_1", 500, "pm_card_visa");
  EXPECT_EQ(admin(operation_admin_kind::retry, topup, "top_1").body,
            "ok changed operation top_1 pending");
  // The script still holds 4 retryable answers: the retry spends them, parks again, and
  // a second retry finally charges.
  wait_for(topup, "top_1", processor_status::requires_reconciliation);
  wait_idle();
  EXPECT_EQ(admin(operation_admin_kind::retry, topup, "top_1").status, 200);
  wait_for(topup, "top_1", processor_status::succeeded);
  EXPECT_EQ(port_->sends("topup:top_1:charge"), 9u);
  EXPECT_EQ(read_account("alice").available, 500);
}

TEST_F(gateway_test, a_rate_limit_answer_slows_every_call_down_and_is_retried) {
  create_account("alice");
  auto limited = retryable_reply("429 invalid_request_error/rate_limit");
  limited.rate_limited = true;
  limited.retry_after = milliseconds(50);
  port_->script("topup:top_1:charge", {limited});
  request(topup, "alice", "top_1", 500, "pm_card_visa");
  wait_for(topup, "top_1", processor_status::succeeded);
  EXPECT_EQ(stats().rate_limit_pauses, 1u);
  EXPECT_EQ(port_->sends("topup:top_1:charge"), 2u);
}

TEST_F(gateway_test, without_a_processor_operations_wait_and_reconciliation_answers_502) {
  ledger_.reset();
  open_ledger({});
  create_account("alice");
  request(topup, "alice", "top_1", 500, "pm_card_visa");
  EXPECT_EQ(reconcile().status, 502);
  EXPECT_EQ(read(topup, "top_1")->status, processor_status::pending);
}

}  // namespace
}  // namespace escrowd::actors::testing
