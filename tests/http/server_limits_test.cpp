// The transport's bounds, attacked over loopback: oversized bodies (declared and chunked),
// oversized headers, malformed HTTP, slow clients (header and body deadlines), the idle
// keep-alive timeout, and the connection cap. Transport errors must come in the API's error
// shape with a Request-Id and Connection: close. Deadlines are set to a few hundred ms.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/http/test_client.hpp"
#include "tests/http/test_server.hpp"

namespace escrowd::http::testing {
namespace {

// Checks the envelope {"error":{"type":T,"code":C,...}} and the transport's headers.
void expect_transport_error(const std::optional<parsed_response>& answer, unsigned status,
                            std::string_view type, std::string_view code) {
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->status, status);
  EXPECT_EQ(answer->header("Content-Type"), "application/json");
  EXPECT_EQ(answer->header("Connection"), "close");
  EXPECT_EQ(answer->header("Server"), "escrowd");
  const auto request_id = answer->header("Request-Id");
  ASSERT_TRUE(request_id.has_value());
  EXPECT_EQ(request_id->rfind("req_", 0), 0u);
  EXPECT_EQ(answer->body.rfind(R"({"error":{"type":")", 0), 0u) << answer->body;
  EXPECT_NE(answer->body.find("\"type\":\"" + std::string{type} + "\""), std::string::npos)
      << answer->body;
  EXPECT_NE(answer->body.find("\"code\":\"" + std::string{code} + "\""), std::string::npos)
      << answer->body;
  EXPECT_NE(answer->body.find("\"message\":"), std::string::npos) << answer->body;
}

TEST(server_limits_test, declared_body_over_the_limit_is_413_and_the_answer_survives) {
  echo_handler handler;
  auto config = test_config();
  config.request_body_bytes_max = 1024;
  server instance{config, handler};
  test_client client{start_or_fail(instance)};
  // Send the whole oversized body: the server must answer without reading it, and linger so
  // the unread bytes do not turn into a reset that destroys the 413 before we read it.
  ASSERT_TRUE(client.send(post_request("/big", std::string(64 * 1024, 'x'))));
  expect_transport_error(client.read_response(), 413, "invalid_request_error", "body_too_large");
  EXPECT_TRUE(client.wait_closed(std::chrono::seconds{2}));
}

// A batch may carry 8,190 operations (api.md), more than the ordinary limit holds: its own
// limit applies to POST on the batch path only, declared or chunked.
TEST(server_limits_test, the_batch_path_has_its_own_larger_body_limit) {
  echo_handler handler;
  auto config = test_config();
  config.request_body_bytes_max = 1024;
  config.batch_body_bytes_max = 4096;
  server instance{config, handler};
  const auto port = start_or_fail(instance);
  {
    test_client client{port};
    ASSERT_TRUE(client.send(post_request("/v1/batch?x=1", std::string(3000, 'b'))));
    const auto answer = client.read_response();
    ASSERT_TRUE(answer.has_value());
    EXPECT_EQ(answer->status, 200u);
    EXPECT_EQ(answer->body.size(), std::string("POST /v1/batch?x=1 ").size() + 3000);
  }
  {
    test_client client{port};
    ASSERT_TRUE(client.send(post_request("/v1/batch", std::string(5000, 'b'))));
    expect_transport_error(client.read_response(), 413, "invalid_request_error", "body_too_large");
  }
  {
    test_client client{port};
    ASSERT_TRUE(client.send(post_request("/v1/batches", std::string(3000, 'b'))));
    expect_transport_error(client.read_response(), 413, "invalid_request_error", "body_too_large");
  }
  {
    test_client client{port};
    std::string request =
        "POST /v1/batch HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int chunk = 0; chunk < 10; ++chunk) request += "200\r\n" + std::string(512, 'y') + "\r\n";
    request += "0\r\n\r\n";
    ASSERT_TRUE(client.send(request));
    expect_transport_error(client.read_response(), 413, "invalid_request_error", "body_too_large");
  }
}

TEST(server_limits_test, chunked_body_over_the_limit_is_413) {
  echo_handler handler;
  auto config = test_config();
  config.request_body_bytes_max = 1024;
  server instance{config, handler};
  test_client client{start_or_fail(instance)};
  std::string request = "POST /chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int chunk = 0; chunk < 4; ++chunk) request += "200\r\n" + std::string(512, 'y') + "\r\n";
  request += "0\r\n\r\n";
  ASSERT_TRUE(client.send(request));
  expect_transport_error(client.read_response(), 413, "invalid_request_error", "body_too_large");
}

TEST(server_limits_test, body_at_the_limit_is_accepted) {
  echo_handler handler;
  auto config = test_config();
  config.request_body_bytes_max = 1024;
  server instance{config, handler};
  test_client client{start_or_fail(instance)};
  ASSERT_TRUE(client.send(post_request("/ok", std::string(1024, 'z'))));
  const auto answer = client.read_response();
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->status, 200u);
}

TEST(server_limits_test, headers_over_the_limit_are_431) {
  echo_handler handler;
  auto config = test_config();
  config.request_header_bytes_max = 4 * 1024;
  server instance{config, handler};
  test_client client{start_or_fail(instance)};
  ASSERT_TRUE(client.send(get_request("/h", "X-Padding: " + std::string(8 * 1024, 'p') + "\r\n")));
  expect_transport_error(client.read_response(), 431, "invalid_request_error", "header_too_large");
  EXPECT_TRUE(client.wait_closed(std::chrono::seconds{2}));
}

TEST(server_limits_test, malformed_requests_are_400_and_closed) {
  echo_handler handler;
  server instance{test_config(), handler};
  const auto port = start_or_fail(instance);
  const std::vector<std::string> malformed = {
      "GET / HTTP/9.9\r\n\r\n",                                             // bad version
      "G@T / HTTP/1.1\r\nHost: x\r\n\r\n",                                  // bad method
      "GET / HTTP/1.1\r\nBad Header\r\n\r\n",                               // bad field
      "POST / HTTP/1.1\r\nContent-Length: 12x\r\n\r\n",                     // bad length
      "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",  // two lengths
      "GET / HTTP/1.1\r\n\r\n",                                             // no Host
      "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",                       // two Hosts
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",      // not chunked
  };
  for (const auto& bytes : malformed) {
    test_client client{port};
    ASSERT_TRUE(client.send(bytes));
    expect_transport_error(client.read_response(), 400, "invalid_request_error",
                           "parameter_invalid");
    EXPECT_TRUE(client.wait_closed(std::chrono::seconds{2})) << bytes;
  }
}

// A body framed by a coding the server does not implement is refused and the connection
// closed: read as no body, its bytes would be taken for the next request (smuggled past a
// proxy that frames the body by that coding).
TEST(server_limits_test, a_request_hidden_in_a_body_of_another_coding_is_never_read) {
  const std::vector<std::string> codings = {"gzip", "xchunked", "chunked, chunked", "gzip, chunked",
                                            "chunked\r\nTransfer-Encoding: gzip"};
  for (const auto& coding : codings) {
    echo_handler handler;
    server instance{test_config(), handler};
    test_client client{start_or_fail(instance)};
    ASSERT_TRUE(client.send("POST /outer HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: " + coding +
                            "\r\n\r\n" + get_request("/smuggled")));
    expect_transport_error(client.read_response(), 400, "invalid_request_error",
                           "parameter_invalid");
    std::string after;
    EXPECT_TRUE(client.wait_closed(std::chrono::seconds{2}, &after)) << coding;
    EXPECT_EQ(after, "") << coding << ": the hidden request was answered";
  }
}

// RFC 9112 6.1: an HTTP/1.0 proxy reads no body here, and the chunks as the next request.
TEST(server_limits_test, http_1_0_with_transfer_encoding_is_refused_and_closed) {
  echo_handler handler;
  server instance{test_config(), handler};
  test_client client{start_or_fail(instance)};
  ASSERT_TRUE(client.send(
      "POST /outer HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n"
      "2\r\n{}\r\n0\r\n\r\n" +
      get_request("/after")));
  expect_transport_error(client.read_response(), 400, "invalid_request_error", "parameter_invalid");
  std::string after;
  EXPECT_TRUE(client.wait_closed(std::chrono::seconds{2}, &after));
  EXPECT_EQ(after, "") << "a request after the refused one was answered";
}

TEST(server_limits_test, error_after_pipelined_requests_comes_after_their_answers) {
  deferred_handler handler;
  server instance{test_config(), handler};
  test_client client{start_or_fail(instance)};
  ASSERT_TRUE(client.send(get_request("/first") + "NOT HTTP AT ALL\r\n\r\n"));
  ASSERT_TRUE(handler.wait_for(1));
  handler.take(0).respond(text_response("first"));
  const auto first = client.read_response();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->body, "first");
  EXPECT_FALSE(first->header("Connection").has_value());
  expect_transport_error(client.read_response(), 400, "invalid_request_error", "parameter_invalid");
}

TEST(server_limits_test, slow_header_is_dropped_after_the_header_deadline) {
  echo_handler handler;
  auto config = test_config();
  config.header_timeout_ms = std::chrono::milliseconds{200};
  server instance{config, handler};
  test_client client{start_or_fail(instance)};
  ASSERT_TRUE(client.send("GET /slow HTTP/1.1\r\nHost: loc"));  // then stall
  const auto started = std::chrono::steady_clock::now();
  std::string received;
  EXPECT_TRUE(client.wait_closed(std::chrono::seconds{3}, &received));
  EXPECT_EQ(received, "");  // too slow to be answered
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds{2});
}

TEST(server_limits_test, slow_body_is_dropped_after_the_body_deadline) {
  echo_handler handler;
  auto config = test_config();
  config.body_timeout_ms = std::chrono::milliseconds{200};
  server instance{config, handler};
  test_client client{start_or_fail(instance)};
  ASSERT_TRUE(client.send("POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc"));
  EXPECT_TRUE(client.wait_closed(std::chrono::seconds{3}));
}

TEST(server_limits_test, idle_keep_alive_connection_is_closed_after_the_idle_timeout) {
  echo_handler handler;
  auto config = test_config();
  config.idle_timeout_ms = std::chrono::milliseconds{200};
  server instance{config, handler};
  test_client client{start_or_fail(instance)};
  ASSERT_TRUE(client.send(get_request("/once")));
  ASSERT_TRUE(client.read_response().has_value());
  EXPECT_TRUE(client.wait_closed(std::chrono::seconds{3}));
}

// A connection that never sends a byte holds a place under the cap: it gets the header
// deadline, not the idle one.
TEST(server_limits_test, a_silent_new_connection_is_closed_after_the_header_deadline) {
  echo_handler handler;
  auto config = test_config();
  config.header_timeout_ms = std::chrono::milliseconds{200};
  config.idle_timeout_ms = std::chrono::milliseconds{30'000};
  server instance{config, handler};
  test_client client{start_or_fail(instance)};
  EXPECT_TRUE(client.wait_closed(std::chrono::seconds{5})) << "kept for the idle timeout";
}

// Each request moves the idle deadline later (http/lazy_deadline.hpp): a connection used
// more often than its idle timeout outlives several of them, then closes once unused.
TEST(server_limits_test, a_connection_in_use_outlives_its_idle_timeout_then_closes) {
  echo_handler handler;
  auto config = test_config();
  config.idle_timeout_ms = std::chrono::milliseconds{200};
  server instance{config, handler};
  test_client client{start_or_fail(instance)};
  for (int request = 0; request < 8; ++request) {  // 640 ms: more than three idle timeouts
    ASSERT_TRUE(client.send(get_request("/again"))) << request;
    ASSERT_TRUE(client.read_response().has_value()) << request;
    std::this_thread::sleep_for(std::chrono::milliseconds{80});
  }
  EXPECT_TRUE(client.wait_closed(std::chrono::seconds{3}));
}

TEST(server_limits_test, connection_owed_an_answer_is_not_idle) {
  deferred_handler handler;
  auto config = test_config();
  config.idle_timeout_ms = std::chrono::milliseconds{100};
  server instance{config, handler};
  test_client client{start_or_fail(instance)};
  ASSERT_TRUE(client.send(get_request("/slow-handler")));
  ASSERT_TRUE(handler.wait_for(1));
  std::this_thread::sleep_for(std::chrono::milliseconds{300});  // three idle timeouts
  handler.take(0).respond(text_response("late but fine"));
  const auto answer = client.read_response();
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->body, "late but fine");
}

TEST(server_limits_test, connections_over_the_cap_get_503_overloaded_then_beyond_are_closed) {
  echo_handler handler;
  auto config = test_config();
  config.connections_max = 1;
  config.rejected_connections_max = 1;
  server instance{config, handler};
  const auto port = start_or_fail(instance);

  auto served = std::make_unique<test_client>(port);
  ASSERT_TRUE(served->send(get_request("/served")));
  ASSERT_TRUE(served->read_response().has_value());  // now certainly registered

  test_client rejected{port};  // over the cap: answered 503 once it sends a request
  test_client dropped{port};   // over both caps while `rejected` is waiting: closed at once
  EXPECT_TRUE(dropped.wait_closed(std::chrono::seconds{2}));
  ASSERT_TRUE(rejected.send(get_request("/rejected")));
  const auto overloaded = rejected.read_response();
  expect_transport_error(overloaded, 503, "api_error", "overloaded");
  ASSERT_TRUE(overloaded.has_value());
  EXPECT_EQ(overloaded->header("Retry-After").value_or(""), "1") << "a 503 says when to retry";
  EXPECT_TRUE(rejected.wait_closed(std::chrono::seconds{2}));

  // Once the served connection leaves, a new one is served (its session ends asynchronously,
  // so retry briefly).
  served.reset();
  bool served_again = false;
  for (int attempt = 0; attempt < 100 && !served_again; ++attempt) {
    test_client next{port};
    ASSERT_TRUE(next.send(get_request("/next")));
    const auto answer = next.read_response();
    served_again = answer.has_value() && answer->status == 200;
    if (!served_again) std::this_thread::sleep_for(std::chrono::milliseconds{10});
  }
  EXPECT_TRUE(served_again);
}

// A cap of `served` connections (and as many answered 503), where a connection that has
// waited 100 ms for its request may give way.
server_config capped_config(std::size_t served) {
  auto config = test_config();
  config.connections_max = served;
  config.rejected_connections_max = served;
  config.waiting_evictable_after_ms = std::chrono::milliseconds{100};
  return config;
}

// Idle keep-alive connections held every place under the cap, locking others out for the
// idle timeout (and for good with one request a minute each): at the cap, the connection
// that has waited longest for a request gives its place to the new one.
TEST(server_limits_test, at_the_cap_the_longest_idle_connection_gives_way) {
  echo_handler handler;
  auto config = capped_config(2);
  server instance{config, handler};
  const auto port = start_or_fail(instance);
  test_client first{port};
  ASSERT_TRUE(first.send(get_request("/first")));
  ASSERT_TRUE(first.read_response().has_value());
  std::this_thread::sleep_for(std::chrono::milliseconds{50});
  test_client second{port};
  ASSERT_TRUE(second.send(get_request("/second")));
  ASSERT_TRUE(second.read_response().has_value());
  std::this_thread::sleep_for(std::chrono::milliseconds{200});  // both idle past 100 ms

  test_client newcomer{port};
  ASSERT_TRUE(newcomer.send(get_request("/newcomer")));
  const auto answer = newcomer.read_response();
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->status, 200u) << answer->body;
  EXPECT_TRUE(first.wait_closed(std::chrono::seconds{2})) << "the longest idle gives way";
  ASSERT_TRUE(second.send(get_request("/second-again")));
  const auto again = second.read_response();
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->status, 200u);
}

// A body trickling in (whole header, one byte of a declared 100) held its place for the body
// deadline, and so did a header trickling in after an answered pipelined request: both wait
// on their client with nothing owed, and give way too.
TEST(server_limits_test, at_the_cap_a_trickling_body_or_second_request_gives_way) {
  echo_handler handler;
  auto config = capped_config(2);
  server instance{config, handler};
  const auto port = start_or_fail(instance);
  test_client slow_body{port};
  ASSERT_TRUE(slow_body.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nx"));
  test_client second_request{port};
  ASSERT_TRUE(second_request.send(get_request("/answered") + "GET /trickled HTTP/1.1\r\n"));
  ASSERT_TRUE(second_request.read_response().has_value());
  std::this_thread::sleep_for(std::chrono::milliseconds{250});
  // Both newcomers stay connected, so the second finds the cap reached too.
  std::vector<std::unique_ptr<test_client>> newcomers;
  for (int newcomer_number = 0; newcomer_number < 2; ++newcomer_number) {
    auto& newcomer = *newcomers.emplace_back(std::make_unique<test_client>(port));
    ASSERT_TRUE(newcomer.send(get_request("/newcomer")));
    const auto answer = newcomer.read_response();
    ASSERT_TRUE(answer.has_value()) << newcomer_number;
    EXPECT_EQ(answer->status, 200u) << newcomer_number << " " << answer->body;
  }
  EXPECT_TRUE(slow_body.wait_closed(std::chrono::seconds{2}));
  EXPECT_TRUE(second_request.wait_closed(std::chrono::seconds{2}));
}

// A connection owed an answer, or one whose request came a moment ago, keeps its place:
// the new one is refused as before.
TEST(server_limits_test, a_busy_connection_at_the_cap_keeps_its_place) {
  deferred_handler handler;
  auto config = capped_config(1);
  server instance{config, handler};
  const auto port = start_or_fail(instance);
  test_client busy{port};
  ASSERT_TRUE(busy.send(get_request("/busy")));
  ASSERT_TRUE(handler.wait_for(1));
  std::this_thread::sleep_for(std::chrono::milliseconds{250});
  test_client newcomer{port};
  ASSERT_TRUE(newcomer.send(get_request("/newcomer")));
  expect_transport_error(newcomer.read_response(), 503, "api_error", "overloaded");
  handler.take(0).respond(text_response("still served"));
  const auto answer = busy.read_response();
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->body, "still served");
}

// A client that pipelines requests for large answers and reads none made the server render
// and hold every answer (1.4 GB over 1,000 connections): reading pauses once the answers
// owed on a connection pass the bound, until the client reads.
TEST(server_limits_test, reading_pauses_while_unread_answers_pass_the_bound) {
  class large_answers final : public request_handler {
   public:
    void handle(request, responder respond) override {
      ++handled;
      respond(text_response(std::string(32 * 1024 * 1024, 'x')));  // past the socket buffers
    }
    std::atomic<int> handled{0};
  } handler;
  auto config = test_config();
  config.answer_bytes_owed_max = 256 * 1024;
  server instance{config, handler};
  test_client client{start_or_fail(instance)};
  std::string pipeline;
  for (int request = 0; request < 6; ++request) pipeline += get_request("/large");
  ASSERT_TRUE(client.send(pipeline));
  std::this_thread::sleep_for(std::chrono::milliseconds{500});
  EXPECT_LE(handler.handled.load(), 2) << "answers rendered while none was read";
  for (int request = 0; request < 6; ++request) {
    const auto answer = client.read_response();
    ASSERT_TRUE(answer.has_value()) << request;
    EXPECT_EQ(answer->body.size(), 32u * 1024 * 1024);
  }
  EXPECT_EQ(handler.handled.load(), 6);
}

}  // namespace
}  // namespace escrowd::http::testing
