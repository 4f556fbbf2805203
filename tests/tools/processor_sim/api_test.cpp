// Tests the simulator's request pipeline (api) without sockets: Stripe's Idempotency-Key
// rules (what is saved and what is not), card outcomes, the PaymentIntent and Payout state
// machines, lists with the metadata filter, the events produced, and faults drawn with a
// fixed seed. The clock is the simulator's own, advanced explicitly.
#include "api.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "config.hpp"

namespace escrowd::processor_sim {
namespace {

api_options default_options() {
  api_options options;
  options.idempotency_ttl_s = 60;
  options.settings.payout_settle_ms = 1000;
  options.settings.authorization_expiry_s = 3600;
  options.seed = 5;
  return options;
}

class api_test : public ::testing::Test {
 protected:
  explicit api_test(api_options options = default_options()) : logic_(options, clock_) {}

  // Runs both phases, as the server does (without waiting for --slow delays).
  api_reply call(std::string method, std::string target, std::string body = {},
                 std::optional<std::string> key = std::nullopt,
                 std::string authorization = "Bearer sk_test_abc",
                 std::string stripe_version = {}) {
    api_request request;
    request.stripe_version = std::move(stripe_version);
    request.method = std::move(method);
    request.target = std::move(target);
    request.body = std::move(body);
    request.authorization = std::move(authorization);
    request.has_idempotency_key = key.has_value();
    request.idempotency_key = key.value_or("");
    auto prepared = logic_.prepare(request);
    if (prepared.reply) return *prepared.reply;
    return logic_.execute(*prepared.call);
  }

  static boost::json::object json(const api_reply& reply) {
    return boost::json::parse(reply.body).as_object();
  }
  static std::string header(const api_reply& reply, std::string_view name) {
    for (const auto& [n, v] : reply.headers) {
      if (n == name) return v;
    }
    return {};
  }
  std::size_t charges() {
    return boost::json::parse(call("GET", "/_sim/charges").body).as_array().size();
  }

  sim_clock clock_;
  api logic_;
};

const std::string visa =
    "amount=1000&currency=usd&payment_method=pm_card_visa&confirm=true"
    "&payment_method_types[]=card";

// A raw request, for tests that run the two phases themselves.
api_request keyed_visa_payment(std::string key) {
  api_request request;
  request.method = "POST";
  request.target = "/v1/payment_intents";
  request.body = visa;
  request.authorization = "Bearer sk_test_abc";
  request.has_idempotency_key = true;
  request.idempotency_key = std::move(key);
  return request;
}

TEST_F(api_test, succeeding_payment_intent_has_stripe_shape) {
  auto reply = call("POST", "/v1/payment_intents", visa + "&metadata[topup]=t1", "k1");
  ASSERT_EQ(reply.status, 200) << reply.body;
  auto pi = json(reply);
  EXPECT_TRUE(pi["id"].as_string().starts_with("pi_"));
  EXPECT_EQ(pi["object"], "payment_intent");
  EXPECT_EQ(pi["status"], "succeeded");
  EXPECT_EQ(pi["amount_received"], 1000);
  EXPECT_EQ(pi["livemode"], false);
  EXPECT_EQ(pi["metadata"].as_object()["topup"], "t1");
  EXPECT_TRUE(header(reply, "Request-Id").starts_with("req_"));
  EXPECT_EQ(header(reply, "Idempotency-Key"), "k1");
  auto events = logic_.take_events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, "payment_intent.succeeded");
  auto event = boost::json::parse(events[0].body).as_object();
  EXPECT_EQ(event["request"].as_object()["idempotency_key"], "k1");
  EXPECT_EQ(event["data"].as_object()["object"].as_object()["id"], pi["id"]);
}

TEST_F(api_test, declines_answer_402_with_the_payment_intent) {
  struct row {
    const char* payment_method;
    const char* code;
    const char* decline_code;
  };
  for (auto [pm, code, decline] :
       {row{"pm_card_chargeDeclined", "card_declined", "generic_decline"},
        row{"pm_card_chargeDeclinedInsufficientFunds", "card_declined", "insufficient_funds"},
        row{"pm_card_chargeDeclinedExpiredCard", "expired_card", "expired_card"}}) {
    auto reply = call(
        "POST", "/v1/payment_intents",
        std::string(
            "amount=500&currency=eur&confirm=true&payment_method_types[]=card&payment_method=") +
            pm);
    ASSERT_EQ(reply.status, 402) << pm;
    auto error = json(reply)["error"].as_object();
    EXPECT_EQ(error["type"], "card_error");
    EXPECT_EQ(error["code"], code);
    EXPECT_EQ(error["decline_code"], decline);
    EXPECT_EQ(error["payment_intent"].as_object()["status"], "requires_payment_method");
    EXPECT_EQ(header(reply, "Stripe-Should-Retry"), "false");
  }
  auto events = logic_.take_events();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].type, "payment_intent.payment_failed");
}

TEST_F(api_test, validation_errors_name_the_param_and_are_not_saved) {
  auto missing = call("POST", "/v1/payment_intents", "currency=usd", "k");
  ASSERT_EQ(missing.status, 400);
  EXPECT_EQ(json(missing)["error"].as_object()["code"], "parameter_missing");
  EXPECT_EQ(json(missing)["error"].as_object()["param"], "amount");
  auto zero = call("POST", "/v1/payment_intents", "amount=0&currency=usd", "k2");
  EXPECT_EQ(json(zero)["error"].as_object()["code"], "parameter_invalid_integer");
  auto currency = call("POST", "/v1/payment_intents", "amount=5&currency=usdx", "k3");
  EXPECT_EQ(json(currency)["error"].as_object()["param"], "currency");
  auto unknown_pm =
      call("POST", "/v1/payment_intents",
           "amount=5&currency=usd&confirm=true&payment_method_types[]=card&payment_method=pm_nope",
           "k4");
  EXPECT_EQ(unknown_pm.status, 400);
  EXPECT_EQ(json(unknown_pm)["error"].as_object()["code"], "resource_missing");
  EXPECT_EQ(json(unknown_pm)["error"].as_object()["param"], "payment_method");
  auto unknown_param = call("POST", "/v1/payment_intents", "amount=5&currency=usd&colour=red");
  EXPECT_EQ(json(unknown_param)["error"].as_object()["code"], "parameter_unknown");
  // None of them was saved: the same key with corrected parameters executes.
  auto fixed = call("POST", "/v1/payment_intents", visa, "k");
  EXPECT_EQ(fixed.status, 200);
  EXPECT_EQ(header(fixed, "Idempotent-Replayed"), "");
  EXPECT_EQ(charges(), 1u);
}

TEST_F(api_test, replay_is_identical_and_marked) {
  auto first = call("POST", "/v1/payment_intents", visa, "same");
  auto second = call("POST", "/v1/payment_intents", visa, "same");
  EXPECT_EQ(second.status, first.status);
  EXPECT_EQ(second.body, first.body);
  EXPECT_EQ(header(second, "Idempotent-Replayed"), "true");
  EXPECT_EQ(header(second, "Original-Request"), header(first, "Request-Id"));
  EXPECT_NE(header(second, "Request-Id"), header(first, "Request-Id"));
  EXPECT_EQ(charges(), 1u);
}

TEST_F(api_test, declines_are_saved_and_replayed) {
  std::string body =
      "amount=5&currency=usd&confirm=true&payment_method_types[]=card&payment_method=pm_card_"
      "chargeDeclined";
  auto first = call("POST", "/v1/payment_intents", body, "d");
  auto second = call("POST", "/v1/payment_intents", body, "d");
  EXPECT_EQ(second.status, 402);
  EXPECT_EQ(second.body, first.body);
  EXPECT_EQ(header(second, "Stripe-Should-Retry"), "false");
  EXPECT_EQ(charges(), 1u);
}

TEST_F(api_test, key_reuse_with_other_params_or_endpoint_is_400) {
  ASSERT_EQ(call("POST", "/v1/payment_intents", visa, "k").status, 200);
  auto other = call("POST", "/v1/payment_intents", visa + "&description=x", "k");
  ASSERT_EQ(other.status, 400);
  EXPECT_EQ(json(other)["error"].as_object()["type"], "idempotency_error");
  EXPECT_NE(json(other)["error"].as_object()["message"].as_string().find(
                "same parameters they were first used with"),
            std::string::npos);
  auto payout = call("POST", "/v1/payouts", "amount=1000&currency=usd", "k");
  ASSERT_EQ(payout.status, 400);
  EXPECT_NE(json(payout)["error"].as_object()["message"].as_string().find("same endpoint"),
            std::string::npos);
  // Keys are scoped per API key: another account may use the same key anywhere.
  EXPECT_EQ(
      call("POST", "/v1/payouts", "amount=1&currency=usd", "k", "Bearer sk_test_other").status,
      200);
}

TEST_F(api_test, key_in_flight_is_409_and_retryable) {
  const api_request request = keyed_visa_payment("busy");
  auto first = logic_.prepare(request);
  ASSERT_TRUE(first.call.has_value());
  auto second = logic_.prepare(request);
  ASSERT_TRUE(second.reply.has_value());
  EXPECT_EQ(second.reply->status, 409);
  EXPECT_EQ(json(*second.reply)["error"].as_object()["code"], "idempotency_key_in_use");
  EXPECT_EQ(json(*second.reply)["error"].as_object()["type"], "invalid_request_error");
  EXPECT_EQ(header(*second.reply, "Stripe-Should-Retry"), "true");
  auto done = logic_.execute(*first.call);
  EXPECT_EQ(done.status, 200);
  auto third = logic_.prepare(request);
  ASSERT_TRUE(third.reply.has_value());
  EXPECT_EQ(header(*third.reply, "Idempotent-Replayed"), "true");
}

TEST_F(api_test, authentication_failures_are_401_and_not_saved) {
  EXPECT_EQ(call("POST", "/v1/payment_intents", visa, "a", "").status, 401);
  EXPECT_EQ(call("POST", "/v1/payment_intents", visa, "a", "Bearer sk_live_123").status, 401);
  // Basic auth with the key as user name ("sk_test_abc:" in base64).
  auto basic = call("POST", "/v1/payment_intents", visa, "a", "Basic c2tfdGVzdF9hYmM6");
  EXPECT_EQ(basic.status, 200);
  EXPECT_EQ(header(basic, "Idempotent-Replayed"), "");
}

TEST_F(api_test, idempotency_keys_expire_after_the_ttl) {
  ASSERT_EQ(call("POST", "/v1/payment_intents", visa, "old").status, 200);
  clock_.advance_ms(59'000);
  EXPECT_EQ(header(call("POST", "/v1/payment_intents", visa, "old"), "Idempotent-Replayed"),
            "true");
  clock_.advance_ms(2'000);
  auto fresh = call("POST", "/v1/payment_intents", visa, "old");
  EXPECT_EQ(header(fresh, "Idempotent-Replayed"), "");
  EXPECT_EQ(charges(), 2u);
}

TEST_F(api_test, manual_capture_then_capture_and_cancel_rules) {
  auto created = json(call("POST", "/v1/payment_intents", visa + "&capture_method=manual"));
  EXPECT_EQ(created["status"], "requires_capture");
  EXPECT_EQ(created["amount_capturable"], 1000);
  std::string id(created["id"].as_string());
  auto too_much = call("POST", "/v1/payment_intents/" + id + "/capture", "amount_to_capture=2000");
  EXPECT_EQ(too_much.status, 400);
  auto captured =
      json(call("POST", "/v1/payment_intents/" + id + "/capture", "amount_to_capture=600"));
  EXPECT_EQ(captured["status"], "succeeded");
  EXPECT_EQ(captured["amount_received"], 600);
  auto charge =
      json(call("GET", "/v1/payment_intents/" + id + "?expand[]=latest_charge"))["latest_charge"]
          .as_object();
  EXPECT_EQ(charge["amount_captured"], 600);
  EXPECT_EQ(charge["amount_refunded"], 400);  // the rest of the authorization went back
  auto cancel = call("POST", "/v1/payment_intents/" + id + "/cancel");
  EXPECT_EQ(cancel.status, 400);
  EXPECT_EQ(json(cancel)["error"].as_object()["code"], "payment_intent_unexpected_state");
  EXPECT_EQ(call("GET", "/v1/payment_intents/pi_missing").status, 404);
}

TEST_F(api_test, uncaptured_authorization_expires_to_canceled) {
  auto created = json(call("POST", "/v1/payment_intents", visa + "&capture_method=manual"));
  std::string id(created["id"].as_string());
  (void)logic_.take_events();
  clock_.advance_ms(3'600'000);
  logic_.tick();
  auto after = json(call("GET", "/v1/payment_intents/" + id));
  EXPECT_EQ(after["status"], "canceled");
  EXPECT_EQ(after["cancellation_reason"], "automatic");
  auto events = logic_.take_events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, "payment_intent.canceled");
}

TEST_F(api_test, list_is_newest_first_paged_and_filtered_by_metadata) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    auto pi = json(call("POST", "/v1/payment_intents",
                        visa + "&metadata[batch]=" + (i % 2 == 0 ? "even" : "odd")));
    ids.emplace_back(pi["id"].as_string());
  }
  auto page = json(call("GET", "/v1/payment_intents?limit=2"));
  EXPECT_EQ(page["object"], "list");
  EXPECT_EQ(page["has_more"], true);
  ASSERT_EQ(page["data"].as_array().size(), 2u);
  EXPECT_EQ(page["data"].as_array()[0].as_object().at("id").as_string(), ids[4]);
  auto next = json(call("GET", "/v1/payment_intents?limit=2&starting_after=" + ids[3]));
  EXPECT_EQ(next["data"].as_array()[0].as_object().at("id").as_string(), ids[2]);
  auto even = json(call("GET", "/v1/payment_intents?metadata%5Bbatch%5D=even"));
  ASSERT_EQ(even["data"].as_array().size(), 3u);
  EXPECT_EQ(even["has_more"], false);
  auto before = json(call("GET", "/v1/payment_intents?limit=1&ending_before=" + ids[1]));
  EXPECT_EQ(before["data"].as_array()[0].as_object().at("id").as_string(), ids[2]);
  EXPECT_EQ(before["has_more"], true);
  EXPECT_EQ(call("GET", "/v1/payment_intents?limit=101").status, 400);
  EXPECT_EQ(call("GET", "/v1/payment_intents?starting_after=pi_nope").status, 400);
}

TEST_F(api_test, payouts_settle_paid_or_failed_by_destination) {
  auto paid = json(call("POST", "/v1/payouts", "amount=700&currency=usd&metadata[w]=1"));
  auto failed = json(call("POST", "/v1/payouts", "amount=700&currency=usd&destination=ba_fail"));
  auto flip =
      json(call("POST", "/v1/payouts", "amount=700&currency=usd&destination=ba_paid_then_fail"));
  EXPECT_EQ(paid["status"], "pending");
  EXPECT_EQ(call("POST", "/v1/payouts", "amount=1&currency=usd&destination=iban_x").status, 400);
  (void)logic_.take_events();
  clock_.advance_ms(1000);
  logic_.tick();
  auto get = [&](const boost::json::object& p) {
    return json(call("GET", "/v1/payouts/" + std::string(p.at("id").as_string())));
  };
  EXPECT_EQ(get(paid)["status"], "paid");
  EXPECT_EQ(get(failed)["status"], "failed");
  EXPECT_EQ(get(failed)["failure_code"], "account_closed");
  const auto failed_transaction =
      json(call("GET", "/v1/payouts/" + std::string(failed.at("id").as_string()) +
                           "?expand[]=balance_transaction"))["balance_transaction"];
  EXPECT_EQ(failed_transaction.as_object().at("status"), "available");
  EXPECT_EQ(get(flip)["status"], "paid");
  clock_.advance_ms(1000);
  logic_.tick();
  EXPECT_EQ(get(flip)["status"], "failed");
  std::vector<std::string> types;
  for (const auto& e : logic_.take_events()) types.push_back(e.type);
  EXPECT_EQ(types, (std::vector<std::string>{"payout.paid", "payout.failed", "payout.paid",
                                             "payout.failed"}));
  auto filtered = json(call("GET", "/v1/payouts?metadata[w]=1"));
  ASSERT_EQ(filtered["data"].as_array().size(), 1u);
  EXPECT_EQ(json(call("GET", "/v1/payouts?status=failed"))["data"].as_array().size(), 2u);
}

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
    return prepared.reply ? *prepared.reply : logic.execute(*prepared.call);
  };
  const auto first = run();
  ASSERT_EQ(first.status, 200) << first.body;
  clock.advance_ms(60 * 60 * 1000);
  const auto again = run();
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(logic.stats().idempotent_replays, 1u);
}

TEST_F(api_test, unknown_routes_are_404_in_stripe_shape) {
  auto reply = call("GET", "/v1/charges");
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(json(reply)["error"].as_object()["type"], "invalid_request_error");
}

class api_fault_test : public api_test {
 protected:
  static api_options with(double fault_options::*field) {
    api_options options = default_options();
    options.faults.*field = 1.0;
    options.faults.slow_ms = 250;
    return options;
  }
  explicit api_fault_test(double fault_options::*field) : api_test(with(field)) {}
};

struct fail_before : api_fault_test {
  fail_before() : api_fault_test(&fault_options::fail_before_effect) {}
};
TEST_F(fail_before, answers_500_applies_nothing_and_replays_the_500) {
  auto first = call("POST", "/v1/payment_intents", visa, "k");
  EXPECT_EQ(first.status, 500);
  EXPECT_EQ(json(first)["error"].as_object()["type"], "api_error");
  EXPECT_EQ(header(first, "Stripe-Should-Retry"), "false");  // a retry would replay it
  EXPECT_EQ(charges(), 0u);
  auto again = call("POST", "/v1/payment_intents", visa, "k");
  EXPECT_EQ(again.status, 500);
  EXPECT_EQ(header(again, "Idempotent-Replayed"), "true");
  EXPECT_EQ(charges(), 0u);
  EXPECT_EQ(call("GET", "/v1/payment_intents").status, 200);  // reads are not faulted
}

struct fail_reads : api_test {
  static api_options with_reads() {
    api_options options = default_options();
    options.faults.fail_before_effect = 1.0;
    options.faults.fault_reads = true;
    return options;
  }
  fail_reads() : api_test(with_reads()) {}
};
TEST_F(fail_reads, fault_reads_extends_faults_to_gets_but_not_to_inspection) {
  EXPECT_EQ(call("GET", "/v1/payouts").status, 500);
  EXPECT_EQ(call("GET", "/_sim/stats").status, 200);
}

struct fail_after : api_fault_test {
  fail_after() : api_fault_test(&fault_options::fail_after_effect) {}
};
TEST_F(fail_after, answers_500_after_the_charge_exists) {
  EXPECT_EQ(call("POST", "/v1/payment_intents", visa, "k").status, 500);
  EXPECT_EQ(charges(), 1u);
}

struct drop_after : api_fault_test {
  drop_after() : api_fault_test(&fault_options::drop_after_effect) {}
};
TEST_F(drop_after, loses_the_response_but_keeps_the_charge_and_replays) {
  auto first = call("POST", "/v1/payment_intents", visa, "k");
  EXPECT_EQ(first.how, delivery::reset);
  EXPECT_EQ(charges(), 1u);
  auto retry = call("POST", "/v1/payment_intents", visa, "k");
  EXPECT_EQ(retry.how, delivery::send);
  EXPECT_EQ(retry.status, 200);
  EXPECT_EQ(header(retry, "Idempotent-Replayed"), "true");
  EXPECT_EQ(charges(), 1u);
}

struct rate_limited : api_fault_test {
  rate_limited() : api_fault_test(&fault_options::rate_limit) {}
};
TEST_F(rate_limited, answers_429_with_retry_after_and_saves_nothing) {
  auto reply = call("POST", "/v1/payment_intents", visa, "k");
  EXPECT_EQ(reply.status, 429);
  EXPECT_EQ(json(reply)["error"].as_object()["code"], "rate_limit");
  EXPECT_EQ(header(reply, "Retry-After"), "1");
  EXPECT_EQ(header(reply, "Stripe-Rate-Limited-Reason"), "global-rate");
  EXPECT_EQ(charges(), 0u);
  EXPECT_EQ(logic_.stats().rate_limit, 1u);
}

struct slow : api_fault_test {
  slow() : api_fault_test(&fault_options::slow) {}
};
TEST_F(slow, delays_execution_with_the_key_in_flight) {
  api_request request;
  request.method = "POST";
  request.target = "/v1/payouts";
  request.body = "amount=5&currency=usd";
  request.authorization = "Bearer sk_test_abc";
  auto prepared = logic_.prepare(request);
  ASSERT_TRUE(prepared.call.has_value());
  EXPECT_EQ(prepared.delay_ms, 250);
}

}  // namespace
}  // namespace escrowd::processor_sim
