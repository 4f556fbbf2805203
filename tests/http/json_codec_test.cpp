// Tests the HTTP layer's JSON codec against api.md's shapes: object names, integer minor
// units, nulls for absent fields, task history, entry legs and the error envelope.
#include "http/json_codec.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace escrowd::http {
namespace {

namespace json = boost::json;

currency usd() {
  return *currency::parse("usd");
}

TEST(json_codec, account_has_the_contract_fields) {
  account acct{"acct_1", usd(), "", 17, 1000, 5, 250, 40};
  const auto rendered = json::parse(account_body(acct)).as_object();
  EXPECT_EQ(rendered.at("object"), "account");
  EXPECT_EQ(rendered.at("id"), "acct_1");
  EXPECT_EQ(rendered.at("currency"), "usd");
  EXPECT_TRUE(rendered.at("owner").is_null());
  EXPECT_EQ(rendered.at("available").as_int64(), 1000);
  EXPECT_EQ(rendered.at("pending_withdrawal").as_int64(), 5);
  EXPECT_EQ(rendered.at("escrowed").as_int64(), 250);
  EXPECT_EQ(rendered.at("pending_topup").as_int64(), 40);
  EXPECT_EQ(rendered.at("created_at").as_int64(), 17);
}

// The exact bytes, in api.md's field order: stored idempotent responses replay them.
TEST(json_codec, an_account_renders_in_the_contract_order_without_spaces) {
  account acct{"acct_1", usd(), "owner \"q\"", 17, 1000, 5, 250, 40};
  EXPECT_EQ(account_body(acct),
            R"({"object":"account","id":"acct_1","currency":"usd","owner":"owner \"q\"",)"
            R"("available":1000,"escrowed":250,"pending_withdrawal":5,"pending_topup":40,)"
            R"("created_at":17})");
}

TEST(json_codec, task_renders_state_history_and_resolution) {
  task resolved;
  resolved.id = "task_1";
  resolved.payer = "payer";
  resolved.worker = "worker";
  resolved.amount = 900;
  resolved.currency = usd();
  resolved.state = task_state::resolved;
  resolved.worker_amount = 300;
  resolved.history = {{task_transition::create, task_state::open, 1, "payer"},
                      {task_transition::resolve, task_state::resolved, 9, "arbiter"}};
  const auto rendered = json::parse(task_body(resolved)).as_object();
  EXPECT_EQ(rendered.at("object"), "task");
  EXPECT_EQ(rendered.at("state"), "resolved");
  EXPECT_EQ(rendered.at("worker_amount").as_int64(), 300);
  ASSERT_EQ(rendered.at("history").as_array().size(), 2u);
  const auto& last = rendered.at("history").as_array()[1].as_object();
  EXPECT_EQ(last.at("transition"), "resolve");
  EXPECT_EQ(last.at("actor"), "arbiter");
  EXPECT_EQ(last.at("at").as_int64(), 9);

  resolved.state = task_state::funded;
  const auto funded = json::parse(task_body(resolved)).as_object();
  EXPECT_TRUE(funded.at("worker_amount").is_null());
}

TEST(json_codec, topup_and_withdrawal_name_their_instrument) {
  processor_operation top;
  top.kind = processor_kind::topup;
  top.id = "top_1";
  top.instrument = "pm_card_visa";
  auto rendered = json::parse(processor_operation_body(top)).as_object();
  EXPECT_EQ(rendered.at("object"), "topup");
  EXPECT_EQ(rendered.at("payment_method"), "pm_card_visa");
  EXPECT_EQ(rendered.at("status"), "pending");

  top.kind = processor_kind::withdrawal;
  rendered = json::parse(processor_operation_body(top)).as_object();
  EXPECT_EQ(rendered.at("object"), "withdrawal");
  EXPECT_EQ(rendered.at("destination"), "pm_card_visa");
  EXPECT_FALSE(rendered.contains("payment_method"));
}

TEST(json_codec, entry_lists_signed_legs) {
  const auto entry =
      transfer_entry(entry_kind::task_fund, "task_1", 5, available_book("payer", usd()),
                     escrow_book("task_1", usd()), 700);
  const auto rendered = entry_json(42, entry);
  EXPECT_EQ(rendered.at("id"), "entry_42");
  EXPECT_EQ(rendered.at("kind"), "task_fund");
  const auto& legs = rendered.at("legs").as_array();
  ASSERT_EQ(legs.size(), 2u);
  EXPECT_EQ(legs[0].as_object().at("book"), "available");
  EXPECT_EQ(legs[0].as_object().at("amount").as_int64(), -700);
  EXPECT_EQ(legs[1].as_object().at("book"), "escrow");
  EXPECT_EQ(legs[1].as_object().at("amount").as_int64(), 700);
}

TEST(json_codec, error_envelope_carries_type_code_and_param) {
  const auto rendered = error_json(error{error_code::amount_invalid, "amount"});
  const auto& body = rendered.at("error").as_object();
  EXPECT_EQ(body.at("type"), "invalid_request_error");
  EXPECT_EQ(body.at("code"), "amount_invalid");
  EXPECT_EQ(body.at("param"), "amount");
  EXPECT_FALSE(body.at("message").as_string().empty());

  const auto no_param = error_json(error{error_code::insufficient_funds, {}});
  EXPECT_FALSE(no_param.at("error").as_object().contains("param"));
  EXPECT_EQ(no_param.at("error").as_object().at("type"), "invalid_request_error");
  EXPECT_EQ(
      error_json(error{error_code::idempotency_key_reused, {}}).at("error").as_object().at("type"),
      "idempotency_error");
}

TEST(json_codec, error_message_is_the_refusals_own_unless_the_caller_words_it) {
  const error refused{error_code::insufficient_funds, {}, "The balance is 5, less than 9."};
  EXPECT_EQ(error_json(refused).at("error").as_object().at("message"),
            "The balance is 5, less than 9.");
  EXPECT_EQ(error_json(refused, "Worded by the caller.").at("error").as_object().at("message"),
            "Worded by the caller.");
  EXPECT_EQ(error_json(error{error_code::parameter_missing, "payer"})
                .at("error")
                .as_object()
                .at("message"),
            "Missing required parameter: payer.");
}

}  // namespace
}  // namespace escrowd::http
