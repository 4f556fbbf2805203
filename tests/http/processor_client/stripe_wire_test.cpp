// Tests the processor client's wire format without sockets: the processor URL, the exact
// requests (method, target, Authorization, Idempotency-Key, form body, query encoding) and the
// classification of every kind of answer Stripe gives, in the order Stripe's own client libraries
// decide (replayed 500 -> uncertain, Stripe-Should-Retry, 409/429/5xx retry, idempotency_error
// uncertain, declines final).
#include "http/processor_client/stripe_wire.hpp"

#include <gtest/gtest.h>

#include "actors/processor_payload.hpp"

namespace escrowd::processor_client {
namespace {

using actors::reply_kind;

client_identity identity() {
  return {"sk_test_123", "127.0.0.1:12111", "", "2024-06-20"};
}

std::string header(const wire_request& request, std::string_view name) {
  for (const auto& [field, value] : request.headers)
    if (field == name) return value;
  return "<absent>";
}

wire_answer answer(int status, std::string body,
                   std::vector<std::pair<std::string, std::string>> headers = {}) {
  wire_answer made;
  made.answered = true;
  made.status = status;
  made.body = std::move(body);
  made.headers = std::move(headers);
  return made;
}

constexpr std::string_view succeeded_intent =
    R"({"id":"pi_1","object":"payment_intent","amount":500,"currency":"usd",)"
    R"("status":"succeeded","metadata":{"escrowd_topup":"top_1"}})";

TEST(processor_url, http_https_ports_and_prefixes) {
  auto url = parse_processor_url("https://api.stripe.com");
  ASSERT_TRUE(url.has_value());
  EXPECT_TRUE(url->tls);
  EXPECT_EQ(url->host, "api.stripe.com");
  EXPECT_EQ(url->port, "443");
  EXPECT_EQ(url->path_prefix, "");
  url = parse_processor_url("http://127.0.0.1:12111/stripe/");
  ASSERT_TRUE(url.has_value());
  EXPECT_FALSE(url->tls);
  EXPECT_EQ(url->port, "12111");
  EXPECT_EQ(url->path_prefix, "/stripe");
  url = parse_processor_url("http://[::1]:8080");
  ASSERT_TRUE(url.has_value());
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->port, "8080");
  EXPECT_FALSE(parse_processor_url("ftp://x").has_value());
  EXPECT_FALSE(parse_processor_url("http://").has_value());
  EXPECT_FALSE(parse_processor_url("http://host:80x").has_value());
}

TEST(stripe_wire, a_create_carries_key_auth_and_the_outbox_bytes) {
  processor_operation topup;
  topup.kind = processor_kind::topup;
  topup.id = "top_1";
  topup.account_id = "acct 1";
  topup.amount = 500;
  topup.currency = *currency::parse("usd");
  topup.instrument = "pm_card_visa";
  const actors::processor_request request{processor_kind::topup, "topup:top_1:charge",
                                          actors::processor_request_payload(topup)};
  const auto wire = create_request(request, identity());
  EXPECT_EQ(wire.method, "POST");
  EXPECT_EQ(wire.target, "/v1/payment_intents");
  EXPECT_EQ(header(wire, "Authorization"), "Bearer sk_test_123");
  EXPECT_EQ(header(wire, "Idempotency-Key"), "topup:top_1:charge");
  EXPECT_EQ(header(wire, "Content-Type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(header(wire, "Host"), "127.0.0.1:12111");
  EXPECT_EQ(header(wire, "Stripe-Version"), "2024-06-20");
  EXPECT_EQ(wire.body,
            "amount=500&currency=usd&payment_method=pm_card_visa&confirm=true&"
            "payment_method_types%5B%5D=card&"
            "metadata%5Bescrowd_topup%5D=top_1&metadata%5Bescrowd_account%5D=acct%201");

  const actors::processor_request payout{processor_kind::withdrawal, "withdrawal:wd_1:payout",
                                         "amount=1"};
  auto prefixed = identity();
  prefixed.path_prefix = "/sim";
  EXPECT_EQ(create_request(payout, prefixed).target, "/sim/v1/payouts");
}

TEST(stripe_wire, reads_are_gets_without_a_key) {
  const auto retrieve = retrieve_request(processor_kind::withdrawal, "po_1", identity());
  EXPECT_EQ(retrieve.method, "GET");
  EXPECT_EQ(retrieve.target, "/v1/payouts/po_1");
  EXPECT_EQ(header(retrieve, "Idempotency-Key"), "<absent>");
  EXPECT_TRUE(retrieve.body.empty());
  const auto get = get_request("/v1/payouts?limit=1", identity());
  EXPECT_EQ(get.method, "GET");
  EXPECT_EQ(get.target, "/v1/payouts?limit=1");
  EXPECT_EQ(header(get, "Authorization"), "Bearer sk_test_123");
  EXPECT_EQ(list_request(processor_kind::topup, 0, "", 100, identity()).target,
            "/v1/payment_intents?limit=100");
  EXPECT_EQ(list_request(processor_kind::withdrawal, 0, "po_9", 100, identity()).target,
            "/v1/payouts?limit=100&starting_after=po_9");
  EXPECT_EQ(list_request(processor_kind::topup, 1'700'000'000, "pi_3", 100, identity()).target,
            "/v1/payment_intents?limit=100&created%5Bgte%5D=1700000000&starting_after=pi_3");
}

TEST(stripe_wire, no_answer_is_retryable) {
  wire_answer lost;
  lost.timed_out = true;
  auto reply = classify_create(processor_kind::topup, lost);
  EXPECT_EQ(reply.kind, reply_kind::retryable);
  EXPECT_EQ(reply.detail, "timeout");
  lost.timed_out = false;
  lost.transport_error = "Connection reset by peer";
  EXPECT_EQ(classify_create(processor_kind::topup, lost).kind, reply_kind::retryable);
}

TEST(stripe_wire, a_success_is_the_object) {
  const auto reply =
      classify_create(processor_kind::topup, answer(200, std::string(succeeded_intent)));
  EXPECT_EQ(reply.kind, reply_kind::object);
  ASSERT_TRUE(reply.object.has_value());
  EXPECT_EQ(reply.object->id, "pi_1");
  EXPECT_EQ(reply.object->status, "succeeded");
  EXPECT_EQ(classify_create(processor_kind::topup, answer(200, "{oops")).kind,
            reply_kind::uncertain);
  // A payout where a PaymentIntent was expected is not readable as the answer.
  EXPECT_EQ(
      classify_create(processor_kind::withdrawal, answer(200, std::string(succeeded_intent))).kind,
      reply_kind::uncertain);
}

TEST(stripe_wire, a_card_decline_is_final_with_its_decline_code) {
  const std::string body =
      R"({"error":{"type":"card_error","code":"card_declined","decline_code":"insufficient_funds",)"
      R"("message":"Your card has insufficient funds.","payment_intent":{"id":"pi_2",)"
      R"("object":"payment_intent","amount":500,"status":"requires_payment_method",)"
      R"("last_payment_error":{"code":"card_declined"},"metadata":{"escrowd_topup":"top_2"}}}})";
  for (bool replayed : {false, true}) {
    std::vector<std::pair<std::string, std::string>> headers{{"Stripe-Should-Retry", "false"}};
    if (replayed) headers.emplace_back("Idempotent-Replayed", "true");
    const auto reply = classify_create(processor_kind::topup, answer(402, body, headers));
    EXPECT_EQ(reply.kind, reply_kind::declined);
    EXPECT_EQ(reply.failure_code, "insufficient_funds");
    EXPECT_EQ(reply.failure_message, "Your card has insufficient funds.");
    ASSERT_TRUE(reply.object.has_value());
    EXPECT_EQ(reply.object->id, "pi_2");
  }
}

TEST(stripe_wire, server_errors_retry_until_replayed) {
  const std::string body = R"({"error":{"type":"api_error","message":"boom"}})";
  const auto first =
      classify_create(processor_kind::topup, answer(500, body, {{"Stripe-Should-Retry", "true"}}));
  EXPECT_EQ(first.kind, reply_kind::retryable);
  EXPECT_EQ(classify_create(processor_kind::topup, answer(503, "")).kind, reply_kind::retryable);
  const auto replayed = classify_create(
      processor_kind::topup,
      answer(500, body, {{"stripe-should-retry", "true"}, {"idempotent-replayed", "true"}}));
  EXPECT_EQ(replayed.kind, reply_kind::uncertain);
  EXPECT_NE(replayed.detail.find("replayed"), std::string::npos);
  EXPECT_TRUE(replayed.failure_saved_under_key);
  // A 5xx the processor says not to retry: something may have happened, and the key may
  // still be running there.
  const auto not_to_retry =
      classify_create(processor_kind::topup, answer(500, body, {{"Stripe-Should-Retry", "false"}}));
  EXPECT_EQ(not_to_retry.kind, reply_kind::uncertain);
  EXPECT_FALSE(not_to_retry.failure_saved_under_key);
}

TEST(stripe_wire, conflicts_and_rate_limits_are_retried_and_rate_limits_slow_down) {
  const auto in_use = classify_create(
      processor_kind::topup,
      answer(409, R"({"error":{"type":"invalid_request_error","code":"idempotency_key_in_use"}})",
             {{"Stripe-Should-Retry", "true"}}));
  EXPECT_EQ(in_use.kind, reply_kind::retryable);
  EXPECT_FALSE(in_use.rate_limited);

  const auto limited = classify_create(
      processor_kind::topup,
      answer(429, R"({"error":{"type":"invalid_request_error","code":"rate_limit"}})",
             {{"Retry-After", "1"}, {"Stripe-Rate-Limited-Reason", "global-rate"}}));
  EXPECT_EQ(limited.kind, reply_kind::retryable);
  EXPECT_TRUE(limited.rate_limited);
  EXPECT_EQ(limited.retry_after, std::chrono::seconds(1));

  const auto locked = classify_create(
      processor_kind::topup,
      answer(429, R"({"error":{"type":"invalid_request_error","code":"lock_timeout"}})",
             {{"Retry-After", "1"}, {"Stripe-Should-Retry", "true"}}));
  EXPECT_EQ(locked.kind, reply_kind::retryable);
  EXPECT_FALSE(locked.rate_limited);
}

TEST(stripe_wire, an_idempotency_error_is_uncertain_and_invalid_requests_are_declined) {
  EXPECT_EQ(classify_create(processor_kind::topup,
                            answer(400, R"({"error":{"type":"idempotency_error"}})"))
                .kind,
            reply_kind::uncertain);
  const auto invalid = classify_create(
      processor_kind::withdrawal,
      answer(400, R"({"error":{"type":"invalid_request_error","code":"resource_missing",)"
                  R"("param":"destination","message":"No such external account"}})"));
  EXPECT_EQ(invalid.kind, reply_kind::declined);
  EXPECT_EQ(invalid.failure_code, "resource_missing");
  // Our configuration, not the customer's request: keep trying.
  EXPECT_EQ(classify_create(processor_kind::topup, answer(401, "")).kind, reply_kind::retryable);
  EXPECT_EQ(classify_create(processor_kind::topup, answer(404, "")).kind, reply_kind::retryable);
}

TEST(stripe_wire, retry_after_is_whole_seconds) {
  EXPECT_EQ(retry_after(answer(429, "", {{"Retry-After", "7"}})), std::chrono::seconds(7));
  EXPECT_EQ(retry_after(answer(429, "", {{"Retry-After", "soon"}})), std::chrono::seconds(0));
  EXPECT_EQ(retry_after(answer(429, "")), std::chrono::seconds(0));
  EXPECT_EQ(retry_after(answer(429, "", {{"Retry-After", "99999999"}})), std::chrono::hours(1));
}

TEST(stripe_wire, lookups_and_lists) {
  auto found = classify_retrieve(processor_kind::topup, answer(200, std::string(succeeded_intent)));
  EXPECT_TRUE(found.answered);
  ASSERT_EQ(found.objects.size(), 1u);
  found = classify_retrieve(processor_kind::topup, answer(404, "{}"));
  EXPECT_TRUE(found.answered);
  EXPECT_TRUE(found.objects.empty());
  EXPECT_FALSE(classify_retrieve(processor_kind::topup, answer(500, "{}")).answered);

  const std::string list =
      R"({"object":"list","has_more":true,"data":[)" + std::string(succeeded_intent) +
      R"(,{"id":"pi_9","object":"payment_intent","amount":1,"status":"succeeded",)"
      R"("metadata":{"escrowd_topup":"top_9"}}]})";
  const auto matching = classify_find(processor_kind::topup, "top_1", answer(200, list));
  EXPECT_TRUE(matching.answered);
  ASSERT_EQ(matching.objects.size(), 1u);  // top_9's object is not top_1's
  EXPECT_EQ(matching.objects[0].id, "pi_1");
  EXPECT_FALSE(classify_find(processor_kind::topup, "top_1", answer(400, "{}")).answered);

  const auto page = classify_list(processor_kind::topup, answer(200, list));
  EXPECT_TRUE(page.answered);
  EXPECT_TRUE(page.has_more);
  EXPECT_EQ(page.objects.size(), 2u);
  EXPECT_FALSE(classify_list(processor_kind::topup, answer(200, "[]")).answered);
}

}  // namespace
}  // namespace escrowd::processor_client
