// Tests webhooks through the ledger facade with a fake processor port: a verified event
// settles its operation from the object the processor shows when asked (not from the
// event), so the gateway's later answer is a no-op, a duplicate is counted once, an event
// for an object the processor does not have settles nothing, a stale event settles as the
// processor shows now, a paid payout that failed later is reversed; bad signatures are 400.
#include <gtest/gtest.h>

#include "tests/actors/gateway/gateway_fixture.hpp"

namespace escrowd::actors::testing {
namespace {

using gateway_webhook_test = gateway_fixture;
constexpr auto topup = processor_kind::topup;
constexpr auto withdrawal = processor_kind::withdrawal;

TEST_F(gateway_webhook_test, a_webhook_first_settles_and_the_later_answer_is_a_no_op) {
  create_account("alice");
  port_->hold(true);
  request(topup, "alice", "top_1", 500, "pm_card_visa");
  wait_until([&] { return port_->held_count() == 1; }, "the send held");
  // The charge happened; its answer is still on the way. The webhook's retrieve answers.
  port_->hold(false);
  port_->add_object(topup_object("top_1", 500));
  const auto event = event_json("evt_1", "payment_intent.succeeded", topup_object("top_1", 500));
  EXPECT_NE(signed_webhook(event).body.find(R"("outcome":"settled")"), std::string::npos);
  EXPECT_EQ(read(topup, "top_1")->status, processor_status::succeeded);
  EXPECT_EQ(read_account("alice").available, 500);
  port_->release();
  wait_idle();
  EXPECT_EQ(read_account("alice").available, 500);  // credited once
  EXPECT_NE(signed_webhook(event).body.find(R"("outcome":"duplicate")"), std::string::npos);
}

TEST_F(gateway_webhook_test, a_webhook_after_the_answer_is_a_no_op) {
  create_account("alice");
  request(topup, "alice", "top_1", 500, "pm_card_visa");
  wait_for(topup, "top_1", processor_status::succeeded);
  const auto event = event_json("evt_1", "payment_intent.succeeded", topup_object("top_1", 500));
  const auto receipt = signed_webhook(event);
  EXPECT_EQ(receipt.status, 200);
  EXPECT_NE(receipt.body.find(R"("outcome":"unchanged")"), std::string::npos) << receipt.body;
  EXPECT_EQ(read_account("alice").available, 500);
}

// The event is signed (a leaked secret, a replay inside the tolerance) but the processor
// has no such object: nothing is settled, and the gateway goes on with its own send.
TEST_F(gateway_webhook_test, a_webhook_for_an_object_the_processor_does_not_have_settles_nothing) {
  create_account("alice");
  port_->hold(true);
  request(topup, "alice", "top_1", 500, "pm_card_visa");
  wait_until([&] { return port_->held_count() == 1; }, "the send held");
  port_->hold(false);
  auto forged = topup_object("top_1", 500);
  forged.id = "pi_forged";
  const auto receipt = signed_webhook(event_json("evt_1", "payment_intent.succeeded", forged));
  EXPECT_NE(receipt.body.find("ignored: unknown at the processor"), std::string::npos)
      << receipt.body;
  EXPECT_EQ(read(topup, "top_1")->status, processor_status::pending);
  EXPECT_EQ(read_account("alice").available, 0);
  port_->release();  // the charge's own answer settles it
  wait_for(topup, "top_1", processor_status::succeeded);
  EXPECT_EQ(read(topup, "top_1")->processor_object_id, "pi_top_1");
}

// Events arrive late and out of order: a payout.paid event for a payout the processor now
// shows failed settles it failed (the hold returns), as the processor says.
TEST_F(gateway_webhook_test, a_stale_webhook_settles_as_the_processor_shows_now) {
  create_account("alice");
  fund("alice", "top_1", 1'000);
  port_->hold(true);
  request(withdrawal, "alice", "wd_1", 400, "ba_default");
  wait_until([&] { return port_->held_count() == 1; }, "the send held");
  port_->hold(false);
  auto payout = payout_object("wd_1", 400, "failed");
  port_->add_object(payout);
  auto stale = payout;
  stale.status = "paid";
  const auto receipt = signed_webhook(event_json("evt_1", "payout.paid", stale));
  EXPECT_NE(receipt.body.find(R"("outcome":"settled")"), std::string::npos) << receipt.body;
  EXPECT_EQ(read(withdrawal, "wd_1")->status, processor_status::failed);
  EXPECT_EQ(read_account("alice").available, 1'000);
  EXPECT_EQ(read_account("alice").pending_withdrawal, 0);
  port_->release();
  wait_idle();
  EXPECT_EQ(read_account("alice").available, 1'000);
}

// processor-notes 2.7: paid is not final. The payout.failed event, confirmed by the
// processor, reverses the withdrawal and returns the money.
TEST_F(gateway_webhook_test, a_paid_payout_that_fails_later_is_reversed_by_its_webhook) {
  create_account("alice");
  fund("alice", "top_1", 1'000);
  request(withdrawal, "alice", "wd_1", 400, "ba_default");
  wait_for(withdrawal, "wd_1", processor_status::paid);
  EXPECT_EQ(read_account("alice").available, 600);
  auto payout = payout_object("wd_1", 400, "failed");
  port_->add_object(payout);
  const auto receipt = signed_webhook(event_json("evt_9", "payout.failed", payout));
  EXPECT_NE(receipt.body.find(R"("outcome":"settled")"), std::string::npos) << receipt.body;
  EXPECT_EQ(read(withdrawal, "wd_1")->status, processor_status::failed);
  EXPECT_EQ(read_account("alice").available, 1'000);
}

// The processor still shows the object in progress when asked (the webhook joined a
// lookup begun before its event; a processor whose reads lag): not a 200, so the processor
// delivers the event again, and the delivery after the object is final settles it.
TEST_F(gateway_webhook_test, a_webhook_the_processor_does_not_confirm_yet_is_delivered_again) {
  create_account("alice");
  port_->hold(true);
  request(topup, "alice", "top_1", 500, "pm_card_visa");
  wait_until([&] { return port_->held_count() == 1; }, "the send held");
  port_->hold(false);
  auto in_progress = topup_object("top_1", 500);
  in_progress.status = "processing";
  port_->add_object(in_progress);
  const auto event = event_json("evt_1", "payment_intent.succeeded", topup_object("top_1", 500));
  const auto early = signed_webhook(event);
  EXPECT_EQ(early.status, 502) << early.body;
  EXPECT_NE(early.body.find("processor_error"), std::string::npos) << early.body;
  EXPECT_EQ(read(topup, "top_1")->status, processor_status::pending);

  port_->add_object(topup_object("top_1", 500));
  const auto again = signed_webhook(event);
  EXPECT_NE(again.body.find(R"("outcome":"settled")"), std::string::npos) << again.body;
  EXPECT_EQ(read_account("alice").available, 500);
  port_->release();
  wait_idle();
  EXPECT_EQ(read_account("alice").available, 500);  // credited once
}

// Behind a backlog of sends every top-up's event races its send's answer: confirming each
// cost a call per top-up and nearly halved an outage's drain. While sends wait, an event for
// a row whose send is queued or in flight asks the processor nothing; the send settles it.
TEST_F(gateway_webhook_test, behind_a_backlog_an_event_for_a_row_whose_send_waits_asks_nothing) {
  reopen_with_gateway([](gateway_config& gateway) { gateway.calls_in_flight_max = 1; });
  create_account("alice");
  port_->hold(true);
  for (int i = 1; i <= 3; ++i)
    ASSERT_EQ(request(topup, "alice", "top_" + std::to_string(i), 500, "pm_card_visa").status, 200);
  wait_until([&] { return port_->held_count() == 1 && stats().calls_queued == 2; },
             "one send in flight, two queued");
  port_->add_object(topup_object("top_2", 500));  // an earlier attempt charged
  const auto receipt =
      signed_webhook(event_json("evt_2", "payment_intent.succeeded", topup_object("top_2", 500)));
  EXPECT_NE(receipt.body.find(R"("outcome":"unchanged")"), std::string::npos) << receipt.body;
  EXPECT_EQ(port_->retrieves(), 0u);
  EXPECT_EQ(read(topup, "top_2")->status, processor_status::pending);
  port_->hold(false);
  port_->release();
  wait_for(topup, "top_2", processor_status::succeeded);
  wait_for(topup, "top_3", processor_status::succeeded);
  EXPECT_EQ(read_account("alice").available, 1'500);
  EXPECT_EQ(port_->retrieves(), 0u);
}

// The event skipped above was the only word of the charge: the row's own sends keep failing
// and its lookups go unanswered, so it would park. The processor is asked for the event's
// object first, and the top-up settles from it.
TEST_F(gateway_webhook_test, a_skipped_event_is_heeded_before_its_row_parks) {
  reopen_with_gateway([](gateway_config& gateway) { gateway.calls_in_flight_max = 1; });
  create_account("alice");
  port_->script("topup:top_2:charge", std::vector<processor_reply>(8, retryable_reply()));
  port_->fail_finds(true);
  port_->hold(true);
  for (int i = 1; i <= 3; ++i)
    ASSERT_EQ(request(topup, "alice", "top_" + std::to_string(i), 500, "pm_card_visa").status, 200);
  wait_until([&] { return port_->held_count() == 1 && stats().calls_queued == 2; },
             "one send in flight, two queued");
  port_->add_object(topup_object("top_2", 500));
  const auto receipt =
      signed_webhook(event_json("evt_2", "payment_intent.succeeded", topup_object("top_2", 500)));
  EXPECT_NE(receipt.body.find(R"("outcome":"unchanged")"), std::string::npos) << receipt.body;
  port_->hold(false);
  port_->release();
  wait_for(topup, "top_2", processor_status::succeeded);
  EXPECT_EQ(read_account("alice").available, 1'500);
  EXPECT_EQ(port_->retrieves(), 1u);
}

TEST_F(gateway_webhook_test, a_webhook_with_a_bad_signature_is_refused) {
  create_account("alice");
  port_->hold(true);
  request(topup, "alice", "top_1", 500, "pm_card_visa");
  const auto event = event_json("evt_1", "payment_intent.succeeded", topup_object("top_1", 500));
  const auto forged = webhook(event, sign_webhook("whsec_other", unix_now(), event));
  EXPECT_EQ(forged.status, 400);
  EXPECT_NE(forged.body.find("webhook_signature_invalid"), std::string::npos);
  const auto stale = webhook(event, sign_webhook(webhook_secret, unix_now() - 301, event));
  EXPECT_EQ(stale.status, 400);
  EXPECT_EQ(webhook(event, "").status, 400);
  EXPECT_EQ(read(topup, "top_1")->status, processor_status::pending);
}
}  // namespace
}  // namespace escrowd::actors::testing
