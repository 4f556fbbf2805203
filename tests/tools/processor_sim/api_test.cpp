// Tests the simulator's request pipeline (api) without sockets: Stripe's Idempotency-Key
// rules (what is saved and what is not), card outcomes, the PaymentIntent and Payout state
// machines, lists, search by metadata and the events produced. The clock is the
// simulator's own, advanced explicitly.
#include <gtest/gtest.h>

#include <algorithm>

#include "api_fixture.hpp"

namespace escrowd::processor_sim::testing {
namespace {

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

// stripe-python sends Python's spelling (`confirm=True`) and Stripe takes it; a value that
// is no boolean in any case is still refused, naming the parameter.
TEST_F(api_test, booleans_are_read_in_any_case) {
  for (const char* spelling : {"True", "TRUE", "true"}) {
    auto reply = call("POST", "/v1/payment_intents",
                      std::string("amount=5&currency=usd&payment_method=pm_card_visa&"
                                  "payment_method_types[0]=card&confirm=") +
                          spelling);
    ASSERT_EQ(reply.status, 200) << spelling << ": " << reply.body;
    EXPECT_EQ(json(reply)["status"], "succeeded") << spelling;
  }
  auto unconfirmed = call("POST", "/v1/payment_intents",
                          "amount=5&currency=usd&payment_method=pm_card_visa&"
                          "payment_method_types[0]=card&confirm=False");
  EXPECT_EQ(json(unconfirmed)["status"], "requires_confirmation");
  auto not_boolean = call("POST", "/v1/payment_intents",
                          "amount=5&currency=usd&payment_method_types[0]=card&confirm=yes");
  ASSERT_EQ(not_boolean.status, 400);
  EXPECT_EQ(json(not_boolean)["error"].as_object()["param"], "confirm");
  EXPECT_EQ(charges(), 4u);
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
  auto done = logic_.execute(std::move(*first.call));
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

// A confirm refused for the intent's state (or a missing return_url) attached its
// payment_method and return_url all the same, so the refused request changed the intent (and
// the state file): Stripe's errors change nothing.
TEST_F(api_test, a_refused_confirm_changes_nothing) {
  auto succeeded = json(call("POST", "/v1/payment_intents", visa));
  const std::string id(succeeded["id"].as_string());
  auto refused = call("POST", "/v1/payment_intents/" + id + "/confirm",
                      "payment_method=pm_card_chargeDeclined&return_url=https://shop.example/r");
  EXPECT_EQ(refused.status, 400) << refused.body;
  EXPECT_EQ(json(call("GET", "/v1/payment_intents/" + id)), succeeded);

  auto redirecting = json(call("POST", "/v1/payment_intents", "amount=700&currency=usd"));
  const std::string redirecting_id(redirecting["id"].as_string());
  auto no_url = call("POST", "/v1/payment_intents/" + redirecting_id + "/confirm",
                     "payment_method=pm_card_visa");
  EXPECT_EQ(no_url.status, 400) << no_url.body;
  EXPECT_EQ(json(call("GET", "/v1/payment_intents/" + redirecting_id)), redirecting);
  auto confirmed = call("POST", "/v1/payment_intents/" + redirecting_id + "/confirm",
                        "payment_method=pm_card_visa&return_url=https://shop.example/r");
  ASSERT_EQ(confirmed.status, 200) << confirmed.body;
  EXPECT_EQ(json(confirmed)["payment_method"], "pm_card_visa");
  EXPECT_EQ(json(confirmed)["return_url"], "https://shop.example/r");
  EXPECT_EQ(json(confirmed)["status"], "succeeded");
}

// metadata[a][b]=x was dropped without a word: the intent was made without that pair, and as
// a list filter it matched every object instead of none.
TEST_F(api_test, nested_metadata_is_refused_not_dropped) {
  auto create = call("POST", "/v1/payment_intents", visa + "&metadata[order][id]=7", "nested");
  EXPECT_EQ(create.status, 400) << create.body;
  EXPECT_EQ(json(create)["error"].as_object()["param"], "metadata[order]");
  EXPECT_EQ(charges(), 0u);
  ASSERT_EQ(call("POST", "/v1/payment_intents", visa + "&metadata[order]=7").status, 200);
  auto filter = call("GET", "/v1/payment_intents?metadata[order][id]=8");
  EXPECT_EQ(filter.status, 400) << filter.body;
  auto payout = call("POST", "/v1/payouts", "amount=5&currency=usd&metadata[a][b]=c");
  EXPECT_EQ(payout.status, 400) << payout.body;
}

// `metadata[k]=` was stored as k: "": Stripe documents an empty value as unsetting the key,
// so a new object never has it, and a bare `metadata=` (unset all) leaves none.
TEST_F(api_test, an_empty_metadata_value_unsets_the_key_on_every_object) {
  auto intent = call("POST", "/v1/payment_intents", visa + "&metadata[kept]=1&metadata[unset]=");
  ASSERT_EQ(intent.status, 200) << intent.body;
  EXPECT_EQ(json(intent)["metadata"], (boost::json::object{{"kept", "1"}}));
  auto events = logic_.take_events();
  ASSERT_FALSE(events.empty());
  EXPECT_FALSE(boost::json::parse(events[0].body)
                   .at_pointer("/data/object/metadata")
                   .as_object()
                   .contains("unset"));
  auto charge = boost::json::parse(call("GET", "/_sim/charges").body).as_array().at(0);
  EXPECT_EQ(charge.at("metadata"), (boost::json::object{{"kept", "1"}}));

  auto payout = call("POST", "/v1/payouts", "amount=5&currency=usd&metadata[a]=&metadata[b]=2");
  ASSERT_EQ(payout.status, 200) << payout.body;
  EXPECT_EQ(json(payout)["metadata"], (boost::json::object{{"b", "2"}}));
  auto record = boost::json::parse(call("GET", "/_sim/payouts").body).as_array().at(0);
  EXPECT_EQ(record.at("metadata"), (boost::json::object{{"b", "2"}}));

  auto unset_all = call("POST", "/v1/payouts", "amount=5&currency=usd&metadata=");
  ASSERT_EQ(unset_all.status, 200) << unset_all.body;
  EXPECT_TRUE(json(unset_all)["metadata"].as_object().empty());
  auto only_empty = call("POST", "/v1/payment_intents", visa + "&metadata[unset]=");
  ASSERT_EQ(only_empty.status, 200) << only_empty.body;
  EXPECT_TRUE(json(only_empty)["metadata"].as_object().empty());
  // Nothing holds the key, so a search for it finds nothing.
  auto searched = json(call("GET", search_target("-metadata['unset']:''")));
  EXPECT_EQ(searched["data"].as_array().size(), 2u) << "both intents lack the key";
  searched = json(call("GET", search_target("metadata['unset']:''")));
  EXPECT_TRUE(searched["data"].as_array().empty());
}

// seconds x 1000 overflowed (undefined; in practice a silent no-op), and an offset near
// INT64_MAX overflowed the wall clock plus the offset: the clock stopped for good, so no key
// expired and no payout settled again. Advances past a century are now 400.
TEST_F(api_test, a_clock_advance_that_would_overflow_is_refused) {
  const auto huge = call("POST", "/_sim/clock/advance", "seconds=9223372036854775807");
  EXPECT_EQ(huge.status, 400) << huge.body;
  const auto at_the_limit = call("POST", "/_sim/clock/advance", "ms=9223372036854775807");
  EXPECT_EQ(at_the_limit.status, 400) << at_the_limit.body;
  ASSERT_EQ(call("POST", "/v1/payment_intents", visa, "still-ticking").status, 200);
  ASSERT_EQ(call("POST", "/_sim/clock/advance", "seconds=61").status, 200);
  EXPECT_EQ(
      header(call("POST", "/v1/payment_intents", visa, "still-ticking"), "Idempotent-Replayed"), "")
      << "the clock still moves and keys still expire";
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

TEST_F(api_test, list_is_newest_first_paged_and_search_filters_by_metadata) {
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
  auto even = json(call("GET", search_target("metadata['batch']:'even'")));
  ASSERT_EQ(even["data"].as_array().size(), 3u);
  EXPECT_EQ(even["has_more"], false);
  auto before = json(call("GET", "/v1/payment_intents?limit=1&ending_before=" + ids[1]));
  EXPECT_EQ(before["data"].as_array()[0].as_object().at("id").as_string(), ids[2]);
  EXPECT_EQ(before["has_more"], true);
  EXPECT_EQ(call("GET", "/v1/payment_intents?limit=101").status, 400);
  EXPECT_EQ(call("GET", "/v1/payment_intents?starting_after=pi_nope").status, 400);
}

// Both list routes answer an unknown cursor with resource_missing naming the object kind.
TEST_F(api_test, lists_page_newest_first_and_refuse_an_unknown_cursor) {
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i)
    ids.push_back(std::string(
        json(call("POST", "/v1/payouts", "amount=70" + std::to_string(i) + "&currency=usd"))["id"]
            .as_string()));
  auto next = json(call("GET", "/v1/payouts?limit=1&starting_after=" + ids[2]));
  ASSERT_EQ(next["data"].as_array().size(), 1u);
  EXPECT_EQ(next["data"].as_array()[0].as_object().at("id").as_string(), ids[1]);
  EXPECT_EQ(next["has_more"], true);
  EXPECT_EQ(next["url"], "/v1/payouts");
  for (const auto& [path, noun] :
       {std::pair{"/v1/payouts", "payout"}, std::pair{"/v1/payment_intents", "payment_intent"}}) {
    auto unknown = call("GET", std::string(path) + "?ending_before=nope_1");
    ASSERT_EQ(unknown.status, 400) << path;
    auto error = json(unknown)["error"].as_object();
    EXPECT_EQ(error["code"], "resource_missing");
    EXPECT_EQ(error["param"], "ending_before");
    EXPECT_EQ(error["message"].as_string(), std::string("No such ") + noun + ": 'nope_1'");
  }
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
  // Stripe has no payout search: a client filters the list (by `created`) itself.
  auto all = json(call("GET", "/v1/payouts"));
  ASSERT_EQ(std::count_if(all["data"].as_array().begin(), all["data"].as_array().end(),
                          [](const auto& p) {
                            const auto& metadata = p.as_object().at("metadata").as_object();
                            return metadata.contains("w") && metadata.at("w") == "1";
                          }),
            1);
  EXPECT_EQ(json(call("GET", "/v1/payouts?status=failed"))["data"].as_array().size(), 2u);
}

TEST_F(api_test, unknown_routes_are_404_in_stripe_shape) {
  auto reply = call("GET", "/v1/charges");
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(json(reply)["error"].as_object()["type"], "invalid_request_error");
}

}  // namespace
}  // namespace escrowd::processor_sim::testing
