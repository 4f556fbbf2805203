// Idempotency-Key on POST (api.md "Idempotency") against the real escrowd: the stored
// response replayed byte-identical with Idempotent-Replayed and Original-Request and no second
// effect; 422 idempotency_key_reused for other parameters or another endpoint; a canonical
// body fingerprint; keys scoped to the principal and ignored on GET; business rejections
// stored and replayed; validation 400s and 403s not stored; the key's length bound; and 409
// idempotency_key_in_use under many concurrent requests on one key, where the outcomes must
// be one effect plus 409s or replays and the money must move once.
#include <latch>
#include <thread>

#include "tests/api/api_fixture.hpp"

namespace escrowd::api_testing {
namespace {

class idempotency_api : public api_fixture {};

void expect_replay_of(const api_response& replay, const api_response& original) {
  EXPECT_EQ(replay.status, original.status) << describe(replay);
  EXPECT_EQ(replay.body, original.body) << "replay is not byte-identical";
  EXPECT_EQ(replay.header("Idempotent-Replayed").value_or(""), "true") << describe(replay);
  EXPECT_EQ(replay.header("Original-Request"), original.header("Request-Id")) << describe(replay);
  ASSERT_TRUE(replay.header("Request-Id").has_value());
  EXPECT_NE(replay.header("Request-Id"), original.header("Request-Id"))
      << "a replay is a new request with its own Request-Id";
}

TEST_F(idempotency_api, replay_is_byte_identical_with_replay_headers_and_no_second_effect) {
  const auto key = unique_id("idem");
  const auto body = R"({"currency":"usd","owner":"replayed"})";
  const auto first = client().post("/v1/accounts", admin(), body, key);
  ASSERT_EQ(first.status, 201u) << describe(first);
  EXPECT_NE(first.header("Idempotent-Replayed").value_or("false"), "true");
  const auto id = first.text("id");
  // Change the account so that a re-execution could not produce the same body.
  const auto account_key = client().post("/v1/accounts/" + id + "/keys", admin(), "{}");
  ASSERT_EQ(account_key.status, 201u);
  const auto second = client().post("/v1/accounts", admin(), body, key);
  expect_replay_of(second, first);
  EXPECT_EQ(first.header("Idempotency-Key").value_or(""), key) << "echoed, as Stripe does";
  EXPECT_EQ(second.header("Idempotency-Key").value_or(""), key);
  // A refusal echoes it too: an unknown key (401).
  const auto refused = client().post("/v1/accounts", "sk_unknown", body, key);
  EXPECT_EQ(refused.status, 401u) << describe(refused);
  EXPECT_EQ(refused.header("Idempotency-Key"), key);
  const auto third = client().post("/v1/accounts", admin(), body, key);
  expect_replay_of(third, first);
  EXPECT_EQ(client().get("/v1/accounts/" + id, admin()).status, 200u);
}

TEST_F(idempotency_api, replayed_task_creation_with_fund_moves_the_money_once) {
  const auto payer = funded_account(5'000);
  const auto key = unique_id("idem");
  const auto body =
      body_of({{"payer", payer.id}, {"amount", 2'000}, {"currency", "usd"}, {"fund", true}});
  const auto first = client().post("/v1/tasks", payer.key, body, key);
  ASSERT_EQ(first.status, 201u) << describe(first);
  expect_replay_of(client().post("/v1/tasks", payer.key, body, key), first);
  EXPECT_EQ(balances_of(payer.id), (balances{3'000, 2'000, 0, 0}));
}

TEST_F(idempotency_api, equal_canonical_bodies_replay_regardless_of_order_and_spacing) {
  const auto key = unique_id("idem");
  const auto first =
      client().post("/v1/accounts", admin(), R"({"currency":"usd","owner":"o"})", key);
  ASSERT_EQ(first.status, 201u) << describe(first);
  expect_replay_of(
      client().post("/v1/accounts", admin(), "{ \"owner\" : \"o\",\n \"currency\":\"usd\" }", key),
      first);
}

TEST_F(idempotency_api, same_key_with_other_params_or_endpoint_is_422_reused) {
  const auto payer = create_account();
  const auto key = unique_id("idem");
  const auto body = body_of({{"payer", payer.id}, {"amount", 100}, {"currency", "usd"}});
  const auto first = client().post("/v1/tasks", payer.key, body, key);
  ASSERT_EQ(first.status, 201u) << describe(first);
  const auto other_params =
      client().post("/v1/tasks", payer.key,
                    body_of({{"payer", payer.id}, {"amount", 101}, {"currency", "usd"}}), key);
  expect_error(other_params, 422, "idempotency_key_reused");
  EXPECT_FALSE(other_params.header("Idempotent-Replayed").has_value());
  const auto task_id = first.text("id");
  expect_error(client().post("/v1/tasks/" + task_id + "/fund", payer.key, "{}", key), 422,
               "idempotency_key_reused");
  EXPECT_EQ(task_state(task_id), "open");
  // The original is still replayed.
  expect_replay_of(client().post("/v1/tasks", payer.key, body, key), first);
}

TEST_F(idempotency_api, keys_are_scoped_to_the_principal) {
  const auto account = create_account();
  const auto key = unique_id("idem");
  const auto by_admin = client().post("/v1/accounts", admin(), R"({"currency":"usd"})", key);
  ASSERT_EQ(by_admin.status, 201u) << describe(by_admin);
  const auto by_account =
      client().post("/v1/tasks", account.key,
                    body_of({{"payer", account.id}, {"amount", 5}, {"currency", "usd"}}), key);
  EXPECT_EQ(by_account.status, 201u) << describe(by_account);
  EXPECT_FALSE(by_account.header("Idempotent-Replayed").has_value());
}

// Stripe scopes a key to the account, not to the API key: a client that rotated its key
// and retries must replay, not run twice.
TEST_F(idempotency_api, every_key_of_one_principal_shares_the_scope) {
  const auto account = create_account();
  const auto rotated = client().post("/v1/accounts/" + account.id + "/keys", admin(), "{}");
  ASSERT_EQ(rotated.status, 201u) << describe(rotated);
  const auto key = unique_id("idem");
  const auto body = body_of({{"payer", account.id}, {"amount", 5}, {"currency", "usd"}});
  const auto first = client().post("/v1/tasks", account.key, body, key);
  ASSERT_EQ(first.status, 201u) << describe(first);
  expect_replay_of(client().post("/v1/tasks", rotated.text("key"), body, key), first);

  const auto other = create_account();
  const auto by_other =
      client().post("/v1/tasks", other.key,
                    body_of({{"payer", other.id}, {"amount", 5}, {"currency", "usd"}}), key);
  EXPECT_EQ(by_other.status, 201u) << "another account's scope: " << describe(by_other);

  const auto second_admin = client().post("/v1/keys", admin(), R"({"role":"admin"})");
  ASSERT_EQ(second_admin.status, 201u) << describe(second_admin);
  const auto admin_key = unique_id("idem");
  const auto created = client().post("/v1/accounts", admin(), R"({"currency":"usd"})", admin_key);
  ASSERT_EQ(created.status, 201u) << describe(created);
  expect_replay_of(
      client().post("/v1/accounts", second_admin.text("key"), R"({"currency":"usd"})", admin_key),
      created);
}

TEST_F(idempotency_api, the_key_is_ignored_on_get) {
  const auto key = unique_id("idem");
  const auto created = client().post("/v1/accounts", admin(), R"({"currency":"usd"})", key);
  ASSERT_EQ(created.status, 201u);
  const auto read = client().send("GET", "/v1/accounts/" + created.text("id"), std::nullopt,
                                  {.key = admin(), .idempotency_key = key});
  EXPECT_EQ(read.status, 200u) << describe(read);
  EXPECT_FALSE(read.header("Idempotent-Replayed").has_value());
  const auto other = client().send("GET", "/v1/ledger/verify", std::nullopt,
                                   {.key = admin(), .idempotency_key = key});
  EXPECT_EQ(other.status, 200u) << describe(other);
}

TEST_F(idempotency_api, business_rejection_is_stored_and_replayed_even_after_it_would_pass) {
  const auto payer = create_account();
  const auto task = create_task(payer, create_account(), 700);
  ASSERT_FALSE(task.empty());
  const auto key = unique_id("idem");
  const auto refused = client().post("/v1/tasks/" + task + "/fund", payer.key, "{}", key);
  expect_error(refused, 409, "insufficient_funds");
  top_up(payer, 1'000);
  expect_replay_of(client().post("/v1/tasks/" + task + "/fund", payer.key, "{}", key), refused);
  EXPECT_EQ(task_state(task), "open");
  EXPECT_EQ(balances_of(payer.id), (balances{1'000, 0, 0, 0}));
  // A new key runs the operation again.
  EXPECT_EQ(client().post("/v1/tasks/" + task + "/fund", payer.key, "{}", unique_id("idem")).status,
            200u);
}

TEST_F(idempotency_api, invalid_state_transition_is_stored_and_replayed) {
  const auto payer = create_account();
  const auto task = create_task(payer, create_account(), 100);
  const auto key = unique_id("idem");
  const auto refused = client().post("/v1/tasks/" + task + "/approve", payer.key, "{}", key);
  expect_error(refused, 409, "invalid_state_transition");
  expect_replay_of(client().post("/v1/tasks/" + task + "/approve", payer.key, "{}", key), refused);
}

TEST_F(idempotency_api, validation_errors_and_403_are_not_stored_so_the_key_stays_free) {
  const auto payer = create_account();
  const auto good = body_of({{"payer", payer.id}, {"amount", 100}, {"currency", "usd"}});
  const std::vector<std::string> rejected_first = {
      body_of({{"payer", payer.id}, {"amount", 0}, {"currency", "usd"}}), R"({"payer":)",
      body_of({{"payer", payer.id}, {"amount", 100}, {"currency", "usd"}, {"extra", 1}})};
  for (const auto& bad : rejected_first) {
    SCOPED_TRACE(bad);
    const auto key = unique_id("idem");
    const auto invalid = client().post("/v1/tasks", payer.key, bad, key);
    expect_error_shape(invalid, 400);
    const auto valid = client().post("/v1/tasks", payer.key, good, key);
    EXPECT_EQ(valid.status, 201u) << describe(valid);
    EXPECT_FALSE(valid.header("Idempotent-Replayed").has_value());
  }
  // A 403 (account keys may not create accounts) does not take the key either.
  const auto key = unique_id("idem");
  expect_error_shape(client().post("/v1/accounts", payer.key, R"({"currency":"usd"})", key), 403);
  const auto valid = client().post("/v1/tasks", payer.key, good, key);
  EXPECT_EQ(valid.status, 201u) << describe(valid);
}

// A 400 found while executing (the worker's account is in another currency; a split larger
// than the task) is still a validation error: nothing changed, nothing stored.
TEST_F(idempotency_api, a_400_decided_while_executing_is_not_stored_either) {
  const auto payer = funded_account(1'000);
  const auto euro_worker = create_account("eur");
  const auto key = unique_id("idem");
  const auto refused = client().post(
      "/v1/tasks", payer.key,
      body_of(
          {{"payer", payer.id}, {"worker", euro_worker.id}, {"amount", 3}, {"currency", "usd"}}),
      key);
  expect_error(refused, 400, "currency_mismatch");
  const auto corrected = client().post("/v1/tasks", payer.key,
                                       body_of({{"payer", payer.id},
                                                {"worker", create_account().id},
                                                {"amount", 3},
                                                {"currency", "usd"}}),
                                       key);
  EXPECT_EQ(corrected.status, 201u) << describe(corrected);
  EXPECT_FALSE(corrected.header("Idempotent-Replayed").has_value());

  const auto worker = create_account();
  const auto task = create_task(payer, worker, 500);
  ASSERT_FALSE(task.empty());
  ASSERT_EQ(client().post("/v1/tasks/" + task + "/fund", payer.key, "{}").status, 200u);
  ASSERT_EQ(client().post("/v1/tasks/" + task + "/submit", worker.key, "{}").status, 200u);
  ASSERT_EQ(client().post("/v1/tasks/" + task + "/dispute", payer.key, R"({"reason":"r"})").status,
            200u);
  const auto split_key = unique_id("idem");
  expect_error(client().post("/v1/tasks/" + task + "/resolve", admin(), R"({"worker_amount":501})",
                             split_key),
               400, "parameter_invalid");
  const auto resolved = client().post("/v1/tasks/" + task + "/resolve", admin(),
                                      R"({"worker_amount":200})", split_key);
  EXPECT_EQ(resolved.status, 200u) << describe(resolved);
  EXPECT_EQ(balances_of(worker.id), (balances{200, 0, 0, 0}));
}

// Two keys on one request: running under either one could run the request twice.
TEST_F(idempotency_api, two_idempotency_key_headers_are_400) {
  const auto owner = unique_id("two_keys");
  const auto refused =
      client().send("POST", "/v1/accounts", R"({"currency":"usd","owner":")" + owner + R"("})",
                    {.key = admin(),
                     .idempotency_key = unique_id("a"),
                     .extra_headers = "Idempotency-Key: " + unique_id("b") + "\r\n"});
  expect_error(refused, 400, "idempotency_key_invalid");
  EXPECT_EQ(refused.json.at("error").at("param").as_string(), "Idempotency-Key");
}

TEST_F(idempotency_api, key_of_255_printable_chars_is_accepted_and_256_is_400) {
  const auto longest = unique_id("k") + std::string(255, 'k');
  const auto accepted =
      client().post("/v1/accounts", admin(), R"({"currency":"usd"})", longest.substr(0, 255));
  EXPECT_EQ(accepted.status, 201u) << describe(accepted);
  const auto too_long =
      client().post("/v1/accounts", admin(), R"({"currency":"usd"})", std::string(256, 'k'));
  expect_error_shape(too_long, 400);
  const auto not_printable =
      client().post("/v1/accounts", admin(), R"({"currency":"usd"})", unique_id("k") + "\x7f");
  expect_error_shape(not_printable, 400);
}

// Many connections send the same keyed request at the same instant. Exactly one executes;
// every other answer is 409 idempotency_key_in_use (not stored) or a replay of the one.
struct race_outcome {
  int executed = 0;
  int replayed = 0;
  int in_use = 0;
  std::vector<std::string> unexpected;
};

race_outcome race(std::uint16_t port, const std::string& request, int senders) {
  std::vector<std::unique_ptr<api_client>> clients;
  for (int i = 0; i < senders; ++i) clients.push_back(std::make_unique<api_client>(port));
  std::vector<api_response> responses(static_cast<std::size_t>(senders));
  std::latch start(senders);
  std::vector<std::thread> threads;
  for (int i = 0; i < senders; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      responses[static_cast<std::size_t>(i)] =
          clients[static_cast<std::size_t>(i)]->exchange_raw(request);
    });
  }
  for (auto& thread : threads) thread.join();
  race_outcome outcome;
  std::string original_body;
  for (const auto& response : responses) {
    if (response.status == 201 && !response.header("Idempotent-Replayed")) {
      ++outcome.executed;
      original_body = response.body;
    }
  }
  for (const auto& response : responses) {
    if (response.status == 201 && response.header("Idempotent-Replayed").value_or("") == "true" &&
        response.body == original_body) {
      ++outcome.replayed;
    } else if (response.status == 409 && response.error_code() == "idempotency_key_in_use" &&
               response.error_type() == "idempotency_error") {
      ++outcome.in_use;
    } else if (!(response.status == 201 && !response.header("Idempotent-Replayed"))) {
      outcome.unexpected.push_back(describe(response));
    }
  }
  return outcome;
}

TEST_F(idempotency_api, concurrent_requests_on_one_key_execute_once_and_the_rest_get_409) {
  constexpr int senders = 24;
  constexpr int rounds_max = 10;
  constexpr std::int64_t amount = 100;
  const auto payer = funded_account(amount * senders * rounds_max);
  const auto body =
      body_of({{"payer", payer.id}, {"amount", amount}, {"currency", "usd"}, {"fund", true}});
  int rounds = 0;
  int in_use_seen = 0;
  while (rounds < rounds_max && in_use_seen == 0) {
    ++rounds;
    const auto key = unique_id("race");
    const auto request =
        build_request("POST", "/v1/tasks", body, {.key = payer.key, .idempotency_key = key});
    const auto outcome = race(server().port(), request, senders);
    EXPECT_EQ(outcome.executed, 1) << "round " << rounds;
    EXPECT_EQ(outcome.executed + outcome.replayed + outcome.in_use, senders);
    EXPECT_TRUE(outcome.unexpected.empty()) << outcome.unexpected.front();
    in_use_seen += outcome.in_use;
    // The 409s were not stored: a retry now replays the one execution.
    const auto retry = client().post("/v1/tasks", payer.key, body, key);
    EXPECT_EQ(retry.status, 201u) << describe(retry);
    EXPECT_EQ(retry.header("Idempotent-Replayed").value_or(""), "true") << describe(retry);
    // Money moved once per round.
    const auto now = balances_of(payer.id);
    EXPECT_EQ(now.escrowed, amount * rounds) << now;
    EXPECT_EQ(now.available, amount * (senders * rounds_max - rounds)) << now;
  }
  EXPECT_GT(in_use_seen, 0) << "no request in " << rounds << " rounds of " << senders
                            << " simultaneous ones saw 409 idempotency_key_in_use";
}

}  // namespace
}  // namespace escrowd::api_testing
