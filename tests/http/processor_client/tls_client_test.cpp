// Tests the processor client's https path against a local TLS server with a self-signed
// certificate: with verification off (as for a test server) requests succeed and share one
// keep-alive TLS connection; with verification on (the default, as for Stripe) the
// handshake is refused before any request is sent, as a retryable transport failure.
#include <gtest/gtest.h>

#include <future>

#include "http/processor_client/stripe_client.hpp"
#include "tests/http/processor_client/tls_test_server.hpp"

namespace escrowd::processor_client::testing {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view intent =
    R"({"id":"pi_tls","object":"payment_intent","amount":100,"currency":"usd",)"
    R"("status":"succeeded","metadata":{"escrowd_topup":"top_tls"}})";

actors::processor_reply send_now(stripe_client& client) {
  std::promise<actors::processor_reply> answered;
  auto answer = answered.get_future();
  client.send({processor_kind::topup, "topup:top_tls:charge", "amount=100"},
              [&answered](actors::processor_reply reply) { answered.set_value(std::move(reply)); });
  return answer.get();
}

std::shared_ptr<stripe_client> client_for(const tls_test_server& server, bool verify) {
  stripe_client_config config;
  config.url = "https://127.0.0.1:" + std::to_string(server.port());
  config.api_key = "sk_test_tls";
  config.request_timeout = 5s;
  config.verify_certificates = verify;
  auto started = stripe_client::start(config);
  EXPECT_TRUE(started.has_value());
  return started.has_value() ? *started : nullptr;
}

TEST(stripe_client_tls, requests_share_one_tls_connection) {
  tls_test_server server{std::string(intent)};
  auto client = client_for(server, false);
  ASSERT_TRUE(client);
  for (int i = 0; i < 4; ++i) {
    const auto reply = send_now(*client);
    ASSERT_EQ(reply.kind, actors::reply_kind::object) << reply.detail;
    EXPECT_EQ(reply.object->id, "pi_tls");
  }
  EXPECT_EQ(server.requests(), 4u);
  EXPECT_EQ(server.connections(), 1u);
}

TEST(stripe_client_tls, an_unverifiable_certificate_is_refused_before_sending) {
  tls_test_server server{std::string(intent)};
  auto client = client_for(server, true);
  ASSERT_TRUE(client);
  const auto reply = send_now(*client);
  EXPECT_EQ(reply.kind, actors::reply_kind::retryable);
  EXPECT_EQ(reply.http_status, 0);
  EXPECT_EQ(server.requests(), 0u);
}

}  // namespace
}  // namespace escrowd::processor_client::testing
