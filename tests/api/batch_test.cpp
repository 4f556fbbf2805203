// POST /v1/batch over HTTP (api.md "Batch"): each operation applied as if sent alone by the
// same principal, in order per object, the results {status, body} listed in request order;
// per-operation idempotency keys shared with plain requests; an Idempotency-Key on the batch
// keying the batch as a whole; the 8,190-operation cap (8,190 accepted, 8,191 refused with
// 400).
#include <boost/json/serialize.hpp>
#include <latch>
#include <thread>

#include "tests/api/api_fixture.hpp"

namespace escrowd::api_testing {
namespace {

constexpr std::size_t batch_operations_max = 8'190;

class batch_api : public api_fixture {
 protected:
  // The results array of a 200 batch reply, empty (with a failure) otherwise.
  std::vector<json::value> results_of(const api_response& reply) {
    EXPECT_EQ(reply.status, 200u) << describe(reply);
    const auto* top = reply.json.if_object();
    const auto* results = top ? top->if_contains("results") : nullptr;
    EXPECT_TRUE(results && results->is_array()) << reply.body.substr(0, 500);
    if (!(results && results->is_array())) return {};
    return {results->as_array().begin(), results->as_array().end()};
  }
};

json::object operation(std::string_view method, std::string path,
                       std::optional<json::value> body = std::nullopt,
                       std::string_view idempotency_key = {}) {
  json::object out{{"method", method}, {"path", std::move(path)}};
  if (body) out["body"] = std::move(*body);
  if (!idempotency_key.empty()) out["idempotency_key"] = idempotency_key;
  return out;
}

std::string batch_body(json::array operations) {
  return json::serialize(json::object{{"operations", std::move(operations)}});
}

std::int64_t status_of(const json::value& result) {
  const auto* field = result.is_object() ? result.as_object().if_contains("status") : nullptr;
  return field && field->is_int64() ? field->as_int64() : -1;
}

std::string body_field(const json::value& result, std::string_view name) {
  const auto* body = result.is_object() ? result.as_object().if_contains("body") : nullptr;
  const auto* field = body && body->is_object() ? body->as_object().if_contains(name) : nullptr;
  return field && field->is_string() ? std::string(field->as_string()) : std::string();
}

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

// The payer's balance is the object both operations touch: the earlier one must win.
TEST_F(batch_api, operations_on_one_account_apply_in_request_order) {
  // Ordering bugs show up by chance: several rounds, each on a fresh payer.
  for (int round = 0; round < 8; ++round) {
    SCOPED_TRACE(round);
    const auto payer = funded_account(1'000);
    const auto task = create_task(payer, {}, 600);
    ASSERT_FALSE(task.empty());
    json::array operations{
        operation("POST", "/v1/tasks/" + task + "/fund"),
        operation("POST", "/v1/tasks",
                  json::object{
                      {"payer", payer.id}, {"amount", 401}, {"currency", "usd"}, {"fund", true}}),
    };
    const auto reply = client().post("/v1/batch", payer.key, batch_body(std::move(operations)));
    const auto results = results_of(reply);
    ASSERT_EQ(results.size(), 2u) << reply.body;
    EXPECT_EQ(status_of(results[0]), 200) << reply.body;
    EXPECT_EQ(status_of(results[1]), 409) << reply.body;
    EXPECT_EQ(task_state(task), "funded");
    EXPECT_EQ(balances_of(payer.id), (balances{400, 600, 0, 0}));
  }
}

// The same, when the funded task is itself created earlier in the batch.
TEST_F(batch_api, operations_on_an_object_created_in_the_batch_keep_their_place) {
  // Ordering bugs show up by chance: several rounds, each on a fresh payer.
  for (int round = 0; round < 8; ++round) {
    SCOPED_TRACE(round);
    const auto payer = funded_account(1'000);
    const auto task = unique_id("task");
    json::array operations{
        operation(
            "POST", "/v1/tasks",
            json::object{{"id", task}, {"payer", payer.id}, {"amount", 600}, {"currency", "usd"}}),
        operation("POST", "/v1/tasks/" + task + "/fund"),
        operation("POST", "/v1/tasks",
                  json::object{
                      {"payer", payer.id}, {"amount", 401}, {"currency", "usd"}, {"fund", true}}),
    };
    const auto reply = client().post("/v1/batch", payer.key, batch_body(std::move(operations)));
    const auto results = results_of(reply);
    ASSERT_EQ(results.size(), 3u) << reply.body;
    EXPECT_EQ(status_of(results[0]), 201) << reply.body;
    EXPECT_EQ(status_of(results[1]), 200) << reply.body;
    EXPECT_EQ(status_of(results[2]), 409) << reply.body;
    EXPECT_EQ(task_state(task), "funded");
    EXPECT_EQ(balances_of(payer.id), (balances{400, 600, 0, 0}));
  }
}

std::int64_t body_number(const json::value& result, std::string_view name) {
  const auto* body = result.is_object() ? result.as_object().if_contains("body") : nullptr;
  const auto* field = body && body->is_object() ? body->as_object().if_contains(name) : nullptr;
  return field && field->is_int64() ? field->as_int64() : -1;
}

// Fundings from one payer start as soon as the payer decided the one before (batch.cpp),
// so they share syncs. Their results must still be those of request order; a read after
// a funding sees it; and a funding after a cancel sees its refund, which the payer's actor
// learns of only from the disk.
TEST_F(batch_api, fundings_from_one_payer_keep_request_order_and_see_refunds) {
  // Ordering bugs show up by chance: several rounds, each on a fresh payer.
  for (int round = 0; round < 4; ++round) {
    SCOPED_TRACE(round);
    const auto payer = funded_account(1'000);
    const auto first = unique_id("task");
    json::array operations;
    std::vector<std::int64_t> expected;
    auto fund = [&](std::int64_t amount, bool accepted, std::string id = {}) {
      json::object body{
          {"payer", payer.id}, {"amount", amount}, {"currency", "usd"}, {"fund", true}};
      if (!id.empty()) body["id"] = std::move(id);
      operations.push_back(operation("POST", "/v1/tasks", std::move(body)));
      expected.push_back(accepted ? 201 : 409);
    };
    const auto read_payer = [&] {
      operations.push_back(operation("GET", "/v1/accounts/" + payer.id));
      expected.push_back(200);
      return operations.size() - 1;
    };
    fund(100, true, first);
    fund(100, true);
    const auto read_early = read_payer();  // 800 available
    for (int i = 0; i < 7; ++i) fund(100, true);
    fund(200, false);  // 100 left
    fund(100, true);
    fund(1, false);
    operations.push_back(operation("POST", "/v1/tasks/" + first + "/cancel"));
    expected.push_back(200);
    fund(100, true);  // the refund pays for it
    fund(1, false);
    const auto read_last = read_payer();

    const auto reply = client().post("/v1/batch", payer.key, batch_body(std::move(operations)));
    const auto results = results_of(reply);
    ASSERT_EQ(results.size(), expected.size()) << reply.body;
    for (std::size_t index = 0; index < expected.size(); ++index)
      EXPECT_EQ(status_of(results[index]), expected[index]) << index << ": " << reply.body;
    EXPECT_EQ(body_number(results[read_early], "available"), 800) << reply.body;
    EXPECT_EQ(body_number(results[read_early], "escrowed"), 200) << reply.body;
    EXPECT_EQ(body_number(results[read_last], "available"), 0) << reply.body;
    EXPECT_EQ(task_state(first), "cancelled");
    EXPECT_EQ(balances_of(payer.id), (balances{0, 1'000, 0, 0}));
  }
}

// An operation a funding let start early may answer at once, without a commit (here an
// already_exists): a read behind it must still see the funding (audit, 2026-12-06).
TEST_F(batch_api, a_read_behind_an_operation_that_answered_at_once_sees_the_funding_before) {
  for (int round = 0; round < 4; ++round) {
    SCOPED_TRACE(round);
    const auto payer = funded_account(1'000);
    const auto existing = create_task(payer, {}, 10);
    ASSERT_FALSE(existing.empty());
    auto funded_creation = [&](std::string id) {
      return operation("POST", "/v1/tasks",
                       json::object{{"id", std::move(id)},
                                    {"payer", payer.id},
                                    {"amount", 10},
                                    {"currency", "usd"},
                                    {"fund", true}});
    };
    json::array operations{funded_creation(unique_id("task")), funded_creation(existing),
                           operation("GET", "/v1/accounts/" + payer.id)};
    const auto reply = client().post("/v1/batch", admin(), batch_body(std::move(operations)));
    const auto results = results_of(reply);
    ASSERT_EQ(results.size(), 3u) << reply.body;
    EXPECT_EQ(status_of(results[0]), 201) << reply.body;
    EXPECT_EQ(status_of(results[1]), 409) << reply.body;
    EXPECT_EQ(body_number(results[2], "available"), 990) << reply.body;
    EXPECT_EQ(body_number(results[2], "escrowed"), 10) << reply.body;
  }
}

// A worker assigned in the batch is a party of the task's later operations: an approval
// credits them, and their own operations after it must see the credit (audit, 2026-12-06).
TEST_F(batch_api, a_worker_assigned_in_the_batch_keeps_the_order_of_its_credit) {
  const auto payer = funded_account(1'000);
  const auto worker = create_account();
  const auto task = create_task(payer, {}, 100);
  ASSERT_FALSE(task.empty());
  ASSERT_EQ(client().post("/v1/tasks/" + task + "/fund", payer.key, "{}").status, 200u);
  json::array operations{
      operation("POST", "/v1/tasks/" + task + "/assign", json::object{{"worker", worker.id}}),
      operation("POST", "/v1/tasks/" + task + "/submit"),
      operation("POST", "/v1/tasks/" + task + "/approve"),
      operation("POST", "/v1/accounts/" + worker.id + "/withdrawals",
                json::object{{"amount", 100}, {"destination", "ba_test"}}),
      operation("GET", "/v1/accounts/" + worker.id),
  };
  const auto reply = client().post("/v1/batch", admin(), batch_body(std::move(operations)));
  const auto results = results_of(reply);
  ASSERT_EQ(results.size(), 5u) << reply.body;
  EXPECT_EQ(status_of(results[0]), 200) << reply.body;
  EXPECT_EQ(status_of(results[1]), 200) << reply.body;
  EXPECT_EQ(status_of(results[2]), 200) << reply.body;
  EXPECT_EQ(status_of(results[3]), 202) << reply.body;
  EXPECT_EQ(body_number(results[4], "available"), 0) << reply.body;
  EXPECT_EQ(body_number(results[4], "pending_withdrawal"), 100) << reply.body;
}

// A creation whose id exists fails, and the task keeps its own parties: the operations on
// it after the failed creation still keep their order with those parties' (audit rerun,
// 2026-12-06: they were ordered with the parties the failed creation named instead).
TEST_F(batch_api, a_failed_creation_of_an_existing_id_does_not_change_the_task_parties) {
  const auto payer = funded_account(1'000);
  const auto worker = create_account();
  const auto stranger = create_account();
  const auto task = create_task(payer, worker, 100, R"(,"fund":true)");
  ASSERT_FALSE(task.empty());
  ASSERT_EQ(client().post("/v1/tasks/" + task + "/submit", worker.key, "{}").status, 200u);
  json::array operations{
      operation("POST", "/v1/tasks",
                json::object{{"id", task},
                             {"payer", stranger.id},
                             {"worker", stranger.id},
                             {"amount", 5},
                             {"currency", "usd"}}),
      operation("POST", "/v1/tasks/" + task + "/approve"),
      operation("POST", "/v1/accounts/" + worker.id + "/withdrawals",
                json::object{{"amount", 100}, {"destination", "ba_test"}}),
  };
  const auto reply = client().post("/v1/batch", admin(), batch_body(std::move(operations)));
  const auto results = results_of(reply);
  ASSERT_EQ(results.size(), 3u) << reply.body;
  EXPECT_EQ(status_of(results[0]), 409) << reply.body;
  EXPECT_EQ(status_of(results[1]), 200) << reply.body;
  EXPECT_EQ(status_of(results[2]), 202) << reply.body;
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

// Creating a task only reads its payer unless it funds it: a batch of such creations for
// one payer runs them together, and they share group commits (they used to run one after
// another, one commit each). Funded creations of one payer still go in order.
TEST_F(batch_api, unfunded_creations_for_one_payer_share_commits_funded_ones_keep_order) {
  const auto commits = [&] {
    const auto metrics = client().get("/metrics", admin()).body;
    const std::string name = "escrowd_storage_commit_duration_seconds_count ";
    const auto at = metrics.find("\n" + name);
    EXPECT_NE(at, std::string::npos);
    return at == std::string::npos ? 0.0 : std::stod(metrics.substr(at + 1 + name.size()));
  };
  const auto payer = funded_account(3);
  const auto worker = create_account();
  constexpr std::size_t creations = 300;
  json::array operations;
  for (std::size_t i = 0; i < creations; ++i) {
    operations.push_back(operation(
        "POST", "/v1/tasks",
        json::object{
            {"payer", payer.id}, {"worker", worker.id}, {"amount", 1}, {"currency", "usd"}}));
  }
  const double before = commits();
  const auto created = results_of(client().post("/v1/batch", admin(), batch_body(operations)));
  const double used = commits() - before;
  ASSERT_EQ(created.size(), creations);
  for (const auto& result : created) ASSERT_EQ(status_of(result), 201) << json::serialize(result);
  EXPECT_LT(used, double(creations) / 2) << "commits for " << creations << " creations";

  json::array funded;
  for (int i = 0; i < 5; ++i) {
    funded.push_back(operation("POST", "/v1/tasks",
                               json::object{{"payer", payer.id},
                                            {"worker", worker.id},
                                            {"amount", 1},
                                            {"currency", "usd"},
                                            {"fund", true}}));
  }
  const auto results = results_of(client().post("/v1/batch", admin(), batch_body(funded)));
  ASSERT_EQ(results.size(), 5u);
  for (std::size_t i = 0; i < results.size(); ++i)
    EXPECT_EQ(status_of(results[i]), i < 3 ? 201 : 409) << i;  // 3 units: the first three
}

TEST_F(batch_api, malformed_batches_are_400_and_need_a_key) {
  expect_bad_request(client().post("/v1/batch", admin(), "{}"), "operations");
  expect_bad_request(client().post("/v1/batch", admin(), R"({"operations":{}})"), "operations");
  expect_error_shape(client().post("/v1/batch", "", R"({"operations":[]})"), 401);
}

}  // namespace
}  // namespace escrowd::api_testing
