// Money crossing the processor boundary over HTTP (api.md "Processor boundary") with the
// simulator that `escrowd serve` embeds: a top-up is 202 pending and then succeeded (funds
// available) or failed on a declined card (nothing credited); a withdrawal is 202 with the
// funds held at once (available -> pending_withdrawal) and then paid (hold gone) or failed
// (hold returned); withdrawing more than available is 409 insufficient_funds; keyed retries
// credit once. States are polled with a deadline.
#include "tests/api/api_fixture.hpp"

namespace escrowd::api_testing {
namespace {

class processor_api : public api_fixture {
 protected:
  api_response request_topup(const account_handle& account, std::int64_t amount,
                             std::string_view payment_method, std::string_view key = {}) {
    return client().post(
        "/v1/accounts/" + account.id + "/topups", account.key,
        body_of({{"amount", amount}, {"payment_method", std::string(payment_method)}}), key);
  }
  api_response request_withdrawal(const account_handle& account, std::int64_t amount,
                                  std::string_view destination) {
    return client().post("/v1/accounts/" + account.id + "/withdrawals", account.key,
                         body_of({{"amount", amount}, {"destination", std::string(destination)}}));
  }
};

TEST_F(processor_api, topup_is_202_pending_then_succeeded_and_available) {
  const auto account = create_account();
  const auto requested = request_topup(account, 2'500, "pm_card_visa");
  ASSERT_EQ(requested.status, 202u) << describe(requested);
  EXPECT_EQ(requested.text("object"), "topup");
  EXPECT_TRUE(requested.text("id").starts_with("top_")) << describe(requested);
  EXPECT_EQ(requested.text("status"), "pending");
  EXPECT_EQ(requested.integer("amount"), 2'500);
  EXPECT_GT(requested.integer("created_at"), 0);
  const auto settled = poll_status("/v1/topups/" + requested.text("id"), {"succeeded", "failed"});
  EXPECT_EQ(settled.text("status"), "succeeded") << describe(settled);
  EXPECT_EQ(balances_of(account.id), (balances{2'500, 0, 0, 0}));
  // The account may read its own top-up.
  EXPECT_EQ(client().get("/v1/topups/" + requested.text("id"), account.key).status, 200u);
}

TEST_F(processor_api, declined_card_topup_fails_and_credits_nothing) {
  const auto account = create_account();
  const auto requested = request_topup(account, 1'000, "pm_card_chargeDeclined");
  ASSERT_EQ(requested.status, 202u) << describe(requested);
  const auto settled = poll_status("/v1/topups/" + requested.text("id"), {"succeeded", "failed"});
  EXPECT_EQ(settled.text("status"), "failed") << describe(settled);
  EXPECT_EQ(balances_of(account.id), (balances{0, 0, 0, 0}));
}

TEST_F(processor_api, keyed_topup_retry_replays_and_credits_once) {
  const auto account = create_account();
  const auto key = unique_id("idem");
  const auto first = request_topup(account, 700, "pm_card_visa", key);
  ASSERT_EQ(first.status, 202u) << describe(first);
  const auto again = request_topup(account, 700, "pm_card_visa", key);
  EXPECT_EQ(again.status, 202u);
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(again.header("Idempotent-Replayed").value_or(""), "true");
  poll_status("/v1/topups/" + first.text("id"), {"succeeded", "failed"});
  EXPECT_EQ(balances_of(account.id), (balances{700, 0, 0, 0}));
}

TEST_F(processor_api, withdrawal_holds_at_once_then_is_paid) {
  const auto account = funded_account(5'000);
  const auto requested = request_withdrawal(account, 2'000, "ba_test_payout");
  ASSERT_EQ(requested.status, 202u) << describe(requested);
  EXPECT_EQ(requested.text("object"), "withdrawal");
  EXPECT_TRUE(requested.text("id").starts_with("wd_")) << describe(requested);
  EXPECT_EQ(requested.text("status"), "pending") << describe(requested);
  // Held at once: whatever the payout's progress, the money has left `available`.
  const auto held = balances_of(account.id);
  EXPECT_EQ(held.available, 3'000);
  const auto withdrawal_target = "/v1/withdrawals/" + requested.text("id");
  if (client().get(withdrawal_target, admin()).text("status") == "pending") {
    EXPECT_EQ(held.pending_withdrawal, 2'000) << held;
  }
  const auto settled = poll_status(withdrawal_target, {"paid", "failed"});
  EXPECT_EQ(settled.text("status"), "paid") << describe(settled);
  EXPECT_EQ(balances_of(account.id), (balances{3'000, 0, 0, 0}));
}

TEST_F(processor_api, failed_withdrawal_returns_the_hold) {
  const auto account = funded_account(1'000);
  const auto requested = request_withdrawal(account, 600, "ba_fail");
  ASSERT_EQ(requested.status, 202u) << describe(requested);
  EXPECT_EQ(balances_of(account.id).available, 400);
  const auto settled = poll_status("/v1/withdrawals/" + requested.text("id"), {"paid", "failed"});
  EXPECT_EQ(settled.text("status"), "failed") << describe(settled);
  EXPECT_EQ(balances_of(account.id), (balances{1'000, 0, 0, 0}));
}

TEST_F(processor_api, withdrawing_more_than_available_is_409_insufficient_funds) {
  const auto account = funded_account(500);
  expect_error(request_withdrawal(account, 501, "ba_test"), 409, "insufficient_funds");
  EXPECT_EQ(balances_of(account.id), (balances{500, 0, 0, 0}));
  // Escrowed money is not available either.
  ASSERT_FALSE(create_task(account, {}, 400, R"(,"fund":true)").empty());
  expect_error(request_withdrawal(account, 101, "ba_test"), 409, "insufficient_funds");
  EXPECT_EQ(balances_of(account.id), (balances{100, 400, 0, 0}));
}

TEST_F(processor_api, processor_requests_are_validated) {
  const auto account = create_account();
  const auto topups = "/v1/accounts/" + account.id + "/topups";
  const auto withdrawals = "/v1/accounts/" + account.id + "/withdrawals";
  expect_bad_request(client().post(topups, account.key, R"({"amount":0,"payment_method":"pm"})"),
                     "amount");
  expect_bad_request(client().post(topups, account.key, R"({"amount":10})"), "payment_method");
  expect_bad_request(
      client().post(withdrawals, account.key, R"({"amount":1.5,"destination":"ba_x"})"), "amount");
  expect_bad_request(client().post(withdrawals, account.key, R"({"amount":10})"), "destination");
  expect_error(client().post("/v1/accounts/" + unique_id("nobody") + "/topups", admin(),
                             R"({"amount":10,"payment_method":"pm_card_visa"})"),
               404, "not_found", "id");
  expect_error(client().get("/v1/topups/" + unique_id("top"), admin()), 404, "not_found");
  expect_error(client().get("/v1/withdrawals/" + unique_id("wd"), admin()), 404, "not_found");
}

TEST_F(processor_api, another_accounts_topups_and_withdrawals_are_hidden) {
  const auto owner = create_account();
  const auto stranger = create_account();
  const auto requested = request_topup(owner, 100, "pm_card_visa");
  ASSERT_EQ(requested.status, 202u) << describe(requested);
  expect_error(client().get("/v1/topups/" + requested.text("id"), stranger.key), 404, "not_found");
}

// The admin's retry and cancel of an operation that waits for reconciliation
// (docs/openapi.yaml): settled operations refuse both with invalid_state_transition,
// account keys may not use them, unknown ids are 404 and the body must be empty. (The
// transitions out of requires_reconciliation are tested where a processor can be made to
// lose track: tests/actors/gateway and tests/http/processor_client.)
TEST_F(processor_api, admin_retry_and_cancel_refuse_settled_operations) {
  const auto account = create_account();
  const auto topup = request_topup(account, 900, "pm_card_visa");
  ASSERT_EQ(topup.status, 202u) << describe(topup);
  const auto topup_path = "/v1/topups/" + topup.text("id");
  ASSERT_EQ(poll_status(topup_path, {"succeeded", "failed"}).text("status"), "succeeded");
  const auto withdrawal = request_withdrawal(account, 400, "ba_test_payout");
  ASSERT_EQ(withdrawal.status, 202u) << describe(withdrawal);
  const auto withdrawal_path = "/v1/withdrawals/" + withdrawal.text("id");
  ASSERT_EQ(poll_status(withdrawal_path, {"paid", "failed"}).text("status"), "paid");

  for (const auto& path : {topup_path, withdrawal_path}) {
    for (const char* action : {"/retry", "/cancel"}) {
      SCOPED_TRACE(path + action);
      expect_error(client().post(path + action, admin(), "{}"), 409, "invalid_state_transition");
      expect_error_shape(client().post(path + action, account.key, "{}"), 403);
      expect_bad_request(client().post(path + action, admin(), R"({"force":true})"), "force");
    }
  }
  // An unknown object named by the path is 404 with `param: id`, on every route.
  expect_error(client().post("/v1/topups/top_missing/retry", admin(), "{}"), 404, "not_found",
               "id");
  expect_error(client().post("/v1/withdrawals/wd_missing/cancel", admin(), "{}"), 404, "not_found",
               "id");
  EXPECT_EQ(balances_of(account.id), (balances{500, 0, 0, 0}));
}

}  // namespace
}  // namespace escrowd::api_testing
