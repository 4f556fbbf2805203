// A processor that answers with an object that is not the operation's (another amount,
// currency or operation: a bug or a lie at the processor) settles nothing: the operation
// parks for an operator, whether the object came back from the send, a lookup or a poll,
// and the money stays where it was. A webhook whose object contradicts its operation is
// ignored.
#include <gtest/gtest.h>

#include "tests/actors/gateway/gateway_fixture.hpp"
#include "tests/actors/telemetry/exposition_reader.hpp"

namespace escrowd::actors::testing {
namespace {

using gateway_contradiction = gateway_fixture;
constexpr auto topup = processor_kind::topup;
constexpr auto withdrawal = processor_kind::withdrawal;

processor_reply object_reply(processor_object object) {
  processor_reply reply;
  reply.kind = reply_kind::object;
  reply.http_status = 200;
  reply.object = std::move(object);
  return reply;
}

TEST_F(gateway_contradiction, a_send_answered_with_another_amount_parks_and_credits_nothing) {
  create_account("alice");
  port_->script("topup:top_1:charge", {object_reply(topup_object("top_1", 50))});
  ASSERT_EQ(request(topup, "alice", "top_1", 500, "pm_card_visa").status, 200);
  const auto parked = wait_for(topup, "top_1", processor_status::requires_reconciliation);
  EXPECT_NE(parked.failure_message.find("has amount 50, not 500"), std::string::npos)
      << parked.failure_message;
  wait_idle();
  EXPECT_EQ(stats().contradictions, 1u);
  EXPECT_EQ(telemetry::testing::value_of(ledger_->metrics_exposition(),
                                         "escrowd_processor_contradictions_total"),
            1);
  EXPECT_EQ(port_->sends("topup:top_1:charge"), 1u);
  EXPECT_EQ(read_account("alice").available, 0);
  EXPECT_EQ(read_account("alice").pending_topup, 500);
}

// The processor keeps answering the key with another operation's object, so this one is on
// no list: the background reconciliation reports it missing but never sends it again.
TEST_F(gateway_contradiction, a_send_answered_with_another_operations_object_parks_for_good) {
  with_background_reconciliation(std::chrono::milliseconds(50));
  create_account("alice");
  port_->script("topup:top_1:charge",
                std::vector<processor_reply>(8, object_reply(topup_object("top_9", 500))));
  request(topup, "alice", "top_1", 500, "pm_card_visa");
  const auto parked = wait_for(topup, "top_1", processor_status::requires_reconciliation);
  EXPECT_NE(parked.failure_message.find("names operation top_9"), std::string::npos)
      << parked.failure_message;
  EXPECT_EQ(parked.failure_code, processor_contradiction_code);
  const auto runs = stats().background_reconciliations_finished;
  wait_until([&] { return stats().background_reconciliations_finished >= runs + 3; },
             "three background runs");
  EXPECT_EQ(port_->sends("topup:top_1:charge"), 1u);
  EXPECT_EQ(stats().contradictions, 1u);
  EXPECT_EQ(read(topup, "top_1")->status, processor_status::requires_reconciliation);
  EXPECT_EQ(read_account("alice").available, 0);
}

// Refused by the operation (its id is stored), it would be sent again at every scan.
TEST_F(gateway_contradiction, an_object_id_too_long_to_store_parks_instead_of_looping) {
  create_account("alice");
  auto unstorable = topup_object("top_1", 500);
  unstorable.id = "pi_" + std::string(processor_object_id_length_max, 'x');
  port_->script("topup:top_1:charge", {object_reply(unstorable)});
  request(topup, "alice", "top_1", 500, "pm_card_visa");
  const auto parked = wait_for(topup, "top_1", processor_status::requires_reconciliation);
  EXPECT_NE(parked.failure_message.find("more than 255"), std::string::npos)
      << parked.failure_message;
  wait_idle();
  EXPECT_EQ(port_->sends("topup:top_1:charge"), 1u);
  EXPECT_EQ(read_account("alice").available, 0);
}

TEST_F(gateway_contradiction, a_lookup_that_finds_another_currency_parks) {
  create_account("alice");
  port_->script("topup:top_1:charge", {uncertain_reply()});
  auto in_euros = topup_object("top_1", 500);
  in_euros.currency = "eur";
  port_->add_object(in_euros);
  request(topup, "alice", "top_1", 500, "pm_card_visa");
  const auto parked = wait_for(topup, "top_1", processor_status::requires_reconciliation);
  EXPECT_NE(parked.failure_message.find("has currency eur, not usd"), std::string::npos)
      << parked.failure_message;
  EXPECT_EQ(port_->finds(), 1u);
  EXPECT_EQ(read_account("alice").available, 0);
}

TEST_F(gateway_contradiction, a_poll_that_shows_another_amount_parks_and_keeps_the_hold) {
  create_account("alice");
  fund("alice", "top_1", 1'000);
  port_->payouts_settle_as("paid", 1'000'000);  // pending until the test changes it
  ASSERT_EQ(request(withdrawal, "alice", "wd_1", 400, "ba_default").status, 200);
  wait_until([&] { return stats().polls >= 1; }, "the payout polled");
  port_->add_object(payout_object("wd_1", 40, "paid"));  // same object id, another amount
  const auto parked = wait_for(withdrawal, "wd_1", processor_status::requires_reconciliation);
  EXPECT_NE(parked.failure_message.find("has amount 40, not 400"), std::string::npos)
      << parked.failure_message;
  EXPECT_EQ(read_account("alice").available, 600);
  EXPECT_EQ(read_account("alice").pending_withdrawal, 400);
}

TEST_F(gateway_contradiction, a_webhook_in_another_currency_is_ignored) {
  create_account("alice");
  port_->hold(true);
  request(topup, "alice", "top_1", 500, "pm_card_visa");
  wait_until([&] { return port_->held_count() == 1; }, "the send held");
  port_->hold(false);
  auto in_euros = topup_object("top_1", 500);
  in_euros.currency = "eur";
  const auto receipt = signed_webhook(event_json("evt_1", "payment_intent.succeeded", in_euros));
  EXPECT_NE(receipt.body.find("ignored: the processor's object pi_top_1 has currency eur, not usd"),
            std::string::npos)
      << receipt.body;
  // The event matches, the processor's own object does not.
  port_->add_object(in_euros);
  const auto confirmed =
      signed_webhook(event_json("evt_2", "payment_intent.succeeded", topup_object("top_1", 500)));
  EXPECT_NE(confirmed.body.find("ignored: not this operation's object"), std::string::npos)
      << confirmed.body;
  EXPECT_EQ(read(topup, "top_1")->status, processor_status::pending);
  EXPECT_EQ(read_account("alice").available, 0);
}

}  // namespace
}  // namespace escrowd::actors::testing
