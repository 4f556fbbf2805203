// Starting and stopping the server, and answers that outlive their connection or the server:
// stop() writes answers handed back during its drain, bounds its wait for answers that never
// come, closes idle connections at once; responders called after the client left or after
// stop() do nothing (run under ASan and TSan to mean anything); start() reports bind errors.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <thread>

#include "tests/http/test_client.hpp"
#include "tests/http/test_server.hpp"

namespace escrowd::http::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

TEST(server_lifecycle_test, stop_writes_answers_handed_back_while_it_drains) {
  deferred_handler handler;
  server instance{test_config(), handler};
  test_client client{start_or_fail(instance)};
  ASSERT_TRUE(client.send(get_request("/in-flight")));
  ASSERT_TRUE(handler.wait_for(1));

  std::thread stopper{[&] { instance.stop(); }};
  std::this_thread::sleep_for(milliseconds{50});  // let stop() begin draining
  handler.take(0).respond(text_response("finished during stop"));
  const auto answer = client.read_response();
  stopper.join();
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->body, "finished during stop");
  EXPECT_EQ(answer->header("Connection"), "close");  // the connection's last answer
  EXPECT_TRUE(client.wait_closed(std::chrono::seconds{1}));
}

TEST(server_lifecycle_test, stop_gives_up_on_answers_that_never_come) {
  deferred_handler handler;
  auto config = test_config();
  config.stop_timeout_ms = milliseconds{200};
  server instance{config, handler};
  test_client client{start_or_fail(instance)};
  ASSERT_TRUE(client.send(get_request("/never")));
  ASSERT_TRUE(handler.wait_for(1));
  const auto started = steady_clock::now();
  instance.stop();
  EXPECT_LT(steady_clock::now() - started, std::chrono::seconds{2});
  EXPECT_TRUE(client.wait_closed(std::chrono::seconds{1}));
  // Answering after stop() is a harmless no-op.
  handler.take(0).respond(text_response("too late"));
}

TEST(server_lifecycle_test, stop_closes_idle_connections_without_waiting_for_the_timeout) {
  echo_handler handler;
  auto config = test_config();
  config.stop_timeout_ms = std::chrono::seconds{10};
  server instance{config, handler};
  const auto port = start_or_fail(instance);
  test_client idle{port};
  ASSERT_TRUE(idle.send(get_request("/once")));
  ASSERT_TRUE(idle.read_response().has_value());
  test_client silent{port};  // connected, never sent anything
  test_client partial{port};
  ASSERT_TRUE(partial.send("GET /half HTTP/1.1\r\n"));  // mid-header
  std::this_thread::sleep_for(milliseconds{20});        // let the server accept them
  const auto started = steady_clock::now();
  instance.stop();
  EXPECT_LT(steady_clock::now() - started, std::chrono::seconds{2});
  EXPECT_TRUE(idle.wait_closed(std::chrono::seconds{1}));
  EXPECT_TRUE(silent.wait_closed(std::chrono::seconds{1}));
  EXPECT_TRUE(partial.wait_closed(std::chrono::seconds{1}));
  // And no longer accepting.
  test_client late{port};
  EXPECT_TRUE(!late.connected() || late.wait_closed(std::chrono::seconds{1}));
}

TEST(server_lifecycle_test, responder_called_after_the_client_disconnected_is_harmless) {
  deferred_handler handler;
  server instance{test_config(), handler};
  const auto port = start_or_fail(instance);
  {
    test_client client{port};
    ASSERT_TRUE(client.send(get_request("/gone") + get_request("/gone-too")));
    ASSERT_TRUE(handler.wait_for(2));
  }  // closed before any answer
  std::this_thread::sleep_for(milliseconds{20});
  handler.take(1).respond(text_response("nobody listens"));  // out of order, too
  handler.take(0).respond(text_response("nobody listens"));
  // The server is still fine.
  test_client next{port};
  ASSERT_TRUE(next.send(get_request("/next")));
  ASSERT_TRUE(handler.wait_for(3));
  handler.take(2).respond(text_response("ok"));
  const auto answer = next.read_response();
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->body, "ok");
}

TEST(server_lifecycle_test, responders_racing_with_stop_and_destruction_are_safe) {
  deferred_handler handler;
  auto config = test_config();
  config.stop_timeout_ms = milliseconds{100};
  auto instance = std::make_unique<server>(config, handler);
  const auto port = start_or_fail(*instance);
  constexpr std::size_t request_count = 8;
  std::vector<std::unique_ptr<test_client>> clients;
  for (std::size_t index = 0; index < request_count; ++index) {
    clients.push_back(std::make_unique<test_client>(port));
    ASSERT_TRUE(clients.back()->send(get_request("/race")));
  }
  ASSERT_TRUE(handler.wait_for(request_count));
  std::thread answering{[&] {
    for (std::size_t index = 0; index < request_count; ++index) {
      handler.take(index).respond(text_response("racing"));
      std::this_thread::sleep_for(milliseconds{10});
    }
  }};
  std::this_thread::sleep_for(milliseconds{30});
  instance.reset();  // stop() plus destruction while answers keep coming
  answering.join();
}

TEST(server_lifecycle_test, destructor_stops_a_running_server) {
  echo_handler handler;
  std::uint16_t port = 0;
  {
    server instance{test_config(), handler};
    port = start_or_fail(instance);
    test_client client{port};
    ASSERT_TRUE(client.send(get_request("/x")));
    ASSERT_TRUE(client.read_response().has_value());
  }
  test_client after{port};
  EXPECT_TRUE(!after.connected() || after.wait_closed(std::chrono::seconds{1}));
}

TEST(server_lifecycle_test, start_reports_a_port_in_use_and_a_bad_address) {
  echo_handler handler;
  server first{test_config(), handler};
  const auto port = start_or_fail(first);

  auto config = test_config();
  config.port = port;
  server second{config, handler};
  const auto taken = second.start();
  ASSERT_FALSE(taken.has_value());
  EXPECT_EQ(taken.failure().param, "port");

  config.listen_address = "not-an-address";
  server third{config, handler};
  const auto bad = third.start();
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.code(), error_code::parameter_invalid);
  EXPECT_EQ(bad.failure().param, "listen_address");

  auto invalid = test_config();
  invalid.pipelined_requests_max = 0;
  server fourth{invalid, handler};
  const auto refused = fourth.start();
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.failure().param, "pipelined_requests_max");
}

}  // namespace
}  // namespace escrowd::http::testing
