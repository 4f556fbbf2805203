// Tests what the simulator's network layer (server.cpp) answers by itself, before a request
// reaches the api: a body or a header block over the bounds in limits.hpp. Each test starts
// the real binary on port 0 and writes raw bytes over a plain socket, because the harness's
// client (Beast) would refuse to send what these tests need; then it reads until the
// simulator closes the connection and checks the answer as a Stripe client would.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <cctype>
#include <map>
#include <string>

#include "limits.hpp"
#include "sim_harness.hpp"

namespace escrowd::processor_sim::testing {
namespace {

struct raw_answer {
  std::string status_line;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;

  [[nodiscard]] std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

raw_answer parse_answer(const std::string& received) {
  raw_answer answer;
  const auto head_end = received.find("\r\n\r\n");
  if (head_end == std::string::npos) return answer;
  std::size_t at = received.find("\r\n");
  answer.status_line = received.substr(0, at);
  while (at < head_end) {
    const std::size_t line = at + 2;
    at = received.find("\r\n", line);
    const std::size_t colon = received.find(':', line);
    if (colon == std::string::npos || colon > at) continue;
    std::string name = received.substr(line, colon - line);
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const std::size_t value = received.find_first_not_of(' ', colon + 1);
    answer.headers[name] = received.substr(value, at - value);
  }
  answer.body = received.substr(head_end + 4);
  return answer;
}

// Writes `raw` as it is, then reads until the simulator closes the connection (5 s at most).
raw_answer exchange(std::uint16_t port, const std::string& raw) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_GE(fd, 0);
  timeval timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
  EXPECT_EQ(::send(fd, raw.data(), raw.size(), MSG_NOSIGNAL), static_cast<ssize_t>(raw.size()));
  std::string received;
  char chunk[4096];
  for (ssize_t n; (n = ::recv(fd, chunk, sizeof chunk, 0)) > 0;)
    received.append(chunk, static_cast<std::size_t>(n));
  ::close(fd);
  return parse_answer(received);
}

class network_layer_test : public ::testing::Test {
 protected:
  void TearDown() override {
    EXPECT_EQ(sim_.stop(), 0) << "simulator exited uncleanly (leak or crash?)";
  }

  // Every Stripe response carries a Request-Id; these answers are made before the api and
  // had none (nor Content-Type or Stripe-Version).
  static void expect_stripe_error_answer(const raw_answer& answer) {
    EXPECT_EQ(answer.status_line, "HTTP/1.1 400 Bad Request");
    EXPECT_TRUE(answer.header("request-id").starts_with("req_")) << answer.status_line;
    EXPECT_EQ(answer.header("content-type"), "application/json");
    EXPECT_FALSE(answer.header("stripe-version").empty());
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
  ASSERT_FALSE(first.header("request-id").empty());
  EXPECT_NE(first.header("request-id"), second.header("request-id"));
}

}  // namespace
}  // namespace escrowd::processor_sim::testing
