// Tests http/startup_gate.hpp over a real server: before the API is open /healthz is 200
// (the process is alive) and everything else 503 not_ready with Retry-After; once open,
// every request reaches the API.
#include "http/startup_gate.hpp"

#include <gtest/gtest.h>

#include <string>

#include "tests/http/test_client.hpp"
#include "tests/http/test_server.hpp"

namespace escrowd::http::testing {
namespace {

TEST(startup_gate, alive_but_not_ready_until_the_api_is_open) {
  echo_handler api;  // outlives the server, which may hand it requests until it stops
  startup_gate gate;
  server instance{test_config(), gate};
  test_client client{start_or_fail(instance)};
  ASSERT_TRUE(client.connected());

  ASSERT_TRUE(client.send(get_request("/healthz")));
  auto alive = client.read_response();
  ASSERT_TRUE(alive.has_value());
  EXPECT_EQ(alive->status, 200u);
  for (const std::string target : {"/readyz", "/v1/accounts/acct_1", "/metrics"}) {
    ASSERT_TRUE(client.send(get_request(target)));
    auto refused = client.read_response();
    ASSERT_TRUE(refused.has_value()) << target;
    EXPECT_EQ(refused->status, 503u) << target;
    EXPECT_EQ(refused->header("Retry-After"), "1") << target;
    EXPECT_NE(refused->body.find("\"not_ready\""), std::string::npos) << refused->body;
  }

  gate.open(api);
  ASSERT_TRUE(client.send(get_request("/v1/accounts/acct_1")));
  auto served = client.read_response();
  ASSERT_TRUE(served.has_value());
  EXPECT_EQ(served->status, 200u);
  EXPECT_EQ(served->body, "GET /v1/accounts/acct_1 ");
}

}  // namespace
}  // namespace escrowd::http::testing
