// Tests what the simulator's network layer (server.cpp) answers by itself, before a request
// reaches the api: a body or a header block over the bounds in limits.hpp. Each test starts
// the real binary on port 0 and writes raw bytes over a plain socket, because the harness's
// client (Beast) would refuse to send what these tests need; then it reads the answer
// with tests/http/test_client.hpp and checks it as a Stripe client would.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <string>

#include "limits.hpp"
#include "sim_harness.hpp"
#include "tests/http/test_client.hpp"

namespace escrowd::processor_sim::testing {
namespace {

using http::testing::parsed_response;

// Writes `raw` as it is and reads the one answer (5 s at most; an empty one if none came).
parsed_response exchange(std::uint16_t port, const std::string& raw) {
  http::testing::test_client client(port);
  EXPECT_TRUE(client.connected());
  EXPECT_TRUE(client.send(raw));
  auto answer = client.read_response();
  EXPECT_TRUE(answer.has_value()) << "no answer before the connection closed";
  return answer.value_or(parsed_response{});
}

class network_layer_test : public ::testing::Test {
 protected:
  void TearDown() override {
    EXPECT_EQ(sim_.stop(), 0) << "simulator exited uncleanly (leak or crash?)";
  }

  // Every Stripe response carries a Request-Id; these answers are made before the api and
  // had none (nor Content-Type or Stripe-Version).
  static void expect_stripe_error_answer(const parsed_response& answer) {
    EXPECT_EQ(answer.status_line, "HTTP/1.1 400 Bad Request");
    EXPECT_TRUE(answer.header("request-id").value_or("").starts_with("req_")) << answer.status_line;
    EXPECT_EQ(answer.header("content-type").value_or(""), "application/json");
    EXPECT_FALSE(answer.header("stripe-version").value_or("").empty());
    EXPECT_EQ(boost::json::parse(answer.body).at("error").at("type"), "invalid_request_error");
  }

  sim_process sim_{{"--listen", "127.0.0.1:0", "--seed", "11"}};
};

// The body is never sent: the declared length alone is over the bound, so the simulator
// answers at once and nothing unread is left to turn its close into a reset.
TEST_F(network_layer_test, a_body_too_large_is_answered_with_a_request_id) {
  const auto answer = exchange(sim_.port(),
                               "POST /v1/payment_intents HTTP/1.1\r\nHost: sim\r\n"
                               "Authorization: Bearer sk_test_abc\r\n"
                               "Content-Type: application/x-www-form-urlencoded\r\n"
                               "Content-Length: " +
                                   std::to_string(request_body_bytes_max + 1) + "\r\n\r\n");
  expect_stripe_error_answer(answer);
}

TEST_F(network_layer_test, a_header_block_too_large_is_answered_with_a_request_id) {
  const auto answer = exchange(sim_.port(),
                               "GET /v1/payment_intents HTTP/1.1\r\nHost: sim\r\n"
                               "X-Padding: " +
                                   std::string(request_header_bytes_max, 'a') + "\r\n\r\n");
  expect_stripe_error_answer(answer);
}

// Each answer is an answer of its own: two refusals do not share a request id.
TEST_F(network_layer_test, each_refusal_has_its_own_request_id) {
  const std::string too_large = "POST /v1/payouts HTTP/1.1\r\nHost: sim\r\nContent-Length: " +
                                std::to_string(request_body_bytes_max + 1) + "\r\n\r\n";
  const auto first = exchange(sim_.port(), too_large);
  const auto second = exchange(sim_.port(), too_large);
  ASSERT_FALSE(first.header("request-id").value_or("").empty());
  EXPECT_NE(first.header("request-id"), second.header("request-id"));
}

}  // namespace
}  // namespace escrowd::processor_sim::testing
