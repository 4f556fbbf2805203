// The client's retry policy as pure functions: which answers are retried, the full-jitter
// bound of every backoff, Retry-After parsing and capping, and key generation. Random bits
// come from a seeded generator (seed printed) so a failure reproduces.
#include "tools/client/retry_policy.hpp"

#include <gtest/gtest.h>

#include <random>
#include <set>

#include "tools/client/api_call.hpp"

namespace escrowd::client {
namespace {

using std::chrono::milliseconds;

attempt_outcome answered(unsigned status, std::string_view body = "{}") {
  return attempt_outcome{
      .answered = true, .timed_out = false, .status = status, .body = body, .retry_after = {}};
}

TEST(RetryPolicy, RetriesEveryKindOfMissingAnswer) {
  const auto refused = decide_retry(attempt_outcome{});
  EXPECT_TRUE(refused.retry);
  EXPECT_EQ(refused.reason, retry_reason::transport);
  attempt_outcome late;
  late.timed_out = true;
  const auto timed_out = decide_retry(late);
  EXPECT_TRUE(timed_out.retry);
  EXPECT_EQ(timed_out.reason, retry_reason::timeout);
}

TEST(RetryPolicy, RetriesServerErrorsAndRateLimits) {
  for (unsigned status : {500u, 502u, 503u, 504u}) {
    const auto decision = decide_retry(answered(status));
    EXPECT_TRUE(decision.retry) << status;
    EXPECT_EQ(decision.reason, retry_reason::server_error) << status;
  }
  const auto limited = decide_retry(answered(429));
  EXPECT_TRUE(limited.retry);
  EXPECT_EQ(limited.reason, retry_reason::rate_limited);
}

TEST(RetryPolicy, RetriesOnlyTheInFlightKeyConflict) {
  const auto in_use = decide_retry(
      answered(409, R"({"error":{"type":"idempotency_error","code":"idempotency_key_in_use"}})"));
  EXPECT_TRUE(in_use.retry);
  EXPECT_EQ(in_use.reason, retry_reason::idempotency_key_in_use);
  // The code word inside a message, not as the code, is not the conflict.
  EXPECT_FALSE(decide_retry(answered(409, R"({"error":{"code":"insufficient_funds",)"
                                          R"("message":"not idempotency_key_in_use"}})"))
                   .retry);
  EXPECT_FALSE(decide_retry(answered(409, R"({"error":{"code":"insufficient_funds"}})")).retry);
  EXPECT_FALSE(
      decide_retry(answered(409, R"({"error":{"code":"invalid_state_transition"}})")).retry);
}

TEST(RetryPolicy, NeverRetriesOtherClientErrorsOrSuccesses) {
  for (unsigned status : {200u, 201u, 202u, 400u, 401u, 403u, 404u, 405u, 413u, 422u}) {
    EXPECT_FALSE(decide_retry(answered(status)).retry) << status;
  }
}

TEST(RetryPolicy, BackoffStaysWithinTheFullJitterBound) {
  client_config config;
  config.retry_delay_ms_initial = milliseconds{50};
  config.retry_delay_ms_max = milliseconds{2'000};
  const auto seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 random{seed};
  for (unsigned retry = 0; retry < 64; ++retry) {
    const auto bound = std::min<std::int64_t>(2'000, retry < 30 ? 50LL << retry : 2'000);
    std::set<std::int64_t> seen;
    for (int draw = 0; draw < 200; ++draw) {
      const auto delay = backoff_delay(retry, config, random()).count();
      ASSERT_GE(delay, 0);
      ASSERT_LE(delay, bound) << "retry " << retry;
      seen.insert(delay);
    }
    // Jitter, not a fixed delay: 200 draws over at least 51 values are never all equal.
    EXPECT_GT(seen.size(), 1u) << "retry " << retry;
  }
}

TEST(RetryPolicy, BackoffReachesBothEndsOfItsRange) {
  client_config config;
  config.retry_delay_ms_initial = milliseconds{10};
  config.retry_delay_ms_max = milliseconds{100};
  EXPECT_EQ(backoff_delay(0, config, 0).count(), 0);
  EXPECT_EQ(backoff_delay(0, config, 10).count(), 10);
  EXPECT_EQ(backoff_delay(3, config, 80).count(), 80);
  EXPECT_EQ(backoff_delay(4, config, 100).count(), 100);  // 160 capped to 100
  EXPECT_EQ(backoff_delay(4, config, 101).count(), 0);    // modulo the inclusive range
}

TEST(RetryPolicy, RetryAfterReplacesTheBackoffUpToItsCap) {
  client_config config;
  config.retry_after_ms_max = milliseconds{10'000};
  retry_decision decision{
      .retry = true, .reason = retry_reason::rate_limited, .server_delay = milliseconds{1'000}};
  EXPECT_EQ(retry_delay(decision, 0, config, 12345).count(), 1'000);
  config.retry_after_ms_max = milliseconds{30};
  EXPECT_EQ(retry_delay(decision, 0, config, 12345).count(), 30);
  decision.server_delay.reset();
  config.retry_delay_ms_initial = milliseconds{4};
  EXPECT_LE(retry_delay(decision, 0, config, 12345).count(), 4);
}

TEST(RetryPolicy, ParsesDeltaSecondsOnly) {
  EXPECT_EQ(parse_retry_after("2"), milliseconds{2'000});
  EXPECT_EQ(parse_retry_after(" 0 "), milliseconds{0});
  EXPECT_EQ(parse_retry_after("999999999"), milliseconds{86'400'000});
  EXPECT_FALSE(parse_retry_after(""));
  EXPECT_FALSE(parse_retry_after("-1"));
  EXPECT_FALSE(parse_retry_after("1.5"));
  EXPECT_FALSE(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"));
}

TEST(IdempotencyKey, KeysAreFreshPrintableAndWithinTheLimit) {
  std::set<std::string> keys;
  for (int index = 0; index < 1000; ++index) {
    auto key = new_idempotency_key();
    ASSERT_EQ(key.size(), 35u);
    ASSERT_EQ(key.rfind("ik_", 0), 0u);
    ASSERT_LE(key.size(), 255u);
    keys.insert(std::move(key));
  }
  EXPECT_EQ(keys.size(), 1000u);
}

TEST(ErrorEnvelope, ReadsTheCodeOrNothing) {
  EXPECT_EQ(error_code_of(R"({"error":{"type":"x","code":"not_found","message":"m"}})"),
            "not_found");
  EXPECT_EQ(error_code_of(R"({"id":"t1"})"), "");
  EXPECT_EQ(error_code_of("not json"), "");
  EXPECT_EQ(error_code_of(R"({"error":"flat"})"), "");
}

}  // namespace
}  // namespace escrowd::client
