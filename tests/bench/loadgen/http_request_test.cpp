// How the escrowd driver maps each logical operation to a v1 API request (api.md): method,
// path, JSON body and the key it is sent with; and the target URL it accepts.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <stdexcept>

#include "bench/loadgen/http_driver.hpp"

namespace escrowd::loadgen {
namespace {

boost::json::object body_of(const client::api_request& request) {
  return boost::json::parse(request.body).as_object();
}

TEST(HttpRequest, CreateTaskCarriesEveryFieldAndTheFundFlag) {
  operation op;
  op.kind = op_kind::create_task;
  op.principal = "payer-key";
  op.task = "t1";
  op.payer = "a1";
  op.worker = "a2";
  op.amount = 1250;
  const auto request = to_api_request(op);
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.target, "/v1/tasks");
  EXPECT_EQ(request.api_key, "payer-key");
  const auto body = body_of(request);
  EXPECT_EQ(body.at("id").as_string(), "t1");
  EXPECT_EQ(body.at("payer").as_string(), "a1");
  EXPECT_EQ(body.at("worker").as_string(), "a2");
  EXPECT_EQ(body.at("amount").as_int64(), 1250);
  EXPECT_EQ(body.at("currency").as_string(), "usd");
  EXPECT_TRUE(body.at("fund").as_bool());
  op.fund = false;
  EXPECT_FALSE(body_of(to_api_request(op)).contains("fund"));
}

TEST(HttpRequest, TransitionsPostToTheirVerb) {
  operation op;
  op.task = "t9";
  const std::pair<op_kind, const char*> verbs[] = {
      {op_kind::fund_task, "fund"},       {op_kind::submit_task, "submit"},
      {op_kind::approve_task, "approve"}, {op_kind::dispute_task, "dispute"},
      {op_kind::resolve_task, "resolve"}, {op_kind::cancel_task, "cancel"}};
  for (const auto& [kind, verb] : verbs) {
    op.kind = kind;
    const auto request = to_api_request(op);
    EXPECT_EQ(request.method, "POST");
    EXPECT_EQ(request.target, std::string{"/v1/tasks/t9/"} + verb);
  }
  op.kind = op_kind::resolve_task;
  op.worker_amount = 40;
  EXPECT_EQ(body_of(to_api_request(op)).at("worker_amount").as_int64(), 40);
  op.kind = op_kind::dispute_task;
  EXPECT_FALSE(body_of(to_api_request(op)).at("reason").as_string().empty());
}

TEST(HttpRequest, MoneyInAndOutUseTheSimulatorsTestInstruments) {
  operation op;
  op.account = "a3";
  op.amount = 700;
  op.kind = op_kind::topup;
  auto request = to_api_request(op);
  EXPECT_EQ(request.target, "/v1/accounts/a3/topups");
  EXPECT_EQ(body_of(request).at("payment_method").as_string(), "pm_card_visa");
  op.kind = op_kind::withdraw;
  request = to_api_request(op);
  EXPECT_EQ(request.target, "/v1/accounts/a3/withdrawals");
  EXPECT_EQ(body_of(request).at("amount").as_int64(), 700);
}

TEST(HttpRequest, ReadsAreGets) {
  operation op;
  op.account = "a1";
  op.task = "t1";
  op.object = "top_1";
  const std::pair<op_kind, const char*> reads[] = {{op_kind::get_account, "/v1/accounts/a1"},
                                                   {op_kind::get_task, "/v1/tasks/t1"},
                                                   {op_kind::get_topup, "/v1/topups/top_1"},
                                                   {op_kind::verify_ledger, "/v1/ledger/verify"}};
  for (const auto& [kind, target] : reads) {
    op.kind = kind;
    const auto request = to_api_request(op);
    EXPECT_EQ(request.method, "GET");
    EXPECT_EQ(request.target, target);
    EXPECT_FALSE(request.is_write());
  }
}

TEST(HttpRequest, ParsesOnlyHttpHostPort) {
  std::string host;
  std::uint16_t port = 0;
  parse_http_url("http://127.0.0.1:8080", host, port);
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 8080);
  parse_http_url("http://localhost:1/", host, port);
  EXPECT_EQ(host, "localhost");
  EXPECT_EQ(port, 1);
  EXPECT_THROW(parse_http_url("https://x:1", host, port), std::invalid_argument);
  EXPECT_THROW(parse_http_url("http://x", host, port), std::invalid_argument);
  EXPECT_THROW(parse_http_url("http://x:70000", host, port), std::invalid_argument);
}

}  // namespace
}  // namespace escrowd::loadgen
