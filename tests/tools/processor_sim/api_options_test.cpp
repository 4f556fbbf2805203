// Tests the request options the simulator takes as Stripe does: expand[] (the Charge, the
// balance transaction), automatic payment methods and return_url by API version, a
// malformed Stripe-Version, the defaults a start without flags runs with, and the flags of
// the state file's compaction threshold.
#include <gtest/gtest.h>

#include "api_fixture.hpp"
#include "config.hpp"

namespace escrowd::processor_sim::testing {
namespace {

// expand[]: a PaymentIntent's latest_charge becomes its Charge, following the intent
// (captured, authorized, failed); in lists as data.latest_charge; a payout's
// balance_transaction likewise. Anything else is refused before execution, so its key is
// not used up.
TEST_F(api_test, expand_returns_the_charge_and_refuses_other_paths) {
  auto paid = call("POST", "/v1/payment_intents", visa + "&expand[]=latest_charge", "x1");
  ASSERT_EQ(paid.status, 200) << paid.body;
  auto intent = json(paid);
  auto charge = intent["latest_charge"].as_object();
  EXPECT_EQ(charge["object"], "charge");
  EXPECT_TRUE(charge["id"].as_string().starts_with("ch_"));
  EXPECT_EQ(charge["payment_intent"], intent["id"]);
  EXPECT_EQ(charge["status"], "succeeded");
  EXPECT_EQ(charge["captured"], true);
  EXPECT_EQ(charge["amount_captured"], 1000);
  const std::string id(intent["id"].as_string());
  EXPECT_TRUE(json(call("GET", "/v1/payment_intents/" + id))["latest_charge"].is_string());

  auto held = json(call("POST", "/v1/payment_intents", visa + "&capture_method=manual"));
  auto held_charge = json(call("GET", "/v1/payment_intents/" + std::string(held["id"].as_string()) +
                                          "?expand[]=latest_charge"))["latest_charge"]
                         .as_object();
  EXPECT_EQ(held_charge["paid"], true);
  EXPECT_EQ(held_charge["captured"], false);

  auto declined = call("POST", "/v1/payment_intents",
                       "amount=500&currency=usd&confirm=true&payment_method_types[]=card&payment_"
                       "method=pm_card_chargeDeclined");
  ASSERT_EQ(declined.status, 402);
  const std::string declined_id(
      json(declined)["error"].as_object()["payment_intent"].as_object()["id"].as_string());
  auto failed_charge = json(call(
      "GET", "/v1/payment_intents/" + declined_id + "?expand[]=latest_charge"))["latest_charge"]
                           .as_object();
  EXPECT_EQ(failed_charge["status"], "failed");
  EXPECT_EQ(failed_charge["paid"], false);
  EXPECT_EQ(failed_charge["failure_code"], "card_declined");

  auto listed = json(call("GET", "/v1/payment_intents?expand[]=data.latest_charge"));
  for (const auto& item : listed["data"].as_array())
    EXPECT_EQ(item.as_object().at("latest_charge").as_object().at("object"), "charge");

  auto payout = json(call("POST", "/v1/payouts", "amount=700&currency=usd"));
  auto transaction = json(call("GET", "/v1/payouts/" + std::string(payout["id"].as_string()) +
                                          "?expand[]=balance_transaction"))["balance_transaction"]
                         .as_object();
  EXPECT_EQ(transaction["object"], "balance_transaction");
  EXPECT_EQ(transaction["amount"], -700);
  EXPECT_EQ(transaction["id"], payout["balance_transaction"]);

  for (const char* path : {"customer", "data.latest_charge", "latest_charge.customer"}) {
    auto refused = call("POST", "/v1/payment_intents", visa + "&expand[]=" + path, "x2");
    ASSERT_EQ(refused.status, 400) << path;
    auto error = json(refused)["error"].as_object();
    EXPECT_EQ(error["param"], "expand[0]");
    EXPECT_EQ(error["message"].as_string(),
              std::string("This property cannot be expanded (") + path + ").");
  }
  EXPECT_EQ(call("GET", "/v1/payouts?expand[]=balance_transaction").status, 400);
  EXPECT_EQ(call("POST", "/v1/payment_intents", visa, "x2").status, 200);  // key unused
}

// Since API version 2023-08-16 an intent without payment_method_types has
// automatic_payment_methods on, redirects allowed: confirming it needs a return_url unless
// allow_redirects is never. Older versions keep card-only intents. A refusal at creation
// is a validation error (its key is not used up).
TEST_F(api_test, confirming_with_automatic_payment_methods_needs_a_return_url) {
  const std::string card = "amount=900&currency=usd&payment_method=pm_card_visa&confirm=true";
  auto refused = call("POST", "/v1/payment_intents", card, "apm");
  ASSERT_EQ(refused.status, 400) << refused.body;
  EXPECT_EQ(json(refused)["error"].as_object()["param"], "return_url");
  EXPECT_EQ(charges(), 0u);

  auto never = json(call("POST", "/v1/payment_intents",
                         card + "&automatic_payment_methods[enabled]=true"
                                "&automatic_payment_methods[allow_redirects]=never",
                         "apm"));
  EXPECT_EQ(never["status"], "succeeded");
  EXPECT_EQ(never["automatic_payment_methods"].as_object()["allow_redirects"], "never");
  EXPECT_EQ(never["automatic_payment_methods"].as_object()["enabled"], true);

  auto with_url = json(call("POST", "/v1/payment_intents", card + "&return_url=https://x.test/r"));
  EXPECT_EQ(with_url["status"], "succeeded");
  EXPECT_EQ(with_url["automatic_payment_methods"].as_object()["allow_redirects"], "always");
  EXPECT_EQ(with_url["return_url"], "https://x.test/r");

  auto card_only = json(call("POST", "/v1/payment_intents", card + "&payment_method_types[]=card"));
  EXPECT_EQ(card_only["status"], "succeeded");
  EXPECT_TRUE(card_only["automatic_payment_methods"].is_null());

  auto old_version =
      call("POST", "/v1/payment_intents", card, std::nullopt, "Bearer sk_test_abc", "2022-11-15");
  ASSERT_EQ(old_version.status, 200) << old_version.body;
  EXPECT_TRUE(json(old_version)["automatic_payment_methods"].is_null());

  EXPECT_EQ(call("POST", "/v1/payment_intents",
                 card + "&payment_method_types[]=card&automatic_payment_methods[enabled]=true")
                .status,
            400);
  EXPECT_EQ(call("POST", "/v1/payment_intents",
                 card + "&automatic_payment_methods[allow_redirects]=never")
                .status,
            400);  // enabled is required

  // Malformed choices are refused, not quietly made card payments.
  for (const char* bad : {"&payment_method_types[]=us_bank_account",
                          "&payment_method_types[]=card&payment_method_types[]=link",
                          "&payment_method_types=card", "&return_url=not-a-url"}) {
    auto malformed = call("POST", "/v1/payment_intents", card + bad);
    EXPECT_EQ(malformed.status, 400) << bad << " " << malformed.body;
  }
  EXPECT_EQ(charges(), 4u);  // the four made above, none by the refusals

  // Confirmed later: the return_url may come with the confirmation.
  auto later = json(
      call("POST", "/v1/payment_intents", "amount=900&currency=usd&payment_method=pm_card_visa"));
  const std::string confirm_path =
      "/v1/payment_intents/" + std::string(later["id"].as_string()) + "/confirm";
  EXPECT_EQ(call("POST", confirm_path).status, 400);
  auto confirmed = call("POST", confirm_path, "return_url=https://x.test/r");
  ASSERT_EQ(confirmed.status, 200) << confirmed.body;
  EXPECT_EQ(json(confirmed)["status"], "succeeded");
}

// A Stripe-Version that is no API version is refused before anything happens.
TEST_F(api_test, an_invalid_stripe_version_is_400) {
  for (const char* version : {"garbage", "2024-6-20", "2024-06-20.", "2024-06-20.Endive"}) {
    auto refused =
        call("POST", "/v1/payment_intents", visa, std::nullopt, "Bearer sk_test_abc", version);
    EXPECT_EQ(refused.status, 400) << version;
    EXPECT_NE(json(refused)["error"].as_object()["message"].as_string().find(version),
              std::string::npos);
  }
  EXPECT_EQ(charges(), 0u);
  EXPECT_EQ(call("GET", "/v1/payment_intents", {}, std::nullopt, "Bearer sk_test_abc",
                 "2026-11-18.endive")
                .status,
            200);
}

// The defaults a start without flags runs with (escrowd's embedded simulator uses them
// too): keys are remembered for 24 hours, so a retry an hour later replays instead of
// charging again; each start draws its own seed.
TEST(default_config, keeps_keys_for_a_day_and_draws_a_seed) {
  const auto config = default_config();
  EXPECT_EQ(config.api.idempotency_ttl_s, 24 * 60 * 60);
  EXPECT_EQ(config.api.settings.payout_settle_ms, 200);
  EXPECT_EQ(config.api.settings.authorization_expiry_s, 7 * 24 * 60 * 60);
  EXPECT_NE(default_config().api.seed, config.api.seed);

  sim_clock clock;
  api logic(config.api, clock);
  const api_request request = keyed_visa_payment("topup:top_1:charge");
  auto run = [&] {
    auto prepared = logic.prepare(request);
    return prepared.reply ? *prepared.reply : logic.execute(std::move(*prepared.call));
  };
  const auto first = run();
  ASSERT_EQ(first.status, 200) << first.body;
  clock.advance_ms(60 * 60 * 1000);
  const auto again = run();
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(logic.stats().idempotent_replays, 1u);
}

// The state file's compaction threshold: 4 MiB or four times the compacted size unless the
// test knobs say otherwise (the integration tests compact after every line); a growth
// factor below 1 would not be a growth, so it is refused.
TEST(parse_command_line, sets_the_state_file_compaction_threshold) {
  EXPECT_EQ(default_config().api.state_file_compaction.floor_bytes, 4u << 20);
  EXPECT_EQ(default_config().api.state_file_compaction.growth_factor, 4u);
  const auto parsed = parse_command_line(
      {"--state-file-compaction-floor-bytes", "0", "--state-file-compaction-growth=1"});
  ASSERT_TRUE(parsed.config) << parsed.error;
  EXPECT_EQ(parsed.config->api.state_file_compaction.floor_bytes, 0u);
  EXPECT_EQ(parsed.config->api.state_file_compaction.growth_factor, 1u);
  EXPECT_FALSE(parse_command_line({"--state-file-compaction-growth", "0"}).config);
  EXPECT_FALSE(parse_command_line({"--state-file-compaction-floor-bytes", "-1"}).config);
}

// A first retry delay of 0 was accepted; doubled it stays 0, so an event for a receiver
// that was down for a second was abandoned after its 10,000 attempts instead of three days.
TEST(parse_command_line, refuses_a_webhook_retry_delay_that_cannot_grow) {
  EXPECT_FALSE(parse_command_line({"--webhook-retry-delay-ms", "0"}).config);
  const auto parsed = parse_command_line({"--webhook-retry-delay-ms", "1"});
  ASSERT_TRUE(parsed.config) << parsed.error;
  EXPECT_EQ(parsed.config->webhook_retry_delay_ms, 1);
}

}  // namespace
}  // namespace escrowd::processor_sim::testing
