// The pipelined client against the scripted fake server: many calls over few keep-alive
// connections each get their own answer, retries keep the key (server errors, dropped
// connections with pipelined calls on them, timeouts), client errors are final, and close()
// completes what is still owed. Every run is bounded by io_context::run_for so a bug fails
// the test instead of hanging it.
#include "tools/client/async_client.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <map>
#include <set>
#include <vector>

#include "tests/tools/client/fake_server.hpp"

namespace escrowd::client {
namespace {

using namespace std::chrono_literals;
using testing::error_reply;
using testing::fake_server;
using testing::scripted_reply;
using testing::seen_request;

constexpr auto run_limit = 20s;

client_config config_for(const fake_server& server, std::size_t connections, std::size_t depth) {
  client_config config;
  config.port = server.port();
  config.api_key = "sk_test_async";
  config.retry_delay_ms_initial = 2ms;
  config.retry_delay_ms_max = 10ms;
  config.request_timeout_ms = 2s;
  config.connections_count = connections;
  config.pipeline_depth = depth;
  return config;
}

scripted_reply echo(const seen_request& seen) {
  scripted_reply reply;
  reply.body = seen.target;
  return reply;
}

api_request post(std::string target) {
  api_request request;
  request.method = "POST";
  request.target = std::move(target);
  request.body = "{}";
  return request;
}

// Sends every request, closes the client once all completed, and returns the results by
// the index of their request.
std::vector<api_result> run_all(boost::asio::io_context& io, async_client& api,
                                std::vector<api_request> requests) {
  std::vector<api_result> results(requests.size());
  std::size_t completed = 0;
  const auto total = requests.size();
  for (std::size_t index = 0; index < total; ++index) {
    api.send(std::move(requests[index]), [&, index](api_result result) {
      results[index] = std::move(result);
      if (++completed == total) api.close();
    });
  }
  io.run_for(run_limit);
  EXPECT_EQ(completed, total) << "the run hit its time limit";
  return results;
}

TEST(AsyncClient, PipelinesManyCallsOverFewConnections) {
  fake_server server{echo};
  boost::asio::io_context io;
  async_client api{io, config_for(server, 4, 8)};
  std::vector<api_request> requests;
  for (int index = 0; index < 300; ++index) {
    api_request request;
    request.target = "/v1/tasks/t" + std::to_string(index);
    requests.push_back(std::move(request));
  }
  const auto results = run_all(io, api, std::move(requests));
  for (std::size_t index = 0; index < results.size(); ++index) {
    ASSERT_TRUE(results[index].ok()) << results[index].transport_error;
    EXPECT_EQ(results[index].body, "/v1/tasks/t" + std::to_string(index));
    EXPECT_EQ(results[index].attempts, 1u);
  }
  EXPECT_LE(server.connections_accepted(), 4u);
  EXPECT_EQ(api.stats().connections_opened, server.connections_accepted());
  EXPECT_EQ(server.requests().size(), 300u);
  EXPECT_EQ(api.outstanding(), 0u);
}

TEST(AsyncClient, RetriesServerErrorsWithTheSameKey) {
  fake_server server{[](const seen_request& seen) {
    return seen.attempt <= 2 ? error_reply(503, "overloaded") : echo(seen);
  }};
  boost::asio::io_context io;
  async_client api{io, config_for(server, 2, 4)};
  std::vector<api_request> requests;
  for (int index = 0; index < 20; ++index)
    requests.push_back(post("/v1/t" + std::to_string(index)));
  const auto results = run_all(io, api, std::move(requests));
  std::map<std::string, std::set<std::string>> keys_by_target;
  for (const auto& seen : server.requests())
    keys_by_target[seen.target].insert(seen.idempotency_key);
  for (std::size_t index = 0; index < results.size(); ++index) {
    const auto& result = results[index];
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(result.attempts, 3u);
    const auto& keys = keys_by_target["/v1/t" + std::to_string(index)];
    ASSERT_EQ(keys.size(), 1u);
    EXPECT_EQ(*keys.begin(), result.idempotency_key);
    EXPECT_FALSE(result.idempotency_key.empty());
  }
  EXPECT_EQ(api.stats().retries, 40u);
}

TEST(AsyncClient, RetriesEveryCallOnADroppedConnection) {
  // The fifth request to arrive kills its connection with up to 7 more pipelined behind it.
  std::atomic<int> arrivals{0};
  fake_server server{[&](const seen_request& seen) {
    auto reply = echo(seen);
    reply.drop = ++arrivals == 5;
    return reply;
  }};
  boost::asio::io_context io;
  async_client api{io, config_for(server, 1, 8)};
  std::vector<api_request> requests;
  for (int index = 0; index < 40; ++index)
    requests.push_back(post("/v1/d" + std::to_string(index)));
  const auto results = run_all(io, api, std::move(requests));
  std::map<std::string, std::set<std::string>> keys_by_target;
  for (const auto& seen : server.requests())
    keys_by_target[seen.target].insert(seen.idempotency_key);
  for (std::size_t index = 0; index < results.size(); ++index) {
    ASSERT_TRUE(results[index].ok()) << results[index].transport_error;
    EXPECT_EQ(results[index].body, "/v1/d" + std::to_string(index));
    EXPECT_EQ(keys_by_target["/v1/d" + std::to_string(index)].size(), 1u);
  }
  EXPECT_GE(api.stats().retries, 1u);
  EXPECT_EQ(server.connections_accepted(), 2u);
}

TEST(AsyncClient, ClientErrorsAreFinal) {
  fake_server server{[](const seen_request& seen) {
    return seen.target == "/v1/bad" ? error_reply(400, "parameter_invalid")
                                    : error_reply(409, "insufficient_funds");
  }};
  boost::asio::io_context io;
  async_client api{io, config_for(server, 1, 2)};
  const auto results = run_all(io, api, {post("/v1/bad"), post("/v1/poor")});
  EXPECT_EQ(results[0].status, 400u);
  EXPECT_EQ(results[0].attempts, 1u);
  EXPECT_EQ(results[1].status, 409u);
  EXPECT_EQ(results[1].attempts, 1u);
  EXPECT_EQ(results[1].error_code(), "insufficient_funds");
  EXPECT_EQ(server.requests().size(), 2u);
  EXPECT_EQ(api.stats().retries, 0u);
}

TEST(AsyncClient, TimesOutAndRetriesWithTheSameKey) {
  fake_server server{[](const seen_request& seen) {
    auto reply = echo(seen);
    if (seen.attempt == 1) reply.delay = 500ms;
    return reply;
  }};
  auto config = config_for(server, 1, 1);
  config.request_timeout_ms = 100ms;
  boost::asio::io_context io;
  async_client api{io, config};
  const auto results = run_all(io, api, {post("/v1/slow")});
  ASSERT_TRUE(results[0].ok()) << results[0].transport_error;
  EXPECT_EQ(results[0].attempts, 2u);
  EXPECT_GE(api.stats().timeouts, 1u);
  const auto seen = server.requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].idempotency_key, seen[1].idempotency_key);
}

TEST(AsyncClient, CloseCompletesWhatIsStillOwed) {
  fake_server server{[](const seen_request& seen) {
    auto reply = echo(seen);
    reply.delay = 300ms;
    return reply;
  }};
  boost::asio::io_context io;
  async_client api{io, config_for(server, 1, 1)};
  std::vector<api_result> results;
  for (int index = 0; index < 3; ++index) {
    api.send(post("/v1/owed"), [&](api_result result) { results.push_back(std::move(result)); });
  }
  boost::asio::steady_timer soon{io, 20ms};
  soon.async_wait([&](boost::system::error_code) { api.close(); });
  io.run_for(run_limit);
  ASSERT_EQ(results.size(), 3u);
  for (const auto& result : results) {
    EXPECT_FALSE(result.answered);
    EXPECT_EQ(result.transport_error, "client closed");
  }
  EXPECT_EQ(api.outstanding(), 0u);
}

}  // namespace
}  // namespace escrowd::client
