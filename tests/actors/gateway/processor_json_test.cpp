// Tests reading Stripe's JSON: PaymentIntents and Payouts into processor objects (with the
// escrowd metadata and failure details), what each status implies (verdict_of), and webhook
// event envelopes, including the malformed ones.
#include "actors/processor_json.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace escrowd::actors {
namespace {

std::optional<processor_object> parse(std::string_view text) {
  return processor_object_from_json(boost::json::parse(text));
}

TEST(processor_json, a_succeeded_payment_intent) {
  const auto object = parse(R"({"id":"pi_1","object":"payment_intent","amount":500,
      "currency":"usd","status":"succeeded","last_payment_error":null,
      "metadata":{"escrowd_topup":"top_1","escrowd_account":"acct_1"}})");
  ASSERT_TRUE(object.has_value());
  EXPECT_EQ(object->kind, processor_kind::topup);
  EXPECT_EQ(object->operation_id, "top_1");
  EXPECT_EQ(object->account_id, "acct_1");
  EXPECT_EQ(object->amount, 500);
  EXPECT_FALSE(object->has_failure);
  const auto verdict = verdict_of(*object);
  ASSERT_TRUE(verdict.has_value());
  EXPECT_EQ(verdict->status, processor_status::succeeded);
  EXPECT_EQ(verdict->processor_object_id, "pi_1");
}

TEST(processor_json, a_declined_payment_intent_carries_its_decline_code) {
  const auto object = parse(R"({"id":"pi_2","object":"payment_intent","amount":500,
      "status":"requires_payment_method","metadata":{"escrowd_topup":"top_2"},
      "last_payment_error":{"type":"card_error","code":"card_declined",
        "decline_code":"insufficient_funds","message":"Your card has insufficient funds."}})");
  ASSERT_TRUE(object.has_value());
  EXPECT_TRUE(object->has_failure);
  const auto verdict = verdict_of(*object);
  ASSERT_TRUE(verdict.has_value());
  EXPECT_EQ(verdict->status, processor_status::failed);
  EXPECT_EQ(verdict->failure_code, "insufficient_funds");
  EXPECT_EQ(verdict->failure_message, "Your card has insufficient funds.");
}

TEST(processor_json, payouts_in_each_state) {
  const auto pending = parse(R"({"id":"po_1","object":"payout","amount":7,"status":"pending",
      "failure_code":null,"metadata":{"escrowd_withdrawal":"wd_1"}})");
  ASSERT_TRUE(pending.has_value());
  EXPECT_EQ(pending->kind, processor_kind::withdrawal);
  EXPECT_EQ(pending->operation_id, "wd_1");
  EXPECT_FALSE(verdict_of(*pending).has_value());

  const auto failed = parse(R"({"id":"po_2","object":"payout","amount":7,"status":"failed",
      "failure_code":"account_closed","failure_message":"The bank account has been closed.",
      "metadata":{"escrowd_withdrawal":"wd_2"}})");
  ASSERT_TRUE(failed.has_value());
  const auto verdict = verdict_of(*failed);
  ASSERT_TRUE(verdict.has_value());
  EXPECT_EQ(verdict->status, processor_status::failed);
  EXPECT_EQ(verdict->failure_code, "account_closed");

  auto paid = *pending;
  paid.status = "paid";
  EXPECT_EQ(verdict_of(paid)->status, processor_status::paid);
  paid.status = "canceled";
  EXPECT_EQ(verdict_of(paid)->status, processor_status::failed);
}

TEST(processor_json, other_objects_are_not_processor_objects) {
  EXPECT_FALSE(parse(R"({"id":"ch_1","object":"charge","status":"succeeded"})").has_value());
  EXPECT_FALSE(parse(R"({"object":"payout","status":"paid"})").has_value());
  EXPECT_FALSE(parse(R"([1,2])").has_value());
  // Another operation kind's metadata key is not this kind's operation id.
  const auto foreign = parse(R"({"id":"po_3","object":"payout","status":"paid",
      "metadata":{"escrowd_topup":"top_9"}})");
  ASSERT_TRUE(foreign.has_value());
  EXPECT_EQ(foreign->operation_id, "");
}

TEST(processor_json, webhook_events) {
  const auto event = parse_webhook_event(R"({"id":"evt_1","object":"event",
      "type":"payout.paid","data":{"object":{"id":"po_1","object":"payout","amount":7,
      "status":"paid","metadata":{"escrowd_withdrawal":"wd_1"}}}})");
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(event->id, "evt_1");
  EXPECT_EQ(event->type, "payout.paid");
  ASSERT_TRUE(event->object.has_value());
  EXPECT_EQ(event->object->operation_id, "wd_1");
  EXPECT_TRUE(is_settling_event(event->type));
  EXPECT_FALSE(is_settling_event("payout.created"));
  EXPECT_FALSE(is_settling_event("payment_intent.amount_capturable_updated"));

  EXPECT_EQ(parse_webhook_event("not json").code(), error_code::json_invalid);
  EXPECT_EQ(parse_webhook_event(R"({"type":"payout.paid"})").failure().param, "id");
  EXPECT_EQ(parse_webhook_event(R"({"id":"evt_1"})").failure().param, "type");
  const auto bare = parse_webhook_event(R"({"id":"evt_2","type":"balance.available"})");
  ASSERT_TRUE(bare.has_value());
  EXPECT_FALSE(bare->object.has_value());
}

}  // namespace
}  // namespace escrowd::actors
