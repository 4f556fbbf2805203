// A load shard against the client library's scripted fake server (tests/tools/client), which
// answers like a permissive escrowd: the closed and open loops send exactly the requests
// asked for, stories run their steps in order with a key on every write, a rejection ends
// its story, and the batch path packs one step of several stories into each POST /v1/batch.
// An open loop faster than the server reports what the server answered, over the time it
// took. Runs are bounded by request counts, except that one, whose 100 ms schedule the slow
// server takes about half a second to answer.
#include "bench/loadgen/shard.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <map>
#include <set>

#include "bench/loadgen/report.hpp"
#include "tests/tools/client/fake_server.hpp"

namespace escrowd::loadgen {
namespace {

using client::testing::fake_server;
using client::testing::scripted_reply;
using client::testing::seen_request;

plan small_plan() {
  plan run;
  run.run_id = "lgshard";
  run.admin_key = "admin-key";
  run.arbiter_key = "arbiter-key";
  for (int index = 0; index < 10; ++index) {
    run.accounts.push_back("acct" + std::to_string(index));
    run.keys.push_back("key" + std::to_string(index));
  }
  run.hot_accounts = 2;
  return run;
}

// Answers every operation 200 (a batch with one 200 per operation).
scripted_reply permissive(const seen_request& seen) {
  scripted_reply reply;
  if (seen.target == "/v1/batch") {
    const auto operations = boost::json::parse(seen.body).at("operations").as_array().size();
    reply.body = R"({"object":"batch","results":[)";
    for (std::size_t index = 0; index < operations; ++index) {
      reply.body += std::string{index ? "," : ""} + R"({"status":200,"body":{"id":"x"}})";
    }
    reply.body += "]}";
    return reply;
  }
  reply.body = R"({"id":"obj_1","status":"pending","amount":5})";
  return reply;
}

shard_config closed_loop(std::uint64_t requests) {
  shard_config config;
  config.concurrency = 8;
  config.requests_max = requests;
  config.seed = 5;
  config.workload = *mix_named("escrow");
  return config;
}

target_config target_of(const fake_server& server) {
  target_config target;
  target.url = "http://127.0.0.1:" + std::to_string(server.port());
  target.connections = 4;
  target.pipeline_depth = 2;
  return target;
}

// The task id in a /v1/tasks/{id}/{verb} path, or the "id" of a POST /v1/tasks body.
std::string task_of(const seen_request& seen) {
  if (seen.target == "/v1/tasks") {
    return std::string{boost::json::parse(seen.body).at("id").as_string()};
  }
  const std::string prefix = "/v1/tasks/";
  if (seen.target.rfind(prefix, 0) != 0) return {};
  const auto rest = seen.target.substr(prefix.size());
  return rest.substr(0, rest.find('/'));
}

TEST(Shard, ClosedLoopSendsExactlyTheRequestsAskedInStoryOrder) {
  fake_server server{permissive};
  const auto run = small_plan();
  shard load{run, closed_loop(300), target_of(server)};
  load.run();
  EXPECT_EQ(load.result().requests, 300u);
  const auto seen = server.requests();
  ASSERT_EQ(seen.size(), 300u);
  std::set<std::string> created;
  std::set<std::string> keys;
  for (const auto& request : seen) {
    if (request.method == "POST") {
      EXPECT_FALSE(request.idempotency_key.empty()) << request.target;
      EXPECT_TRUE(keys.insert(request.idempotency_key).second) << "a key reused across requests";
    }
    const auto task = task_of(request);
    if (task.empty()) continue;
    if (request.target == "/v1/tasks") {
      created.insert(task);
    } else {
      // Every transition follows its task's creation (a virtual user waits for each answer).
      EXPECT_TRUE(created.contains(task)) << request.target;
    }
  }
  EXPECT_GT(created.size(), 50u);
  std::uint64_t ok = 0;
  for (const auto& counts : load.result().by_kind) ok += counts.ok;
  EXPECT_EQ(ok, 300u);
}

TEST(Shard, OpenLoopSchedulesTheRequestCount) {
  fake_server server{permissive};
  const auto run = small_plan();
  auto config = closed_loop(120);
  config.open_loop = true;
  config.rate = 4'000;
  shard load{run, config, target_of(server)};
  load.run();
  EXPECT_EQ(server.requests().size(), 120u);
  EXPECT_EQ(load.result().requests, 120u);
  EXPECT_EQ(load.result().latency.count(), 120u);
}

TEST(Shard, OpenLoopThroughputIsWhatTheServerAnsweredNotTheRateAsked) {
  // Two connections answering in 10 ms each serve about 200 requests/s; a schedule of
  // 1,000/s for 100 ms asks for 100, which take the server about half a second.
  fake_server server{[](const seen_request& seen) {
    auto reply = permissive(seen);
    reply.delay = std::chrono::milliseconds{10};
    return reply;
  }};
  const auto run = small_plan();
  shard_config config;
  config.open_loop = true;
  config.rate = 1'000;
  config.concurrency = 2;
  config.duration = std::chrono::milliseconds{100};
  config.seed = 5;
  config.workload = *mix_named("fund");
  auto target = target_of(server);
  target.connections = 2;
  target.pipeline_depth = 1;
  shard load{run, config, target};
  load.run();
  const auto& measured = load.result();
  EXPECT_GE(measured.requests, 95u);
  EXPECT_LE(measured.requests, 101u);
  EXPECT_GE(measured.window(), std::chrono::milliseconds{400});
  EXPECT_LT(throughput_of(measured).requests_per_s, 300);
  EXPECT_GE(measured.wall, measured.window());
  EXPECT_GT(measured.late, measured.requests / 2);  // the backlog outlived the schedule
}

TEST(Shard, ARejectedCreationEndsItsStory) {
  fake_server server{[](const seen_request& seen) {
    if (seen.target == "/v1/tasks") {
      return client::testing::error_reply(409, "insufficient_funds");
    }
    return permissive(seen);
  }};
  const auto run = small_plan();
  shard load{run, closed_loop(200), target_of(server)};
  load.run();
  for (const auto& request : server.requests()) {
    EXPECT_TRUE(request.target == "/v1/tasks" ||
                request.target.find("/withdrawals") != std::string::npos ||
                request.target.find("/topups") != std::string::npos)
        << "a step after a rejected creation: " << request.target;
  }
  const auto& creations = load.result().by_kind[static_cast<std::size_t>(op_kind::create_task)];
  EXPECT_GT(creations.rejected, 0u);
  EXPECT_EQ(creations.ok, 0u);
  EXPECT_EQ(creations.failed, 0u);
}

TEST(Shard, BatchesCarryOneStepOfSeveralStories) {
  fake_server server{permissive};
  const auto run = small_plan();
  auto config = closed_loop(12);
  config.concurrency = 3;
  config.batch_size = 5;
  shard load{run, config, target_of(server)};
  load.run();
  const auto seen = server.requests();
  ASSERT_EQ(seen.size(), 12u);
  for (const auto& request : seen) {
    ASSERT_EQ(request.target, "/v1/batch");
    EXPECT_EQ(request.authorization, "Bearer admin-key");
    const auto operations = boost::json::parse(request.body).at("operations").as_array();
    EXPECT_EQ(operations.size(), 5u);
  }
  EXPECT_EQ(load.result().requests, 12u);
  EXPECT_EQ(load.result().operations, 60u);
}

}  // namespace
}  // namespace escrowd::loadgen
