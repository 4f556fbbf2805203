// HTTP/1.1 behaviour of the real escrowd: pipelined requests on one connection (durable
// writes, reads and rejections mixed, so they complete at different speeds) are answered
// in request order, a read pipelined behind a write sees it, and a keep-alive connection
// serves many requests; HEAD answers a GET's headers without its body; answers the
// connection gives by itself (size limits, malformed HTTP) are counted in /metrics.
#include <chrono>
#include <thread>

#include "tests/api/api_fixture.hpp"
#include "tests/http/test_client.hpp"

namespace escrowd::api_testing {
namespace {

class transport_api : public api_fixture {};

// RFC 9110: a server supports GET and HEAD. Load balancers probe with HEAD.
TEST_F(transport_api, head_answers_the_get_headers_without_the_body) {
  const auto account = create_account();
  const auto head = [&](const std::string& target) {
    http::testing::test_client raw{server().port()};
    EXPECT_TRUE(raw.send("HEAD " + target +
                         " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + admin() +
                         "\r\nConnection: close\r\n\r\n"));
    std::string received;
    EXPECT_TRUE(raw.wait_closed(std::chrono::seconds{5}, &received));
    EXPECT_EQ(received.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << received;
    EXPECT_EQ(received.find("\r\n\r\n") + 4, received.size()) << "a body followed: " << received;
    return received;
  };
  head("/healthz");
  const auto got = client().get("/v1/accounts/" + account.id, admin());
  ASSERT_EQ(got.status, 200u);
  EXPECT_NE(head("/v1/accounts/" + account.id)
                .find("Content-Length: " + std::to_string(got.body.size()) + "\r\n"),
            std::string::npos)
      << "the GET's length";
}

TEST_F(transport_api, pipelined_requests_are_answered_in_order) {
  constexpr int rounds = 15;
  const auto prefix = unique_id("pipe");
  const auto existing = create_account();
  std::string bytes;
  for (int i = 0; i < rounds; ++i) {
    const auto id = prefix + "-" + std::to_string(i);
    bytes += build_request("POST", "/v1/accounts", body_of({{"id", id}, {"currency", "usd"}}),
                           {.key = admin()});
    bytes += build_request("GET", "/v1/accounts/" + existing.id, std::nullopt, {.key = admin()});
    bytes += build_request("POST", "/v1/accounts", std::string_view("{"), {.key = admin()});
    bytes += build_request("GET", "/healthz", std::nullopt, {});
  }
  ASSERT_TRUE(client().send_raw(bytes));
  for (int i = 0; i < rounds; ++i) {
    SCOPED_TRACE(i);
    const auto created = client().read_one();
    EXPECT_EQ(created.status, 201u) << describe(created);
    EXPECT_EQ(created.text("id"), prefix + "-" + std::to_string(i));
    const auto read = client().read_one();
    EXPECT_EQ(read.status, 200u) << describe(read);
    EXPECT_EQ(read.text("id"), existing.id);
    expect_error_shape(client().read_one(), 400);
    EXPECT_EQ(client().read_one().status, 200u);
  }
}

// RFC 9112 9.3.2 (formerly RFC 7230 6.3.2): only a run of safe requests may be processed in
// parallel, so a read pipelined behind a write on the same connection sees that write.
TEST_F(transport_api, a_read_pipelined_after_a_write_sees_the_write) {
  constexpr int rounds = 10;
  const auto prefix = unique_id("pipe");
  std::string bytes;
  for (int i = 0; i < rounds; ++i) {
    const auto id = prefix + "-" + std::to_string(i);
    bytes += build_request("POST", "/v1/accounts", body_of({{"id", id}, {"currency", "usd"}}),
                           {.key = admin()});
    bytes += build_request("GET", "/v1/accounts/" + id, std::nullopt, {.key = admin()});
  }
  ASSERT_TRUE(client().send_raw(bytes));
  for (int i = 0; i < rounds; ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(client().read_one().status, 201u);
    const auto read = client().read_one();
    EXPECT_EQ(read.status, 200u) << describe(read);
    EXPECT_EQ(read.text("id"), prefix + "-" + std::to_string(i));
  }
}

TEST_F(transport_api, one_keep_alive_connection_serves_many_requests) {
  http::testing::test_client connection(server().port());
  ASSERT_TRUE(connection.connected());
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(connection.send(build_request("GET", "/healthz", std::nullopt, {})));
    const auto response = connection.read_response();
    ASSERT_TRUE(response.has_value()) << "connection dropped after " << i << " requests";
    ASSERT_EQ(response->status, 200u);
  }
}

// The value of escrowd_http_requests_total for `route` and `status`; 0 when not exported.
double requests_counted(const std::string& metrics, std::string_view route, unsigned status) {
  const std::string labels =
      "route=\"" + std::string(route) + "\",status=\"" + std::to_string(status) + "\"}";
  std::size_t at = 0;
  while ((at = metrics.find("escrowd_http_requests_total{", at)) != std::string::npos) {
    const auto end = metrics.find('\n', at);
    const auto line = metrics.substr(at, end - at);
    if (line.find(labels) != std::string::npos) return std::stod(line.substr(line.rfind(' ') + 1));
    at = end;
  }
  return 0;
}

// Load balancers and dashboards count errors from /metrics: an answer the connection gave
// before any handler saw the request must be there too.
TEST_F(transport_api, answers_the_connection_gives_itself_are_counted) {
  const auto answered = [&](const std::string& bytes) {
    http::testing::test_client raw{server().port()};
    EXPECT_TRUE(raw.send(bytes));
    std::string received;
    EXPECT_TRUE(raw.wait_closed(std::chrono::seconds{5}, &received));
    return received.substr(0, received.find("\r\n"));
  };
  // /metrics is rendered at most once a second (scrapes share it): wait for one after.
  const auto rendered_after = [&](std::chrono::steady_clock::time_point moment) {
    std::this_thread::sleep_until(moment + std::chrono::milliseconds{1'100});
    return client().get("/metrics", admin()).body;
  };
  const auto before = rendered_after(std::chrono::steady_clock::now());
  const auto sent = std::chrono::steady_clock::now();
  EXPECT_EQ(answered("POST /v1/accounts HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     "Content-Type: application/json\r\nContent-Length: 50000000\r\n\r\n"),
            "HTTP/1.1 413 Payload Too Large");
  EXPECT_EQ(answered("GARBAGE\r\n\r\n"), "HTTP/1.1 400 Bad Request");
  const auto after = rendered_after(sent);
  EXPECT_EQ(requests_counted(after, "POST /v1/accounts", 413) -
                requests_counted(before, "POST /v1/accounts", 413),
            1);
  EXPECT_EQ(requests_counted(after, "unmatched", 400) - requests_counted(before, "unmatched", 400),
            1);
}

}  // namespace
}  // namespace escrowd::api_testing
