// POST /v1/batch over HTTP, the order of its operations (api.md "Batch": each applied as if
// sent alone, in order per object): operations on one account or one task keep request
// order, fundings from one payer too although they no longer wait for each other's commit
// (http/batch.cpp), reads see every earlier change, and a task's parties (its payer and
// worker, as created, assigned or stored) order its operations with theirs.
#include <boost/json/serialize.hpp>

#include "tests/api/batch_fixture.hpp"

namespace escrowd::api_testing {
namespace {

class batch_order_api : public batch_fixture {};

// POST /v1/tasks creating a task that `payer` funds at once; `id` empty: the server's.
json::object funded_creation(const std::string& payer, std::int64_t amount, std::string id = {}) {
  json::object body{{"payer", payer}, {"amount", amount}, {"currency", "usd"}, {"fund", true}};
  if (!id.empty()) body["id"] = std::move(id);
  return operation("POST", "/v1/tasks", std::move(body));
}

// The payer's balance is the object both operations touch: the earlier one must win.
TEST_F(batch_order_api, operations_on_one_account_apply_in_request_order) {
  // Ordering bugs show up by chance: several rounds, each on a fresh payer.
  for (int round = 0; round < 8; ++round) {
    SCOPED_TRACE(round);
    const auto payer = funded_account(1'000);
    const auto task = create_task(payer, {}, 600);
    ASSERT_FALSE(task.empty());
    json::array operations{operation("POST", "/v1/tasks/" + task + "/fund"),
                           funded_creation(payer.id, 401)};
    run_expecting(payer.key, std::move(operations), {200, 409});
    EXPECT_EQ(task_state(task), "funded");
    EXPECT_EQ(balances_of(payer.id), (balances{400, 600, 0, 0}));
  }
}

// The same, when the funded task is itself created earlier in the batch.
TEST_F(batch_order_api, operations_on_an_object_created_in_the_batch_keep_their_place) {
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
        funded_creation(payer.id, 401),
    };
    run_expecting(payer.key, std::move(operations), {201, 200, 409});
    EXPECT_EQ(task_state(task), "funded");
    EXPECT_EQ(balances_of(payer.id), (balances{400, 600, 0, 0}));
  }
}

// Fundings from one payer start as soon as the payer decided the one before (batch.cpp),
// so they share syncs. Their results must still be those of request order; a read after
// a funding sees it; and a funding after a cancel sees its refund, which the payer's actor
// learns of only from the disk.
TEST_F(batch_order_api, fundings_from_one_payer_keep_request_order_and_see_refunds) {
  // Ordering bugs show up by chance: several rounds, each on a fresh payer.
  for (int round = 0; round < 4; ++round) {
    SCOPED_TRACE(round);
    const auto payer = funded_account(1'000);
    const auto first = unique_id("task");
    json::array operations;
    std::vector<std::int64_t> expected;
    auto fund = [&](std::int64_t amount, bool accepted, std::string id = {}) {
      operations.push_back(funded_creation(payer.id, amount, std::move(id)));
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

    const auto results = run_expecting(payer.key, std::move(operations), expected);
    ASSERT_FALSE(results.empty());
    EXPECT_EQ(body_number(results[read_early], "available"), 800);
    EXPECT_EQ(body_number(results[read_early], "escrowed"), 200);
    EXPECT_EQ(body_number(results[read_last], "available"), 0);
    EXPECT_EQ(task_state(first), "cancelled");
    EXPECT_EQ(balances_of(payer.id), (balances{0, 1'000, 0, 0}));
  }
}

// An operation a funding let start early may answer at once, without a commit (here an
// already_exists): a read behind it must still see the funding (audit, 2026-12-06).
TEST_F(batch_order_api, a_read_behind_an_operation_that_answered_at_once_sees_the_funding_before) {
  for (int round = 0; round < 4; ++round) {
    SCOPED_TRACE(round);
    const auto payer = funded_account(1'000);
    const auto existing = create_task(payer, {}, 10);
    ASSERT_FALSE(existing.empty());
    json::array operations{funded_creation(payer.id, 10, unique_id("task")),
                           funded_creation(payer.id, 10, existing),
                           operation("GET", "/v1/accounts/" + payer.id)};
    const auto results = run_expecting(admin(), std::move(operations), {201, 409, 200});
    ASSERT_FALSE(results.empty());
    EXPECT_EQ(body_number(results[2], "available"), 990);
    EXPECT_EQ(body_number(results[2], "escrowed"), 10);
  }
}

// A worker assigned in the batch is a party of the task's later operations: an approval
// credits them, and their own operations after it must see the credit (audit, 2026-12-06).
TEST_F(batch_order_api, a_worker_assigned_in_the_batch_keeps_the_order_of_its_credit) {
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
  const auto results = run_expecting(admin(), std::move(operations), {200, 200, 200, 202, 200});
  ASSERT_FALSE(results.empty());
  EXPECT_EQ(body_number(results[4], "available"), 0);
  EXPECT_EQ(body_number(results[4], "pending_withdrawal"), 100);
}

// A creation whose id exists fails, and the task keeps its own parties: the operations on
// it after the failed creation still keep their order with those parties' (audit rerun,
// 2026-12-06: they were ordered with the parties the failed creation named instead).
TEST_F(batch_order_api, a_failed_creation_of_an_existing_id_does_not_change_the_task_parties) {
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
  run_expecting(admin(), std::move(operations), {409, 200, 202});
}

// Creating a task only reads its payer unless it funds it: a batch of such creations for
// one payer runs them together, and they share group commits (they used to run one after
// another, one commit each). Funded creations of one payer still go in order.
TEST_F(batch_order_api, unfunded_creations_for_one_payer_share_commits_funded_ones_keep_order) {
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

}  // namespace
}  // namespace escrowd::api_testing
