// Accounts and keys over HTTP against the real escrowd (api.md "Accounts"): 201 shapes,
// the account object with its four balances, server-made ids, account keys shown once and
// usable at once, admin/arbiter keys, revocation, and the rejections of bad input.
#include <ctime>

#include "tests/api/api_fixture.hpp"

namespace escrowd::api_testing {
namespace {

class accounts_api : public api_fixture {};

void expect_fresh_account(const api_response& response, std::string_view currency) {
  EXPECT_EQ(response.text("object"), "account") << describe(response);
  EXPECT_EQ(response.text("currency"), currency) << describe(response);
  EXPECT_EQ(response.integer("available"), 0) << describe(response);
  EXPECT_EQ(response.integer("escrowed"), 0) << describe(response);
  EXPECT_EQ(response.integer("pending_withdrawal"), 0) << describe(response);
  EXPECT_EQ(response.integer("pending_topup"), 0) << describe(response);
  const auto now = static_cast<std::int64_t>(std::time(nullptr));
  EXPECT_GE(response.integer("created_at"), now - 120) << describe(response);
  EXPECT_LE(response.integer("created_at"), now + 120) << describe(response);
}

TEST_F(accounts_api, create_with_client_id_returns_201_account_and_get_returns_the_same) {
  const auto id = unique_id("acct");
  const auto created = client().post("/v1/accounts", admin(),
                                     body_of({{"id", id}, {"currency", "eur"}, {"owner", "ada"}}));
  ASSERT_EQ(created.status, 201u) << describe(created);
  EXPECT_EQ(created.text("id"), id);
  EXPECT_EQ(created.text("owner"), "ada") << describe(created);
  expect_fresh_account(created, "eur");

  const auto found = client().get("/v1/accounts/" + id, admin());
  ASSERT_EQ(found.status, 200u) << describe(found);
  EXPECT_EQ(found.json, created.json) << "GET differs from the 201 body: " << found.body;
}

TEST_F(accounts_api, server_made_account_id_carries_the_acct_prefix) {
  const auto created = client().post("/v1/accounts", admin(), R"({"currency":"usd"})");
  ASSERT_EQ(created.status, 201u) << describe(created);
  EXPECT_TRUE(created.text("id").starts_with("acct_")) << describe(created);
  expect_fresh_account(created, "usd");
  EXPECT_EQ(client().get("/v1/accounts/" + created.text("id"), admin()).status, 200u);
}

TEST_F(accounts_api, duplicate_client_id_is_rejected_and_leaves_the_first_account) {
  const auto id = unique_id("acct");
  ASSERT_EQ(
      client().post("/v1/accounts", admin(), body_of({{"id", id}, {"currency", "usd"}})).status,
      201u);
  const auto again =
      client().post("/v1/accounts", admin(), body_of({{"id", id}, {"currency", "eur"}}));
  // api.md names no code or status; 400 (Stripe's resource_already_exists) and 409 (a
  // conflict with an existing object) are both conventional. It must name the id.
  EXPECT_TRUE(again.status == 400 || again.status == 409) << describe(again);
  expect_error_shape(again, again.status);
  EXPECT_EQ(again.error_param(), "id") << describe(again);
  EXPECT_EQ(client().get("/v1/accounts/" + id, admin()).text("currency"), "usd");
}

TEST_F(accounts_api, unknown_account_is_404_not_found) {
  expect_error(client().get("/v1/accounts/" + unique_id("nobody"), admin()), 404, "not_found");
}

TEST_F(accounts_api, account_key_is_201_with_id_and_secret_and_acts_as_the_account_at_once) {
  const auto account = create_account();
  ASSERT_FALSE(account.key.empty());
  ASSERT_FALSE(account.key_id.empty());
  EXPECT_NE(account.key, account.key_id) << "the key id must not be the secret";
  const auto own = client().get("/v1/accounts/" + account.id, account.key);
  EXPECT_EQ(own.status, 200u) << describe(own);
  EXPECT_EQ(own.text("id"), account.id);
  // A second key is another secret; both work.
  const auto second = client().post("/v1/accounts/" + account.id + "/keys", admin(), "{}");
  ASSERT_EQ(second.status, 201u) << describe(second);
  EXPECT_NE(second.text("key"), account.key);
  EXPECT_NE(second.text("id"), account.key_id);
  EXPECT_EQ(client().get("/v1/accounts/" + account.id, second.text("key")).status, 200u);
  EXPECT_EQ(client().get("/v1/accounts/" + account.id, account.key).status, 200u);
}

TEST_F(accounts_api, key_for_an_unknown_account_is_404) {
  expect_error(client().post("/v1/accounts/" + unique_id("nobody") + "/keys", admin(), "{}"), 404,
               "not_found");
}

TEST_F(accounts_api, admin_and_arbiter_keys_are_201_with_their_role) {
  const auto arbiter = client().post("/v1/keys", admin(), R"({"role":"arbiter"})");
  ASSERT_EQ(arbiter.status, 201u) << describe(arbiter);
  EXPECT_EQ(arbiter.text("role"), "arbiter");
  EXPECT_FALSE(arbiter.text("id").empty());
  EXPECT_FALSE(arbiter.text("key").empty());

  const auto second_admin = client().post("/v1/keys", admin(), R"({"role":"admin"})");
  ASSERT_EQ(second_admin.status, 201u) << describe(second_admin);
  EXPECT_EQ(second_admin.text("role"), "admin");
  // The new admin key can do admin things; the arbiter key cannot.
  EXPECT_EQ(client().post("/v1/accounts", second_admin.text("key"), R"({"currency":"usd"})").status,
            201u);
  expect_error_shape(client().post("/v1/accounts", arbiter.text("key"), R"({"currency":"usd"})"),
                     403);
}

TEST_F(accounts_api, key_role_must_be_admin_or_arbiter) {
  expect_bad_request(client().post("/v1/keys", admin(), R"({"role":"superuser"})"), "role");
  expect_bad_request(client().post("/v1/keys", admin(), "{}"), "role");
}

TEST_F(accounts_api, revoked_keys_are_refused_at_once_and_unknown_keys_are_404) {
  const auto account = create_account();
  const auto arbiter = client().post("/v1/keys", admin(), R"({"role":"arbiter"})");
  ASSERT_EQ(arbiter.status, 201u) << describe(arbiter);
  // Both keys used first: the server keeps the principals of recent secrets.
  ASSERT_EQ(client().get("/v1/accounts/" + account.id, arbiter.text("key")).status, 200u);
  ASSERT_EQ(client().get("/v1/accounts/" + account.id, account.key).status, 200u);

  for (const auto& [key_id, secret] : {std::pair{account.key_id, account.key},
                                       std::pair{arbiter.text("id"), arbiter.text("key")}}) {
    const auto revoked = client().del("/v1/keys/" + key_id, admin());
    EXPECT_EQ(revoked.status, 200u) << describe(revoked);
    // Stripe's deleted-object shape.
    EXPECT_EQ(revoked.text("id"), key_id) << describe(revoked);
    const auto* deleted =
        revoked.json.is_object() ? revoked.json.as_object().if_contains("deleted") : nullptr;
    EXPECT_TRUE(deleted && deleted->is_bool() && deleted->as_bool()) << describe(revoked);
    expect_error_shape(client().get("/v1/accounts/" + account.id, secret), 401);
    // Revoking again: HTTP's idempotent DELETE (the same answer) or Stripe's 404.
    const auto again = client().del("/v1/keys/" + key_id, admin());
    if (again.status != 200) expect_error(again, 404, "not_found");
    expect_error_shape(client().get("/v1/accounts/" + account.id, secret), 401);
  }
  expect_error(client().del("/v1/keys/" + unique_id("key"), admin()), 404, "not_found");
}

// The ledger keeps one active admin key: nothing could create another. On a ledger of its
// own (the suite's key must live on): the bootstrap key, whose id the server prints at
// start, may be revoked once a second exists, and then the second is the last.
TEST_F(accounts_api, the_last_active_admin_key_cannot_be_revoked) {
  escrowd_server own;
  ASSERT_TRUE(own.start()) << own.last_problem();
  api_client to_own(own.port());
  const std::string printed = "the admin key given is key ";
  const auto at = own.log().find(printed);
  ASSERT_NE(at, std::string::npos) << own.log();
  const std::string after = own.log().substr(at + printed.size());
  const std::string bootstrap_id = after.substr(0, after.find(' '));
  const auto second = to_own.post("/v1/keys", own.admin_key(), R"({"role":"admin"})");
  ASSERT_EQ(second.status, 201u) << describe(second);
  const auto second_key = second.text("key");
  EXPECT_EQ(to_own.del("/v1/keys/" + bootstrap_id, second_key).status, 200u);
  expect_error_shape(to_own.get("/v1/ledger/verify", own.admin_key()), 401);
  expect_error(to_own.del("/v1/keys/" + second.text("id"), second_key), 409, "last_admin_key");
  EXPECT_EQ(to_own.get("/v1/ledger/verify", second_key).status, 200u);
  // Account and arbiter keys are revoked as before.
  const auto arbiter = to_own.post("/v1/keys", second_key, R"({"role":"arbiter"})");
  EXPECT_EQ(to_own.del("/v1/keys/" + arbiter.text("id"), second_key).status, 200u);
  EXPECT_EQ(own.stop(), 0);
}

// A DELETE takes no body: an unknown field is 400 as on every endpoint, and nothing is
// revoked. A missing key or account in the path is 404 naming `id`, as GETs do.
TEST_F(accounts_api, key_endpoints_refuse_unknown_fields_and_name_the_path_id) {
  const auto account = create_account();
  expect_error(
      client().send("DELETE", "/v1/keys/" + account.key_id, R"({"x":1})", {.key = admin()}), 400,
      "parameter_unknown", "x");
  EXPECT_EQ(client().get("/v1/accounts/" + account.id, account.key).status, 200u);
  expect_error(client().del("/v1/keys/" + unique_id("key"), admin()), 404, "not_found", "id");
  expect_error(client().post("/v1/accounts/" + unique_id("nobody") + "/keys", admin()), 404,
               "not_found", "id");
  EXPECT_EQ(client().send("DELETE", "/v1/keys/" + account.key_id, "{}", {.key = admin()}).status,
            200u);
}

TEST_F(accounts_api, account_creation_rejects_bad_input_with_the_param) {
  expect_bad_request(client().post("/v1/accounts", admin(), "{}"), "currency");
  expect_bad_request(client().post("/v1/accounts", admin(), R"({"currency":"USD"})"), "currency");
  expect_bad_request(client().post("/v1/accounts", admin(), R"({"currency":"us"})"), "currency");
  expect_bad_request(client().post("/v1/accounts", admin(), R"({"currency":"usdd"})"), "currency");
  expect_bad_request(client().post("/v1/accounts", admin(), R"({"currency":840})"), "currency");
  expect_bad_request(client().post("/v1/accounts", admin(), R"({"currency":"usd","id":""})"), "id");
  expect_bad_request(
      client().post("/v1/accounts", admin(), R"({"currency":"usd","id":"has space"})"), "id");
  expect_bad_request(client().post("/v1/accounts", admin(), R"({"currency":"usd","id":"a/b"})"),
                     "id");
  expect_bad_request(client().post("/v1/accounts", admin(),
                                   body_of({{"currency", "usd"}, {"id", std::string(65, 'a')}})),
                     "id");
  expect_bad_request(client().post("/v1/accounts", admin(), R"({"currency":"usd","id":7})"), "id");
  expect_bad_request(client().post("/v1/accounts", admin(), R"({"currency":"usd","colour":1})"),
                     "colour");
  // 64 characters of the whole alphabet is a valid id.
  const auto longest = unique_id("x-") + std::string(64, 'Z');
  const auto created = client().post("/v1/accounts", admin(),
                                     body_of({{"currency", "usd"}, {"id", longest.substr(0, 64)}}));
  EXPECT_EQ(created.status, 201u) << describe(created);
}

}  // namespace
}  // namespace escrowd::api_testing
