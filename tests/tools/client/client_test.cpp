// The synchronous client against the scripted fake server: a write keeps one idempotency key
// across all its retries, retries wait within the full-jitter bound (seen through the retry
// observer, not a clock), business rejections and other 4xx are final, Retry-After is
// honoured, timeouts and dropped connections are retried, and one keep-alive connection
// carries many requests.
#include "tools/client/client.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <mutex>
#include <vector>

#include "tests/tools/client/fake_server.hpp"

namespace escrowd::client {
namespace {

using namespace std::chrono_literals;
using testing::error_reply;
using testing::fake_server;
using testing::scripted_reply;
using testing::seen_request;

client_config config_for(const fake_server& server) {
  client_config config;
  config.port = server.port();
  config.api_key = "sk_test_client";
  config.retry_delay_ms_initial = 2ms;
  config.retry_delay_ms_max = 10ms;
  config.request_timeout_ms = 2s;
  return config;
}

scripted_reply created(std::string body = R"({"id":"t1"})") {
  scripted_reply reply;
  reply.status = 201;
  reply.body = std::move(body);
  return reply;
}

TEST(Client, RetriesServerErrorsWithTheSameKey) {
  fake_server server{[](const seen_request& seen) {
    return seen.attempt <= 3 ? error_reply(503, "overloaded") : created();
  }};
  client api{config_for(server)};
  const auto result = api.post("/v1/tasks", R"({"payer":"a","amount":5,"currency":"usd"})");
  EXPECT_TRUE(result.ok());
  EXPECT_EQ(result.status, 201u);
  EXPECT_EQ(result.attempts, 4u);
  const auto seen = server.requests();
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_FALSE(result.idempotency_key.empty());
  for (const auto& each : seen) {
    EXPECT_EQ(each.idempotency_key, result.idempotency_key);
    EXPECT_EQ(each.body, seen.front().body);
  }
}

TEST(Client, EveryRetryWaitsWithinTheFullJitterBound) {
  fake_server server{[](const seen_request&) { return error_reply(500, "internal"); }};
  auto config = config_for(server);
  config.retries_max = 6;
  config.retry_delay_ms_initial = 1ms;
  config.retry_delay_ms_max = 8ms;
  std::vector<retry_event> events;
  std::vector<std::string> keys;
  config.on_retry = [&](const retry_event& event) {
    events.push_back(event);
    keys.emplace_back(event.idempotency_key);
  };
  client api{config};
  const auto result = api.post("/v1/tasks/t1/approve", "");
  EXPECT_EQ(result.status, 500u);
  EXPECT_EQ(result.attempts, 7u);
  EXPECT_EQ(server.requests().size(), 7u);
  ASSERT_EQ(events.size(), 6u);
  for (unsigned index = 0; index < events.size(); ++index) {
    EXPECT_EQ(events[index].attempt, index + 1);
    EXPECT_EQ(events[index].reason, retry_reason::server_error);
    EXPECT_GE(events[index].delay.count(), 0);
    EXPECT_LE(events[index].delay.count(), std::min(8, 1 << index)) << "retry " << index;
    EXPECT_EQ(keys[index], result.idempotency_key);
  }
}

TEST(Client, DoesNotRetryABadRequest) {
  fake_server server{[](const seen_request&) { return error_reply(400, "parameter_invalid"); }};
  client api{config_for(server)};
  const auto result = api.post("/v1/tasks", "{}");
  EXPECT_EQ(result.status, 400u);
  EXPECT_EQ(result.attempts, 1u);
  EXPECT_EQ(result.error_code(), "parameter_invalid");
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(Client, DoesNotRetryInsufficientFunds) {
  fake_server server{[](const seen_request&) { return error_reply(409, "insufficient_funds"); }};
  client api{config_for(server)};
  const auto result = api.post("/v1/tasks/t1/fund", "");
  EXPECT_EQ(result.status, 409u);
  EXPECT_EQ(result.attempts, 1u);
  EXPECT_EQ(result.error_code(), "insufficient_funds");
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(Client, RetriesWhileTheKeyIsInFlight) {
  fake_server server{[](const seen_request& seen) {
    return seen.attempt == 1 ? error_reply(409, "idempotency_key_in_use") : created();
  }};
  client api{config_for(server)};
  const auto result = api.post("/v1/tasks", "{}");
  EXPECT_EQ(result.status, 201u);
  EXPECT_EQ(result.attempts, 2u);
  const auto seen = server.requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].idempotency_key, seen[1].idempotency_key);
}

TEST(Client, HonoursRetryAfterUpToItsCap) {
  fake_server server{[](const seen_request& seen) {
    if (seen.attempt > 1) return created();
    auto limited = error_reply(429, "rate_limited");
    limited.headers.emplace_back("Retry-After", "1");
    return limited;
  }};
  auto config = config_for(server);
  config.retry_delay_ms_max = 2ms;   // the backoff alone would wait at most 2 ms
  config.retry_after_ms_max = 40ms;  // Retry-After says 1 s, cut to 40 ms for a fast test
  std::vector<retry_event> events;
  config.on_retry = [&](const retry_event& event) { events.push_back(event); };
  client api{config};
  const auto result = api.post("/v1/accounts/a/withdrawals", "{}");
  EXPECT_EQ(result.status, 201u);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].reason, retry_reason::rate_limited);
  EXPECT_EQ(events[0].delay, 40ms);
}

TEST(Client, KeepsOneConnectionAlive) {
  fake_server server{[](const seen_request&) { return scripted_reply{}; }};
  client api{config_for(server)};
  for (int index = 0; index < 20; ++index) {
    ASSERT_TRUE(api.get("/v1/accounts/a" + std::to_string(index)).ok());
  }
  EXPECT_EQ(api.connections_opened(), 1u);
  EXPECT_EQ(server.connections_accepted(), 1u);
  for (const auto& seen : server.requests()) EXPECT_EQ(seen.connection, 1u);
}

TEST(Client, ReconnectsAfterTheServerClosed) {
  fake_server server{[](const seen_request& seen) {
    scripted_reply reply;
    reply.close_after = seen.target == "/v1/first";
    return reply;
  }};
  client api{config_for(server)};
  ASSERT_TRUE(api.get("/v1/first").ok());
  const auto second = api.get("/v1/second");
  EXPECT_TRUE(second.ok());
  EXPECT_EQ(second.attempts, 1u);  // the close was seen, so nothing was sent into a dead socket
  EXPECT_EQ(server.connections_accepted(), 2u);
}

TEST(Client, RetriesATimeoutWithTheSameKey) {
  fake_server server{[](const seen_request& seen) {
    auto reply = created();
    if (seen.attempt == 1) reply.delay = 400ms;
    return reply;
  }};
  auto config = config_for(server);
  config.request_timeout_ms = 100ms;
  std::vector<retry_reason> reasons;
  config.on_retry = [&](const retry_event& event) { reasons.push_back(event.reason); };
  client api{config};
  const auto result = api.post("/v1/tasks", "{}");
  EXPECT_EQ(result.status, 201u);
  EXPECT_EQ(result.attempts, 2u);
  ASSERT_EQ(reasons.size(), 1u);
  EXPECT_EQ(reasons[0], retry_reason::timeout);
  const auto seen = server.requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].idempotency_key, seen[1].idempotency_key);
  EXPECT_NE(seen[0].connection, seen[1].connection);  // a timed-out connection is not reused
}

TEST(Client, RetriesADroppedConnection) {
  fake_server server{[](const seen_request& seen) {
    auto reply = created();
    reply.drop = seen.attempt == 1;
    return reply;
  }};
  auto config = config_for(server);
  std::vector<retry_reason> reasons;
  config.on_retry = [&](const retry_event& event) { reasons.push_back(event.reason); };
  client api{config};
  const auto result = api.post("/v1/tasks/t1/submit", "{}");
  EXPECT_EQ(result.status, 201u);
  EXPECT_EQ(result.attempts, 2u);
  ASSERT_EQ(reasons.size(), 1u);
  EXPECT_EQ(reasons[0], retry_reason::transport);
}

TEST(Client, GivesUpAfterRetriesMax) {
  fake_server server{[](const seen_request&) { return error_reply(503, "not_ready"); }};
  auto config = config_for(server);
  config.retries_max = 2;
  client api{config};
  const auto result = api.post("/v1/tasks", "{}");
  EXPECT_TRUE(result.answered);
  EXPECT_EQ(result.status, 503u);
  EXPECT_EQ(result.attempts, 3u);
  EXPECT_EQ(server.requests().size(), 3u);
}

TEST(Client, ReportsAnUnreachableServerAfterItsRetries) {
  std::uint16_t closed_port = 0;
  {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor probe{io, {boost::asio::ip::make_address("127.0.0.1"), 0}};
    closed_port = probe.local_endpoint().port();
  }
  client_config config;
  config.port = closed_port;
  config.retries_max = 2;
  config.retry_delay_ms_initial = 1ms;
  config.retry_delay_ms_max = 2ms;
  client api{config};
  const auto result = api.post("/v1/tasks", "{}");
  EXPECT_FALSE(result.answered);
  EXPECT_EQ(result.status, 0u);
  EXPECT_EQ(result.attempts, 3u);
  EXPECT_FALSE(result.transport_error.empty());
}

TEST(Client, ReadsCarryNoKeyAndEachWriteItsOwn) {
  fake_server server{[](const seen_request&) { return scripted_reply{}; }};
  client api{config_for(server)};
  ASSERT_TRUE(api.get("/v1/tasks/t1").ok());
  ASSERT_TRUE(api.post("/v1/tasks/t1/approve", "").ok());
  ASSERT_TRUE(api.post("/v1/tasks/t1/approve", "").ok());
  api_request chosen;
  chosen.method = "POST";
  chosen.target = "/v1/tasks/t1/cancel";
  chosen.idempotency_key = "my-key";
  chosen.api_key = "sk_other";
  const auto replay = api.send(chosen);
  EXPECT_EQ(replay.idempotency_key, "my-key");
  const auto seen = server.requests();
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[0].idempotency_key, "");
  EXPECT_EQ(seen[0].authorization, "Bearer sk_test_client");
  EXPECT_FALSE(seen[1].idempotency_key.empty());
  EXPECT_NE(seen[1].idempotency_key, seen[2].idempotency_key);
  EXPECT_EQ(seen[3].idempotency_key, "my-key");
  EXPECT_EQ(seen[3].authorization, "Bearer sk_other");
}

TEST(Client, ReportsReplayHeaders) {
  fake_server server{[](const seen_request&) {
    auto reply = created();
    reply.headers.emplace_back("Idempotent-Replayed", "true");
    reply.headers.emplace_back("Original-Request", "req_first");
    return reply;
  }};
  client api{config_for(server)};
  const auto result = api.post("/v1/tasks", "{}");
  EXPECT_TRUE(result.replayed);
  EXPECT_EQ(result.original_request, "req_first");
  EXPECT_EQ(result.request_id, "req_fake");
}

}  // namespace
}  // namespace escrowd::client
