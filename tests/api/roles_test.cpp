// Authentication and roles (api.md "Authentication and roles") against the real escrowd:
// every way to be unauthenticated (401 authentication_error), each admin-only endpoint
// refused to account and arbiter keys (403 permission_error), the payer/worker split on a
// task (403 to the party that may see the task but not act), and the 404-not-403 rule: an
// account key gets for another account's objects exactly what it gets for objects that do
// not exist.
#include "tests/api/api_fixture.hpp"

namespace escrowd::api_testing {
namespace {

class roles_api : public api_fixture {
 protected:
  std::string arbiter_key() {
    const auto created = client().post("/v1/keys", admin(), R"({"role":"arbiter"})");
    EXPECT_EQ(created.status, 201u) << describe(created);
    return created.text("key");
  }
};

// Same status and error code: the response does not tell the two cases apart.
void expect_same_answer(const api_response& hidden, const api_response& missing) {
  EXPECT_EQ(hidden.status, missing.status) << describe(hidden) << " vs " << describe(missing);
  EXPECT_EQ(hidden.error_code(), missing.error_code())
      << describe(hidden) << " vs " << describe(missing);
}

TEST_F(roles_api, missing_malformed_unknown_and_revoked_keys_are_401) {
  const auto account = create_account();
  const auto target = "/v1/accounts/" + account.id;
  expect_error_shape(client().send("GET", target, std::nullopt, {}), 401);
  expect_error_shape(client().get(target, "sk_not_a_key_of_this_server"), 401);
  expect_error_shape(
      client().send("GET", target, std::nullopt,
                    {.extra_headers = "Authorization: Basic " + account.key + "\r\n"}),
      401);
  expect_error_shape(
      client().send("GET", target, std::nullopt, {.extra_headers = "Authorization: Bearer\r\n"}),
      401);
  expect_error_shape(
      client().send("GET", target, std::nullopt, {.extra_headers = "Authorization: Bearer   \r\n"}),
      401);
  expect_error_shape(
      client().send("GET", target, std::nullopt,
                    {.extra_headers = "Authorization: Bearerx " + account.key + "\r\n"}),
      401);
  // The scheme is case-insensitive (RFC 9110 11.1), and more than one space may follow it.
  for (const std::string scheme : {"bearer ", "BEARER ", "Bearer   "}) {
    EXPECT_EQ(client()
                  .send("GET", target, std::nullopt,
                        {.extra_headers = "Authorization: " + scheme + account.key + "\r\n"})
                  .status,
              200u)
        << scheme;
  }
  expect_error_shape(client().post("/v1/accounts", "", R"({"currency":"usd"})"), 401);
  expect_error_shape(client().post("/v1/tasks", "wrong", "{}"), 401);
  ASSERT_EQ(client().del("/v1/keys/" + account.key_id, admin()).status, 200u);
  expect_error_shape(client().get(target, account.key), 401);
}

// Two Authorization headers: which principal was meant is unknown, so neither is used
// (whichever comes first, the valid one included).
TEST_F(roles_api, two_authorization_headers_are_400_in_either_order) {
  const auto account = create_account();
  const auto target = "/v1/accounts/" + account.id;
  for (const auto& [first, second] : {std::pair{admin(), std::string("sk_unknown")},
                                      std::pair{std::string("sk_unknown"), admin()}}) {
    const auto answer =
        client().send("GET", target, std::nullopt,
                      {.extra_headers = "Authorization: Bearer " + first +
                                        "\r\nAuthorization: Bearer " + second + "\r\n"});
    expect_error(answer, 400, "parameter_invalid", "Authorization");
  }
}

TEST_F(roles_api, admin_only_endpoints_are_403_to_account_and_arbiter_keys) {
  const auto account = create_account();
  const auto arbiter = arbiter_key();
  for (const auto& key : {account.key, arbiter}) {
    expect_error_shape(client().post("/v1/accounts", key, R"({"currency":"usd"})"), 403);
    expect_error_shape(client().post("/v1/keys", key, R"({"role":"admin"})"), 403);
    expect_error_shape(client().post("/v1/accounts/" + account.id + "/keys", key, "{}"), 403);
    expect_error_shape(client().del("/v1/keys/" + account.key_id, key), 403);
    expect_error_shape(client().get("/v1/ledger/verify", key), 403);
    expect_error_shape(client().get("/v1/reconciliation", key), 403);
  }
  // Nothing was revoked by the refused DELETEs.
  EXPECT_EQ(client().get("/v1/accounts/" + account.id, account.key).status, 200u);
}

TEST_F(roles_api, another_accounts_objects_look_exactly_like_missing_ones) {
  const auto mine = create_account();
  const auto other = funded_account(5'000);
  const auto task = create_task(other, create_account(), 1'000, R"(,"fund":true)");
  ASSERT_FALSE(task.empty());
  const auto nobody = unique_id("missing");

  const auto account_hidden = client().get("/v1/accounts/" + other.id, mine.key);
  expect_error(account_hidden, 404, "not_found", "id");
  expect_same_answer(account_hidden, client().get("/v1/accounts/" + nobody, mine.key));
  expect_same_answer(client().get("/v1/accounts/" + other.id + "/entries", mine.key),
                     client().get("/v1/accounts/" + nobody + "/entries", mine.key));
  expect_same_answer(client().post("/v1/accounts/" + other.id + "/topups", mine.key,
                                   R"({"amount":100,"payment_method":"pm_card_visa"})"),
                     client().post("/v1/accounts/" + nobody + "/topups", mine.key,
                                   R"({"amount":100,"payment_method":"pm_card_visa"})"));
  expect_same_answer(client().post("/v1/accounts/" + other.id + "/withdrawals", mine.key,
                                   R"({"amount":100,"destination":"ba_test"})"),
                     client().post("/v1/accounts/" + nobody + "/withdrawals", mine.key,
                                   R"({"amount":100,"destination":"ba_test"})"));

  const auto task_hidden = client().get("/v1/tasks/" + task, mine.key);
  expect_error(task_hidden, 404, "not_found", "id");
  expect_same_answer(task_hidden, client().get("/v1/tasks/" + nobody, mine.key));
  for (const auto* name : {"fund", "submit", "approve", "cancel"}) {
    const auto transition_hidden = client().post("/v1/tasks/" + task + "/" + name, mine.key, "{}");
    // The object the path names is `param: id`, as on every route.
    expect_error(transition_hidden, 404, "not_found", "id");
    expect_same_answer(transition_hidden,
                       client().post("/v1/tasks/" + nobody + "/" + name, mine.key, "{}"));
  }
  expect_same_answer(
      client().post("/v1/tasks/" + task + "/dispute", mine.key, R"({"reason":"x"})"),
      client().post("/v1/tasks/" + nobody + "/dispute", mine.key, R"({"reason":"x"})"));
  // Creating a task paid by somebody else answers as for a payer that does not exist.
  const auto paid_by_other = client().post(
      "/v1/tasks", mine.key, body_of({{"payer", other.id}, {"amount", 100}, {"currency", "usd"}}));
  EXPECT_TRUE(paid_by_other.status == 403 || paid_by_other.status == 404)
      << describe(paid_by_other);
  expect_same_answer(
      paid_by_other,
      client().post("/v1/tasks", mine.key,
                    body_of({{"payer", nobody}, {"amount", 100}, {"currency", "usd"}})));
  // Nothing moved.
  EXPECT_EQ(balances_of(other.id), (balances{4'000, 1'000, 0, 0}));
  EXPECT_EQ(task_state(task), "funded");
}

TEST_F(roles_api, payer_and_worker_may_each_do_only_their_own_transitions) {
  const auto payer = funded_account(5'000);
  const auto worker = create_account();
  const auto task = create_task(payer, worker, 1'000);
  ASSERT_FALSE(task.empty());
  // Both parties may read the task.
  EXPECT_EQ(client().get("/v1/tasks/" + task, worker.key).status, 200u);
  EXPECT_EQ(client().get("/v1/tasks/" + task, payer.key).status, 200u);
  // The worker may not read the payer's account (nor the payer the worker's).
  expect_error(client().get("/v1/accounts/" + payer.id, worker.key), 404, "not_found");
  expect_error(client().get("/v1/accounts/" + worker.id, payer.key), 404, "not_found");

  expect_error_shape(client().post("/v1/tasks/" + task + "/fund", worker.key, "{}"), 403);
  transition(task, "fund", payer.key);
  expect_error_shape(client().post("/v1/tasks/" + task + "/cancel", worker.key, "{}"), 403);
  expect_error_shape(client().post("/v1/tasks/" + task + "/submit", payer.key, "{}"), 403);
  transition(task, "submit", worker.key);
  expect_error_shape(client().post("/v1/tasks/" + task + "/approve", worker.key, "{}"), 403);
  expect_error_shape(
      client().post("/v1/tasks/" + task + "/dispute", worker.key, R"({"reason":"x"})"), 403);
  transition(task, "dispute", payer.key, R"({"reason":"late"})");
  for (const auto& key : {payer.key, worker.key}) {
    expect_error_shape(
        client().post("/v1/tasks/" + task + "/resolve", key, R"({"worker_amount":1000})"), 403);
  }
  EXPECT_EQ(task_state(task), "disputed");
}

TEST_F(roles_api, arbiter_reads_anything_resolves_and_does_nothing_else) {
  const auto arbiter = arbiter_key();
  const auto payer = funded_account(5'000);
  const auto worker = create_account();
  const auto task = create_task(payer, worker, 1'000, R"(,"fund":true)");
  ASSERT_FALSE(task.empty());
  EXPECT_EQ(client().get("/v1/accounts/" + payer.id, arbiter).status, 200u);
  EXPECT_EQ(client().get("/v1/accounts/" + payer.id + "/entries", arbiter).status, 200u);
  EXPECT_EQ(client().get("/v1/tasks/" + task, arbiter).status, 200u);

  expect_error_shape(
      client().post("/v1/tasks", arbiter,
                    body_of({{"payer", payer.id}, {"amount", 100}, {"currency", "usd"}})),
      403);
  expect_error_shape(client().post("/v1/tasks/" + task + "/submit", arbiter, "{}"), 403);
  expect_error_shape(client().post("/v1/accounts/" + payer.id + "/topups", arbiter,
                                   R"({"amount":100,"payment_method":"pm_card_visa"})"),
                     403);
  transition(task, "submit", worker.key);
  expect_error_shape(client().post("/v1/tasks/" + task + "/approve", arbiter, "{}"), 403);
  transition(task, "dispute", payer.key, R"({"reason":"not done"})");
  const auto resolved = transition(task, "resolve", arbiter, R"({"worker_amount":250})");
  EXPECT_EQ(resolved.text("state"), "resolved") << describe(resolved);
}

TEST_F(roles_api, admin_may_act_on_any_task) {
  const auto payer = funded_account(2'000);
  const auto worker = create_account();
  const auto task = create_task(payer, worker, 700);
  ASSERT_FALSE(task.empty());
  transition(task, "fund", admin());
  transition(task, "submit", admin());
  EXPECT_EQ(transition(task, "approve", admin()).text("state"), "released");
  EXPECT_EQ(balances_of(worker.id).available, 700);
}

}  // namespace
}  // namespace escrowd::api_testing
