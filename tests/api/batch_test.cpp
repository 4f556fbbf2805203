// POST /v1/batch over HTTP (api.md "Batch"): each operation applied as if sent alone by the
// same principal, in order per object, the results {status, body} listed in request order;
// per-operation idempotency keys shared with plain requests; an Idempotency-Key on the batch
// keying the batch as a whole; the 8,190-operation cap (8,190 accepted, 8,191 refused with
// 400). The order of operations on shared objects: batch_order_test.cpp.
#include <boost/json/serialize.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <latch>
#include <thread>

#include "tests/api/batch_fixture.hpp"

namespace escrowd::api_testing {
namespace {

constexpr std::size_t batch_operations_max = 8'190;

class batch_api : public batch_fixture {};

TEST_F(batch_api, results_come_back_in_request_order_each_as_if_sent_alone) {
  const auto payer = funded_account(1'000);
  const auto worker = create_account();
  const auto task = unique_id("task");
  const auto path = "/v1/tasks/" + task;
  json::array operations{
      operation("POST", "/v1/tasks",
                json::object{{"id", task},
                             {"payer", payer.id},
                             {"worker", worker.id},
                             {"amount", 600},
                             {"currency", "usd"}}),
      operation("POST", path + "/fund"),
      operation("POST", path + "/fund"),
      operation("POST", path + "/approve"),
      operation("GET", "/v1/accounts/" + payer.id),
      operation(
          "POST", "/v1/tasks",
          json::object{{"payer", payer.id}, {"amount", 401}, {"currency", "usd"}, {"fund", true}}),
      operation("GET", "/v1/tasks/" + unique_id("missing")),
      operation("POST", "/v1/accounts", json::object{{"currency", "usd"}}),
      operation("POST", "/v1/tasks",
                json::object{{"payer", payer.id}, {"amount", 0}, {"currency", "usd"}}),
  };
  const auto reply = client().post("/v1/batch", payer.key, batch_body(std::move(operations)));
  const auto results = results_of(reply);
  ASSERT_EQ(results.size(), 9u) << reply.body;
  SCOPED_TRACE(reply.body);
  EXPECT_EQ(status_of(results[0]), 201);
  EXPECT_EQ(body_field(results[0], "state"), "open");
  EXPECT_EQ(status_of(results[1]), 200);
  EXPECT_EQ(body_field(results[1], "state"), "funded");
  EXPECT_EQ(status_of(results[2]), 200);  // natural idempotency
  EXPECT_EQ(status_of(results[3]), 409);  // funded, not submitted
  EXPECT_EQ(status_of(results[4]), 200);
  EXPECT_EQ(results[4].as_object().at("body").as_object().at("available"), 400)
      << json::serialize(results[4]);
  EXPECT_EQ(status_of(results[5]), 409);  // 401 > 400 available
  EXPECT_EQ(status_of(results[6]), 404);
  EXPECT_EQ(status_of(results[7]), 403);  // the account key may not create accounts
  EXPECT_EQ(status_of(results[8]), 400);
  EXPECT_EQ(task_state(task), "funded");
  EXPECT_EQ(balances_of(payer.id), (balances{400, 600, 0, 0}));
}

TEST_F(batch_api, a_full_escrow_cycle_in_one_batch_settles_in_order) {
  const auto payer = funded_account(900);
  const auto worker = create_account();
  const auto task = unique_id("task");
  json::array operations{
      operation("POST", "/v1/tasks",
                json::object{{"id", task},
                             {"payer", payer.id},
                             {"worker", worker.id},
                             {"amount", 900},
                             {"currency", "usd"},
                             {"fund", true}}),
      operation("POST", "/v1/tasks/" + task + "/submit", json::object{{"submission", "s"}}),
      operation("POST", "/v1/tasks/" + task + "/approve"),
  };
  const auto results =
      results_of(client().post("/v1/batch", admin(), batch_body(std::move(operations))));
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(status_of(results[0]), 201);
  EXPECT_EQ(status_of(results[1]), 200);
  EXPECT_EQ(status_of(results[2]), 200);
  EXPECT_EQ(body_field(results[2], "state"), "released");
  EXPECT_EQ(balances_of(worker.id), (balances{900, 0, 0, 0}));
  EXPECT_EQ(balances_of(payer.id), (balances{0, 0, 0, 0}));
}

TEST_F(batch_api, operation_idempotency_keys_replay_across_batches_and_plain_requests) {
  const auto payer = funded_account(1'000);
  const auto key = unique_id("idem");
  const json::object task_body{
      {"payer", payer.id}, {"amount", 300}, {"currency", "usd"}, {"fund", true}};
  const auto make = [&] {
    return batch_body(json::array{operation("POST", "/v1/tasks", task_body, key)});
  };
  const auto first = results_of(client().post("/v1/batch", payer.key, make()));
  ASSERT_EQ(first.size(), 1u);
  ASSERT_EQ(status_of(first[0]), 201);
  const auto again = results_of(client().post("/v1/batch", payer.key, make()));
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(json::serialize(again[0]), json::serialize(first[0]));
  // A plain request with the same key and parameters replays the batch operation's result.
  const auto plain = client().post("/v1/tasks", payer.key, json::serialize(task_body), key);
  EXPECT_EQ(plain.status, 201u) << describe(plain);
  EXPECT_EQ(plain.header("Idempotent-Replayed").value_or(""), "true") << describe(plain);
  EXPECT_EQ(plain.text("id"), body_field(first[0], "id"));
  // Other parameters on that key: 422 inside the batch.
  auto other = task_body;
  other["amount"] = 301;
  const auto reused = results_of(client().post(
      "/v1/batch", payer.key, batch_body(json::array{operation("POST", "/v1/tasks", other, key)})));
  ASSERT_EQ(reused.size(), 1u);
  EXPECT_EQ(status_of(reused[0]), 422);
  EXPECT_EQ(balances_of(payer.id), (balances{700, 300, 0, 0}));
}

// Two operations with one key run in order, as if sent alone: the second replays the first.
TEST_F(batch_api, operations_sharing_a_key_run_in_order_and_the_later_replays) {
  const auto payer = funded_account(1'000);
  const auto key = unique_id("idem");
  const json::object task_body{
      {"payer", payer.id}, {"amount", 100}, {"currency", "usd"}, {"fund", true}};
  auto other = task_body;
  other["amount"] = 101;
  const auto results = results_of(
      client().post("/v1/batch", payer.key,
                    batch_body(json::array{operation("POST", "/v1/tasks", task_body, key),
                                           operation("POST", "/v1/tasks", task_body, key),
                                           operation("POST", "/v1/tasks", other, key)})));
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(status_of(results[0]), 201);
  EXPECT_EQ(json::serialize(results[1]), json::serialize(results[0]));
  EXPECT_EQ(status_of(results[2]), 422);
  EXPECT_EQ(balances_of(payer.id), (balances{900, 100, 0, 0}));
}

// api.md: every POST takes an Idempotency-Key with Stripe's semantics, the batch too: the
// stored answer replayed whole, 422 for other operations or another endpoint under the key.
TEST_F(batch_api, a_key_on_the_batch_keys_the_whole_batch) {
  const auto payer = funded_account(1'000);
  const auto key = unique_id("idem");
  const json::object task_body{
      {"payer", payer.id}, {"amount", 300}, {"currency", "usd"}, {"fund", true}};
  const auto body = batch_body(json::array{operation("POST", "/v1/tasks", task_body)});
  const auto first = client().post("/v1/batch", payer.key, body, key);
  ASSERT_EQ(results_of(first).size(), 1u);
  EXPECT_FALSE(first.header("Idempotent-Replayed").has_value()) << describe(first);

  const auto again = client().post("/v1/batch", payer.key, body, key);
  EXPECT_EQ(again.status, 200u) << describe(again);
  EXPECT_EQ(again.body, first.body) << "a replay is byte-identical";
  EXPECT_EQ(again.header("Idempotent-Replayed").value_or(""), "true") << describe(again);
  EXPECT_EQ(again.header("Original-Request"), first.header("Request-Id"));

  const auto longer = batch_body(json::array{operation("POST", "/v1/tasks", task_body),
                                             operation("POST", "/v1/tasks", task_body)});
  expect_error(client().post("/v1/batch", payer.key, longer, key), 422, "idempotency_key_reused");
  expect_error(client().post("/v1/tasks", payer.key, json::serialize(task_body), key), 422,
               "idempotency_key_reused");
  // A client's own key that reads like a batch operation's is a key of its own.
  const auto lookalike =
      client().post("/v1/tasks", payer.key, json::serialize(task_body), key + ":0");
  EXPECT_EQ(lookalike.status, 201u) << describe(lookalike);
  EXPECT_FALSE(lookalike.header("Idempotent-Replayed").has_value());
  EXPECT_EQ(balances_of(payer.id), (balances{400, 600, 0, 0})) << "the batch ran once";
}

// The same keyed batch sent by many connections at once runs once: the others are told
// 409 idempotency_key_in_use (not stored) or replay it.
// api.md: keys are stored hashed. A keyed batch stores its whole answer for replays, but a
// key it created shows its secret in the first answer only: the replay has "key": null (as a
// key creation's own replay does), and no file of the data directory holds the secret.
TEST_F(batch_api, a_keyed_batch_shows_new_key_secrets_once_and_stores_none) {
  const auto account = create_account();
  const json::array operations{
      operation("POST", "/v1/accounts/" + account.id + "/keys"),
      operation("POST", "/v1/keys", json::object{{"role", "arbiter"}}),
      operation("POST", "/v1/keys", json::object{{"role", "admin"}}, unique_id("own_key"))};
  const auto batch_key = unique_id("provision");
  const auto results =
      results_of(client().post("/v1/batch", admin(), batch_body(operations), batch_key));
  ASSERT_EQ(results.size(), 3u);
  std::vector<std::string> secrets;
  for (const auto& result : results) {
    EXPECT_EQ(status_of(result), 201) << json::serialize(result);
    secrets.push_back(body_field(result, "key"));
    ASSERT_FALSE(secrets.back().empty()) << json::serialize(result);
  }
  EXPECT_EQ(client().get("/v1/accounts/" + account.id, secrets[0]).status, 200u);
  EXPECT_EQ(client().get("/v1/ledger/verify", secrets[2]).status, 200u);

  const auto replay = client().post("/v1/batch", admin(), batch_body(operations), batch_key);
  EXPECT_EQ(replay.header("Idempotent-Replayed").value_or(""), "true") << describe(replay);
  const auto replayed = results_of(replay);
  ASSERT_EQ(replayed.size(), 3u);
  for (std::size_t i = 0; i < replayed.size(); ++i) {
    EXPECT_EQ(status_of(replayed[i]), 201);
    EXPECT_EQ(body_field(replayed[i], "id"), body_field(results[i], "id"));
    const auto& body = replayed[i].as_object().at("body").as_object();
    EXPECT_TRUE(body.contains("key") && body.at("key").is_null()) << json::serialize(body);
  }

  for (const auto& entry : std::filesystem::recursive_directory_iterator(server().data_dir())) {
    if (!entry.is_regular_file()) continue;
    std::ifstream file(entry.path(), std::ios::binary);
    const std::string contents((std::istreambuf_iterator<char>(file)), {});
    for (const auto& secret : secrets)
      EXPECT_EQ(contents.find(secret), std::string::npos) << entry.path() << " holds a secret";
  }
}

// api.md: DELETE /v1/keys/{id} revokes at once, and each operation is applied as if sent
// alone. A batch that revokes its own key: what comes after the revocation waits for it and
// is then 401; what comes before ran.
TEST_F(batch_api, operations_after_the_batch_key_is_revoked_are_401) {
  const auto second = client().post("/v1/keys", admin(), R"({"role":"admin"})");
  ASSERT_EQ(second.status, 201u) << describe(second);
  const auto account = create_account();
  const json::array operations{operation("GET", "/v1/accounts/" + account.id),
                               operation("DELETE", "/v1/keys/" + second.text("id")),
                               operation("POST", "/v1/accounts", json::object{{"currency", "usd"}}),
                               operation("GET", "/v1/accounts/" + account.id)};
  const auto results = run_expecting(second.text("key"), operations, {200, 200, 401, 401});
  ASSERT_EQ(results.size(), 4u);
  expect_error_shape(client().get("/v1/accounts/" + account.id, second.text("key")), 401);
}

// Revoked by another key while its batch runs: the batch's later operations are refused
// from then on, never one refused and a later one run.
TEST_F(batch_api, a_key_revoked_while_its_batch_runs_runs_nothing_more) {
  const auto payer = funded_account(batch_operations_max);
  json::array operations;
  for (std::size_t i = 0; i < batch_operations_max; ++i)
    operations.push_back(operation(
        "POST", "/v1/tasks",
        json::object{{"payer", payer.id}, {"amount", 1}, {"currency", "usd"}, {"fund", true}}));
  api_client sender(server().port());
  api_response reply;
  std::thread batch([&] { reply = sender.post("/v1/batch", payer.key, batch_body(operations)); });
  // Revoked once the payer's balance shows the batch under way.
  const auto until = std::chrono::steady_clock::now() + 20s;
  while (balances_of(payer.id).available == static_cast<std::int64_t>(batch_operations_max) &&
         std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(1ms);
  ASSERT_EQ(client().del("/v1/keys/" + payer.key_id, admin()).status, 200u);
  batch.join();
  const auto results = results_of(reply);
  ASSERT_EQ(results.size(), batch_operations_max);
  std::size_t created = 0;
  while (created < results.size() && status_of(results[created]) == 201) ++created;
  for (std::size_t i = created; i < results.size(); ++i)
    ASSERT_EQ(status_of(results[i]), 401) << "operation " << i << " after " << created << " ran";
  EXPECT_LT(created, results.size()) << "the batch ended before the revocation";
  EXPECT_EQ(balances_of(payer.id).available,
            static_cast<std::int64_t>(batch_operations_max - created));
}

// A batch's answer is bounded (32 MiB): 2,000 listings of 100 entries (~60 MB) answer
// until the bound, and the reads past it are 400 batch_too_large instead (the server's
// memory is not the size of what a small request can ask for). Changes always answer.
TEST_F(batch_api, reads_past_the_bound_of_a_batchs_answer_are_400) {
  const auto payer = funded_account(100);
  json::array fundings;
  for (int i = 0; i < 100; ++i)
    fundings.push_back(operation(
        "POST", "/v1/tasks",
        json::object{{"payer", payer.id}, {"amount", 1}, {"currency", "usd"}, {"fund", true}}));
  ASSERT_EQ(results_of(client().post("/v1/batch", admin(), batch_body(fundings))).size(), 100u);
  json::array reads;
  for (int i = 0; i < 2'000; ++i)
    reads.push_back(operation("GET", "/v1/accounts/" + payer.id + "/entries?limit=100"));
  reads.push_back(operation("POST", "/v1/accounts", json::object{{"currency", "usd"}}));
  const auto reply = client().post("/v1/batch", payer.key, batch_body(reads));
  ASSERT_EQ(reply.status, 200u) << describe(reply).substr(0, 500);
  EXPECT_LT(reply.body.size(), std::size_t{40} << 20);
  const auto results = results_of(reply);
  ASSERT_EQ(results.size(), 2'001u);
  std::size_t listed = 0;
  std::size_t refused = 0;
  for (std::size_t i = 0; i < 2'000; ++i) {
    if (status_of(results[i]) == 200) {
      ++listed;
    } else {
      ASSERT_EQ(status_of(results[i]), 400) << json::serialize(results[i]);
      EXPECT_EQ(results[i].at("body").at("error").at("code"), "batch_too_large");
      ++refused;
    }
  }
  EXPECT_GT(listed, 500u);
  EXPECT_GT(refused, 500u);
  EXPECT_EQ(status_of(results[2'000]), 403);  // an account key may not create accounts
}

TEST_F(batch_api, concurrent_batches_with_one_key_run_once) {
  const auto payer = funded_account(10'000);
  const auto key = unique_id("idem");
  json::array operations;
  for (int i = 0; i < 50; ++i)
    operations.push_back(operation(
        "POST", "/v1/tasks",
        json::object{{"payer", payer.id}, {"amount", 10}, {"currency", "usd"}, {"fund", true}}));
  const auto body = batch_body(std::move(operations));
  constexpr int senders = 6;
  std::vector<std::unique_ptr<api_client>> clients;
  for (int i = 0; i < senders; ++i)
    clients.push_back(std::make_unique<api_client>(server().port()));
  std::vector<api_response> replies(senders);
  std::latch go(senders);
  std::vector<std::thread> threads;
  for (int i = 0; i < senders; ++i)
    threads.emplace_back([&, i] {
      go.arrive_and_wait();
      replies[i] = clients[i]->post("/v1/batch", payer.key, body, key);
    });
  for (auto& thread : threads) thread.join();
  int ran = 0;
  for (const auto& reply : replies) {
    if (reply.status == 409) {
      expect_error(reply, 409, "idempotency_key_in_use");
      continue;
    }
    ASSERT_EQ(reply.status, 200u) << describe(reply);
    if (!reply.header("Idempotent-Replayed").has_value()) ++ran;
  }
  EXPECT_EQ(ran, 1);
  EXPECT_EQ(balances_of(payer.id), (balances{9'500, 500, 0, 0})) << "50 fundings, once";
}

TEST_F(batch_api, the_cap_is_8190_operations) {
  const auto prefix = unique_id("b");
  json::array at_cap;
  at_cap.reserve(batch_operations_max);
  for (std::size_t i = 0; i < batch_operations_max; ++i) {
    at_cap.push_back(
        operation("POST", "/v1/accounts",
                  json::object{{"id", prefix + "-" + std::to_string(i)}, {"currency", "usd"}}));
  }
  const auto accepted = client().post("/v1/batch", admin(), batch_body(at_cap));
  const auto results = results_of(accepted);
  ASSERT_EQ(results.size(), batch_operations_max);
  for (const auto& result : results) ASSERT_EQ(status_of(result), 201) << json::serialize(result);
  EXPECT_EQ(client().get("/v1/accounts/" + prefix + "-8189", admin()).status, 200u);

  at_cap.push_back(operation("POST", "/v1/accounts",
                             json::object{{"id", prefix + "-over"}, {"currency", "usd"}}));
  const auto refused = client().post("/v1/batch", admin(), batch_body(std::move(at_cap)));
  expect_bad_request(refused, "operations");
  expect_error(client().get("/v1/accounts/" + prefix + "-over", admin()), 404, "not_found");
}

// Reads answer inline, each starting the next read of the same object as it finishes: a
// full batch of them must not nest one call per operation (it overflowed the I/O thread's
// stack and killed the server at a few thousand).
TEST_F(batch_api, a_full_batch_of_reads_of_one_object_answers) {
  const auto payer = create_account();
  json::array reads;
  reads.reserve(batch_operations_max);
  for (std::size_t i = 0; i < batch_operations_max; ++i) {
    reads.push_back(operation(
        "GET", i % 2 == 0 ? "/v1/accounts/" + payer.id : "/v1/tasks/task_missing_in_batch"));
  }
  const auto answered = client().post("/v1/batch", admin(), batch_body(std::move(reads)));
  const auto results = results_of(answered);
  ASSERT_EQ(results.size(), batch_operations_max);
  for (std::size_t i = 0; i < results.size(); ++i) {
    ASSERT_EQ(status_of(results[i]), i % 2 == 0 ? 200 : 404) << i;
    if (i % 2 == 0) {
      ASSERT_EQ(body_field(results[i], "id"), payer.id) << i;
    }
  }
  EXPECT_EQ(client().get("/healthz", {}).status, 200u);
}

TEST_F(batch_api, malformed_batches_are_400_and_need_a_key) {
  expect_bad_request(client().post("/v1/batch", admin(), "{}"), "operations");
  expect_bad_request(client().post("/v1/batch", admin(), R"({"operations":{}})"), "operations");
  expect_error_shape(client().post("/v1/batch", "", R"({"operations":[]})"), 401);
  // null counts as left out (api.md), in the batch as in any body.
  const auto missing = client().post("/v1/batch", admin(), R"({"operations":null})");
  expect_bad_request(missing, "operations");
  EXPECT_EQ(missing.error_code(), "parameter_missing");
  const auto no_method =
      client().post("/v1/batch", admin(), R"({"operations":[{"method":null,"path":"/v1/keys"}]})");
  expect_bad_request(no_method, "operations[0].method");
  EXPECT_EQ(no_method.error_code(), "parameter_missing");
  const auto unkeyed = client().post(
      "/v1/batch", admin(),
      R"({"operations":[{"method":"GET","path":"/v1/tasks/none","idempotency_key":null,"body":null}]})");
  ASSERT_EQ(unkeyed.status, 200u) << describe(unkeyed);
  EXPECT_EQ(status_of(results_of(unkeyed).at(0)), 404);
}

// "As if sent alone": an operation's path is read as a request's target is.
TEST_F(batch_api, an_operations_path_is_normalized_as_a_requests_target_is) {
  const auto payer = funded_account(10);
  const auto encoded = "/v1/%61ccounts/" + payer.id;  // as the transport reads /v1/accounts/
  const auto results = run_expecting(payer.key, {operation("GET", encoded)}, {200});
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(body_field(results[0], "id"), payer.id);
}

// Such an operation would always find its key in use by its own batch: the batch is refused.
TEST_F(batch_api, an_operation_keyed_with_the_batchs_own_key_is_400) {
  const auto own_key = unique_id("batch-key");
  const auto shared =
      json::array{operation("POST", "/v1/accounts", json::object{{"currency", "usd"}}, own_key)};
  expect_bad_request(client().post("/v1/batch", admin(), batch_body(shared), own_key),
                     "operations[0].idempotency_key");
  const auto retried = client().post("/v1/batch", admin(), batch_body(shared), own_key);
  expect_bad_request(retried, "operations[0].idempotency_key");
  EXPECT_FALSE(retried.header("Idempotent-Replayed").has_value());
}

}  // namespace
}  // namespace escrowd::api_testing
