// Audit and operations endpoints over HTTP (api.md "Audit and operations"): /healthz and
// /readyz answer without a key, /metrics is Prometheus text, GET /v1/ledger/verify reports
// {ok, accounts_checked, entries_checked, problems[]} and stays ok after money moved,
// GET /v1/reconciliation answers the admin, a Request-Id is on every response and unique,
// and the processor webhook refuses unsigned or badly signed events.
#include <ctime>
#include <set>

#include "tests/api/api_fixture.hpp"

namespace escrowd::api_testing {
namespace {

class operations_api : public api_fixture {};

TEST_F(operations_api, health_and_readiness_answer_200_without_a_key) {
  const auto alive = client().get("/healthz", "");
  EXPECT_EQ(alive.status, 200u) << describe(alive);
  EXPECT_TRUE(alive.header("Request-Id").has_value());
  const auto ready = client().get("/readyz", "");
  EXPECT_EQ(ready.status, 200u) << describe(ready);
  EXPECT_TRUE(ready.header("Request-Id").has_value());
}

TEST_F(operations_api, metrics_are_prometheus_text) {
  const auto metrics = client().get("/metrics", admin());
  ASSERT_EQ(metrics.status, 200u) << describe(metrics);
  EXPECT_TRUE(metrics.header("Content-Type").value_or("").starts_with("text/plain"))
      << metrics.header("Content-Type").value_or("no Content-Type");
  EXPECT_NE(metrics.body.find("# TYPE "), std::string::npos) << metrics.body.substr(0, 300);
}

TEST_F(operations_api, ledger_verify_reports_ok_with_counts_after_money_moved) {
  const auto payer = funded_account(3'000);
  const auto worker = create_account();
  const auto task = create_task(payer, worker, 1'000, R"(,"fund":true)");
  transition(task, "submit", worker.key);
  transition(task, "approve", payer.key);
  const auto verified = client().get("/v1/ledger/verify", admin());
  ASSERT_EQ(verified.status, 200u) << describe(verified);
  const auto& top = verified.json.as_object();
  EXPECT_EQ(top.at("ok"), true) << verified.body;
  EXPECT_GE(verified.integer("accounts_checked"), 2) << verified.body;
  EXPECT_GE(verified.integer("entries_checked"), 3) << verified.body;
  ASSERT_TRUE(top.contains("problems") && top.at("problems").is_array()) << verified.body;
  EXPECT_TRUE(top.at("problems").as_array().empty()) << verified.body;
}

TEST_F(operations_api, reconciliation_answers_the_admin) {
  const auto reconciled = client().get("/v1/reconciliation", admin());
  EXPECT_EQ(reconciled.status, 200u) << describe(reconciled);
  EXPECT_TRUE(reconciled.json.is_object()) << reconciled.body;
}

TEST_F(operations_api, every_response_has_its_own_request_id) {
  const auto account = create_account();
  std::vector<api_response> responses;
  responses.push_back(client().get("/healthz", ""));
  responses.push_back(client().get("/v1/accounts/" + account.id, admin()));
  responses.push_back(client().post("/v1/accounts", admin(), "{"));
  responses.push_back(client().get("/v1/accounts/" + account.id, ""));
  responses.push_back(client().post("/v1/accounts", account.key, R"({"currency":"usd"})"));
  responses.push_back(client().get("/v1/tasks/" + unique_id("missing"), admin()));
  responses.push_back(
      client().send_unlisted("GET", "/v1/unknown/route", std::nullopt, {.key = admin()}));
  responses.push_back(
      client().send_unlisted("PATCH", "/v1/accounts/" + account.id, "{}", {.key = admin()}));
  std::set<std::string> seen;
  for (const auto& response : responses) {
    const auto id = response.header("Request-Id");
    ASSERT_TRUE(id.has_value() && !id->empty()) << describe(response);
    EXPECT_TRUE(seen.insert(*id).second) << "Request-Id reused: " << *id;
  }
  // The unknown route: 404 in the error envelope.
  expect_error_shape(responses[6], 404);
}

TEST_F(operations_api, webhooks_without_a_valid_stripe_signature_are_400) {
  const auto event = R"({"id":"evt_forged","type":"payment_intent.succeeded","data":{}})";
  const auto unsigned_event =
      client().send("POST", "/v1/processor/webhooks", std::string_view(event), {});
  expect_error_shape(unsigned_event, 400);
  const auto forged =
      client().send("POST", "/v1/processor/webhooks", std::string_view(event),
                    {.extra_headers = "Stripe-Signature: t=" + std::to_string(std::time(nullptr)) +
                                      ",v1=" + std::string(64, '0') + "\r\n"});
  expect_error_shape(forged, 400);
}

}  // namespace
}  // namespace escrowd::api_testing
