// The transport's happy paths over real loopback sockets: keep-alive, pipelining answered in
// order whatever order the handler completes in, the pipeline cap, closing semantics
// (Connection: close, HTTP/1.0), 100-continue, HEAD, and the handler boundary (exceptions,
// dropped and doubled responders). Each test starts its own server on an OS-chosen port.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <thread>
#include <utility>

#include "tests/http/test_client.hpp"
#include "tests/http/test_server.hpp"

namespace escrowd::http::testing {
namespace {

TEST(server_test, keep_alive_serves_several_requests_on_one_connection) {
  echo_handler handler;
  server instance{test_config(), handler};
  test_client client{start_or_fail(instance)};
  ASSERT_TRUE(client.connected());

  std::set<std::string> request_ids;
  for (int round = 0; round < 3; ++round) {
    const auto target = "/v1/accounts/" + std::to_string(round);
    ASSERT_TRUE(client.send(get_request(target)));
    const auto answer = client.read_response();
    ASSERT_TRUE(answer.has_value()) << "round " << round;
    EXPECT_EQ(answer->status, 200u);
    EXPECT_EQ(answer->status_line, "HTTP/1.1 200 OK");
    EXPECT_EQ(answer->body, "GET " + target + " ");
    EXPECT_EQ(answer->header("Server"), "escrowd");
    EXPECT_EQ(answer->header("Content-Type"), "text/plain");
    EXPECT_EQ(answer->header("Content-Length"), std::to_string(answer->body.size()));
    EXPECT_FALSE(answer->header("Connection").has_value());
    const auto request_id = answer->header("Request-Id");
    ASSERT_TRUE(request_id.has_value());
    EXPECT_EQ(request_id->rfind("req_", 0), 0u);
    EXPECT_EQ(answer->header("Seen-Request-Id"), request_id);
    request_ids.insert(*request_id);
  }
  EXPECT_EQ(request_ids.size(), 3u);
}

TEST(server_test, post_body_and_headers_reach_the_handler) {
  deferred_handler handler;
  server instance{test_config(), handler};
  test_client client{start_or_fail(instance)};
  ASSERT_TRUE(client.send(post_request("/v1/tasks", R"({"amount":5})",
                                       "IDEMPOTENCY-KEY: key-1\r\nAuthorization: Bearer k\r\n")));
  ASSERT_TRUE(handler.wait_for(1));
  auto parked = handler.take(0);
  EXPECT_EQ(parked.incoming.method, "POST");
  EXPECT_EQ(parked.incoming.target, "/v1/tasks");
  EXPECT_EQ(parked.incoming.body, R"({"amount":5})");
  EXPECT_EQ(parked.incoming.header("idempotency-key"), "key-1");
  EXPECT_EQ(parked.incoming.header("authorization"), "Bearer k");
  EXPECT_EQ(parked.incoming.header("missing"), "");
  EXPECT_EQ(parked.incoming.remote_address, "127.0.0.1");
  EXPECT_EQ(parked.incoming.request_id.rfind("req_", 0), 0u);

  response created = text_response("{}");
  created.status = 201;
  created.content_type = "application/json";
  created.headers.emplace_back("Idempotent-Replayed", "true");
  parked.respond(std::move(created));
  const auto answer = client.read_response();
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->status_line, "HTTP/1.1 201 Created");
  EXPECT_EQ(answer->header("Content-Type"), "application/json");
  EXPECT_EQ(answer->header("Idempotent-Replayed"), "true");
  EXPECT_EQ(answer->header("Request-Id"), parked.incoming.request_id);
}

// RFC 9110 6.5: trailer fields are not headers: a chunked body's trailer neither
// authenticates, keys nor types a request, nor closes its connection.
TEST(server_test, a_chunked_bodys_trailer_fields_are_not_headers) {
  deferred_handler handler;
  server instance{test_config(), handler};
  test_client client{start_or_fail(instance)};
  ASSERT_TRUE(
      client.send("POST /v1/accounts HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                  "Content-Type: application/json\r\n\r\n"
                  "2\r\n{}\r\n0\r\nAuthorization: Bearer k\r\nIdempotency-Key: t\r\n"
                  "Content-Type: text/plain\r\nConnection: close\r\n\r\n" +
                  get_request("/next")));
  ASSERT_TRUE(handler.wait_for(1));
  const auto parked = handler.take(0);
  EXPECT_EQ(parked.incoming.body, "{}");
  EXPECT_EQ(parked.incoming.header("authorization"), "");
  EXPECT_EQ(parked.incoming.header("idempotency-key"), "");
  EXPECT_EQ(parked.incoming.header_count("content-type"), 1u);
  EXPECT_EQ(parked.incoming.header("content-type"), "application/json");
  parked.respond(text_response("first"));
  ASSERT_TRUE(handler.wait_for(2)) << "the trailer's Connection: close ended the connection";
  EXPECT_EQ(handler.take(1).incoming.target, "/next");
}

// RFC 9112 3.2.2 (a server MUST accept the absolute form) and RFC 3986 6.2.2.2 (encoded
// unreserved characters are the characters themselves); an encoded '/' stays encoded.
TEST(server_test, targets_reach_the_handler_in_origin_form) {
  deferred_handler handler;
  server instance{test_config(), handler};
  test_client client{start_or_fail(instance)};
  ASSERT_TRUE(client.send(get_request("http://127.0.0.1:1/v1/accounts/a?limit=1") +
                          get_request("HTTP://x") + get_request("/v1/accounts/%61%2Fb%7e?x=%61")));
  ASSERT_TRUE(handler.wait_for(3));
  EXPECT_EQ(handler.take(0).incoming.target, "/v1/accounts/a?limit=1");
  EXPECT_EQ(handler.take(1).incoming.target, "/");
  EXPECT_EQ(handler.take(2).incoming.target, "/v1/accounts/a%2Fb~?x=%61");
}

// RFC 9112 2.2: a server SHOULD ignore at least one empty line before a request line
// (some clients send a CRLF after a body).
TEST(server_test, empty_lines_before_a_request_are_ignored) {
  echo_handler handler;
  server instance{test_config(), handler};
  test_client client{start_or_fail(instance)};
  ASSERT_TRUE(
      client.send("\r\n" + post_request("/first", "{}") + "\r\n\n" + get_request("/second")));
  for (const std::string_view expected : {"POST /first {}", "GET /second "}) {
    const auto answer = client.read_response();
    ASSERT_TRUE(answer.has_value()) << expected;
    EXPECT_EQ(answer->status, 200u) << answer->body;
    EXPECT_EQ(answer->body, expected);
  }
  // Split across reads: a CR whose LF comes later, an empty line alone before the next.
  for (const auto& [first, rest] : {std::pair<std::string, std::string>{"\r", "\n"},
                                    std::pair<std::string, std::string>{"\r\n", "\r\n"}}) {
    ASSERT_TRUE(client.send(first));
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
    ASSERT_TRUE(client.send(rest + get_request("/third")));
    const auto third = client.read_response();
    ASSERT_TRUE(third.has_value());
    EXPECT_EQ(third->body, "GET /third ");
  }
}

TEST(server_test, a_pipelined_unsafe_request_starts_only_after_every_earlier_answer) {
  deferred_handler handler;
  server instance{test_config(), handler};
  test_client client{start_or_fail(instance)};
  ASSERT_TRUE(
      client.send(get_request("/p/0") + post_request("/p/1", "body") + get_request("/p/2")));
  ASSERT_TRUE(handler.wait_for(1));
  // The POST waits for the GET before it; the GET after it waits for the POST.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(handler.count(), 1u);
  handler.take(0).respond(text_response("answer 0"));
  ASSERT_TRUE(handler.wait_for(2));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(handler.count(), 2u);
  handler.take(1).respond(text_response("answer 1"));
  ASSERT_TRUE(handler.wait_for(3));
  handler.take(2).respond(text_response("answer 2"));
  for (std::size_t index = 0; index < 3; ++index) {
    const auto answer = client.read_response();
    ASSERT_TRUE(answer.has_value()) << "response " << index;
    EXPECT_EQ(answer->body, "answer " + std::to_string(index));
  }
}

TEST(server_test, pipelined_requests_are_answered_in_order_when_completed_in_reverse) {
  deferred_handler handler;
  server instance{test_config(), handler};
  test_client client{start_or_fail(instance)};
  constexpr std::size_t request_count = 5;
  std::string burst;
  // Safe requests only: RFC 9112 9.3.2 lets those run in parallel.
  for (std::size_t index = 0; index < request_count; ++index) {
    burst += get_request("/p/" + std::to_string(index));
  }
  ASSERT_TRUE(client.send(burst));  // one write: the requests arrive pipelined
  // All of them reach the handler although none is answered: reading goes on meanwhile.
  ASSERT_TRUE(handler.wait_for(request_count));

  std::thread completer{[&] {
    for (std::size_t index = request_count; index-- > 0;) {
      handler.take(index).respond(text_response("answer " + std::to_string(index)));
    }
  }};
  for (std::size_t index = 0; index < request_count; ++index) {
    const auto answer = client.read_response();
    ASSERT_TRUE(answer.has_value()) << "response " << index;
    EXPECT_EQ(answer->body, "answer " + std::to_string(index));
    EXPECT_EQ(answer->header("Request-Id"), handler.take(index).incoming.request_id);
  }
  completer.join();
}

TEST(server_test, reading_pauses_at_the_pipeline_cap_and_resumes_after_a_write) {
  deferred_handler handler;
  auto config = test_config();
  config.pipelined_requests_max = 2;
  server instance{config, handler};
  test_client client{start_or_fail(instance)};
  ASSERT_TRUE(client.send(get_request("/0") + get_request("/1") + get_request("/2")));
  ASSERT_TRUE(handler.wait_for(2));
  // A negative can only be observed by waiting a little: the third must not be read yet.
  std::this_thread::sleep_for(std::chrono::milliseconds{50});
  EXPECT_EQ(handler.count(), 2u);

  handler.take(0).respond(text_response("zero"));
  ASSERT_TRUE(handler.wait_for(3));
  handler.take(2).respond(text_response("two"));
  handler.take(1).respond(text_response("one"));
  for (const char* expected : {"zero", "one", "two"}) {
    const auto answer = client.read_response();
    ASSERT_TRUE(answer.has_value());
    EXPECT_EQ(answer->body, expected);
  }
}

TEST(server_test, connection_close_request_is_answered_then_closed) {
  echo_handler handler;
  server instance{test_config(), handler};
  test_client client{start_or_fail(instance)};
  // The request after the closing one must be ignored, not answered.
  ASSERT_TRUE(client.send(get_request("/a", "Connection: close\r\n") + get_request("/b")));
  const auto answer = client.read_response();
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->body, "GET /a ");
  EXPECT_EQ(answer->header("Connection"), "close");
  std::string rest;
  EXPECT_TRUE(client.wait_closed(std::chrono::seconds{2}, &rest));
  EXPECT_EQ(rest, "");
}

TEST(server_test, http_1_0_without_keep_alive_is_closed_and_with_it_kept) {
  echo_handler handler;
  server instance{test_config(), handler};
  const auto port = start_or_fail(instance);
  {
    test_client client{port};
    ASSERT_TRUE(client.send("GET /old HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    const auto kept = client.read_response();
    ASSERT_TRUE(kept.has_value());
    EXPECT_EQ(kept->status_line, "HTTP/1.0 200 OK");
    EXPECT_EQ(kept->header("Connection"), "keep-alive");
    ASSERT_TRUE(client.send("GET /old HTTP/1.0\r\n\r\n"));
    const auto closing = client.read_response();
    ASSERT_TRUE(closing.has_value());
    EXPECT_EQ(closing->header("Connection"), "close");
    EXPECT_TRUE(client.wait_closed(std::chrono::seconds{2}));
  }
}

TEST(server_test, client_half_close_still_gets_its_pipelined_answers) {
  echo_handler handler;
  server instance{test_config(), handler};
  test_client client{start_or_fail(instance)};
  ASSERT_TRUE(client.send(get_request("/1") + get_request("/2")));
  client.shutdown_write();
  const auto first = client.read_response();
  const auto second = client.read_response();
  ASSERT_TRUE(first.has_value());
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->body, "GET /2 ");
  EXPECT_TRUE(client.wait_closed(std::chrono::seconds{2}));
}

TEST(server_test, expect_100_continue_gets_an_interim_answer_before_the_body) {
  echo_handler handler;
  server instance{test_config(), handler};
  test_client client{start_or_fail(instance)};
  ASSERT_TRUE(
      client.send("POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                  "Expect: 100-continue\r\n\r\n"));
  const std::string interim = "HTTP/1.1 100 Continue\r\n\r\n";
  EXPECT_EQ(client.read_bytes(interim.size()), interim);
  ASSERT_TRUE(client.send("hello"));
  const auto answer = client.read_response();
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->body, "POST /big hello");
}

TEST(server_test, head_gets_the_length_of_the_body_but_no_body) {
  echo_handler handler;
  server instance{test_config(), handler};
  test_client client{start_or_fail(instance)};
  ASSERT_TRUE(client.send("HEAD /h HTTP/1.1\r\nHost: x\r\n\r\n" + get_request("/after")));
  // The test client reads Content-Length bytes, so parse the HEAD answer by hand.
  const std::string expected_prefix = "HTTP/1.1 200 OK\r\n";
  EXPECT_EQ(client.read_bytes(expected_prefix.size()), expected_prefix);
  std::string header_rest;
  while (header_rest.find("\r\n\r\n") == std::string::npos) {
    const auto byte = client.read_bytes(1);
    ASSERT_EQ(byte.size(), 1u);
    header_rest += byte;
  }
  EXPECT_NE(header_rest.find("Content-Length: 8\r\n"), std::string::npos);  // "HEAD /h "
  const auto after = client.read_response();
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->body, "GET /after ");
}

class throwing_handler final : public request_handler {
 public:
  void handle(request, responder) override { throw std::runtime_error{"handler bug"}; }
};

TEST(server_test, handler_exception_becomes_500_api_error_and_connection_lives_on) {
  throwing_handler handler;
  server instance{test_config(), handler};
  test_client client{start_or_fail(instance)};
  for (int round = 0; round < 2; ++round) {
    ASSERT_TRUE(client.send(get_request("/boom")));
    const auto answer = client.read_response();
    ASSERT_TRUE(answer.has_value());
    EXPECT_EQ(answer->status, 500u);
    EXPECT_NE(answer->body.find(R"("type":"api_error")"), std::string::npos) << answer->body;
    EXPECT_TRUE(answer->header("Request-Id").has_value());
  }
}

TEST(server_test, dropped_responder_answers_500_and_a_second_call_is_ignored) {
  deferred_handler handler;
  server instance{test_config(), handler};
  test_client client{start_or_fail(instance)};
  ASSERT_TRUE(client.send(get_request("/twice") + get_request("/dropped")));
  ASSERT_TRUE(handler.wait_for(2));
  {
    auto first = handler.take(0);
    first.respond(text_response("first"));
    first.respond(text_response("second"));
  }
  // The handler forgets the second request: once its last responder copy is gone the
  // client gets a 500 instead of waiting forever.
  handler.forget(1);
  const auto first_answer = client.read_response();
  ASSERT_TRUE(first_answer.has_value());
  EXPECT_EQ(first_answer->body, "first");
  const auto second_answer = client.read_response();
  ASSERT_TRUE(second_answer.has_value());
  EXPECT_EQ(second_answer->status, 500u);
  EXPECT_NE(second_answer->body.find(R"("code":"api_error")"), std::string::npos);
}

}  // namespace
}  // namespace escrowd::http::testing
