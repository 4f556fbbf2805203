// The transport's pure pieces, without sockets: request ids (shape, uniqueness across
// threads), header lookup, response encoding (framing headers owned by the transport, header
// injection refused, bodiless statuses), config validation, the responder's once-only rule
// and the framing rules a request must meet before its body is read.
#include <gtest/gtest.h>

#include <algorithm>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "http/pending_response.hpp"
#include "http/request.hpp"
#include "http/request_framing.hpp"
#include "http/request_id.hpp"
#include "http/response_encoder.hpp"
#include "http/server_config.hpp"

namespace escrowd::http {
namespace {

TEST(request_framing_test, only_a_single_chunked_transfer_coding_is_read) {
  const auto refused = [](std::vector<std::string_view> codings) {
    return framing_refusal({11, 1, std::move(codings)}).has_value();
  };
  EXPECT_FALSE(refused({}));
  EXPECT_FALSE(refused({"chunked"}));
  EXPECT_FALSE(refused({" Chunked "}));
  EXPECT_TRUE(refused({"gzip"}));
  EXPECT_TRUE(refused({"xchunked"}));
  EXPECT_TRUE(refused({"chunked, chunked"}));
  EXPECT_TRUE(refused({"gzip, chunked"}));
  EXPECT_TRUE(refused({"chunked", "gzip"}));
  EXPECT_TRUE(refused({"chunked", "chunked"}));
  EXPECT_TRUE(refused({"chunked,"}));
  EXPECT_TRUE(refused({""}));
}

TEST(request_framing_test, http_1_1_needs_exactly_one_host) {
  EXPECT_FALSE(framing_refusal({11, 1, {}}).has_value());
  EXPECT_TRUE(framing_refusal({11, 0, {}}).has_value());
  EXPECT_TRUE(framing_refusal({11, 2, {}}).has_value());
  EXPECT_FALSE(framing_refusal({10, 0, {}}).has_value()) << "HTTP/1.0 has no Host rule";
}

TEST(request_framing_test, http_1_0_may_not_carry_transfer_encoding) {
  EXPECT_TRUE(framing_refusal({10, 1, {"chunked"}}).has_value());
  EXPECT_FALSE(framing_refusal({10, 1, {}}).has_value());
}

TEST(request_id_test, has_the_prefix_and_base62_characters) {
  const auto id = make_request_id();
  ASSERT_EQ(id.size(), 24u);
  EXPECT_EQ(id.substr(0, 4), "req_");
  EXPECT_TRUE(std::all_of(id.begin() + 4, id.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }));
}

TEST(request_id_test, ids_from_many_threads_are_unique) {
  std::mutex mutex;
  std::set<std::string> ids;
  std::vector<std::thread> threads;
  for (int thread = 0; thread < 4; ++thread) {
    threads.emplace_back([&] {
      std::vector<std::string> mine;
      for (int index = 0; index < 5'000; ++index) mine.push_back(make_request_id());
      std::lock_guard lock{mutex};
      ids.insert(mine.begin(), mine.end());
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ids.size(), 20'000u);
}

TEST(request_test, header_lookup_ignores_ascii_case_and_returns_the_first) {
  request incoming;
  incoming.headers = {{"Idempotency-Key", "one"}, {"idempotency-key", "two"}, {"X", ""}};
  EXPECT_EQ(incoming.header("IDEMPOTENCY-KEY"), "one");
  EXPECT_EQ(incoming.header("x"), "");
  EXPECT_EQ(incoming.header("Idempotency-Ke"), "");
}

TEST(response_encoder_test, writes_the_transport_headers_and_skips_reserved_and_unsafe_ones) {
  response answer;
  answer.status = 409;
  answer.body = "{}";
  answer.headers = {{"Content-Length", "999"}, {"Connection", "keep-alive"},
                    {"Request-Id", "forged"},  {"Evil", "a\r\nSet-Cookie: x"},
                    {"Bad Name", "v"},         {"Original-Request", "req_1"}};
  const auto header = encode_header(
      answer,
      {.request_id = "req_abc", .http_version = 11, .keep_alive = false, .head_request = false});
  EXPECT_EQ(header,
            "HTTP/1.1 409 Conflict\r\nServer: escrowd\r\nRequest-Id: req_abc\r\n"
            "Content-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n"
            "Original-Request: req_1\r\n\r\n");
}

TEST(response_encoder_test, bodiless_statuses_and_head_send_no_body) {
  response no_content;
  no_content.status = 204;
  no_content.body = "ignored";
  const response_framing get{
      .request_id = "req_1", .http_version = 11, .keep_alive = true, .head_request = false};
  EXPECT_EQ(encode_header(no_content, get).find("Content-Length"), std::string::npos);
  EXPECT_FALSE(body_is_sent(no_content, get));

  response ok;
  ok.body = "12345";
  const response_framing head{
      .request_id = "req_1", .http_version = 11, .keep_alive = true, .head_request = true};
  EXPECT_NE(encode_header(ok, head).find("Content-Length: 5\r\n"), std::string::npos);
  EXPECT_FALSE(body_is_sent(ok, head));
  EXPECT_TRUE(body_is_sent(ok, get));
}

TEST(server_config_test, defaults_are_valid_and_each_bad_bound_is_named) {
  EXPECT_TRUE(validate(server_config{}).ok());
  server_config config;
  config.io_threads_count = 0;
  EXPECT_EQ(validate(config).failure().param, "io_threads_count");
  config = {};
  config.request_header_bytes_max = 10;
  EXPECT_EQ(validate(config).failure().param, "request_header_bytes_max");
  config = {};
  config.idle_timeout_ms = std::chrono::milliseconds{0};
  EXPECT_EQ(validate(config).failure().param, "idle_timeout_ms");
}

// Records deliveries instead of posting them to a connection.
class recording_target final : public detail::response_target {
 public:
  void deliver(std::uint64_t sequence, response answer) override {
    delivered.emplace_back(sequence, std::move(answer));
  }
  std::vector<std::pair<std::uint64_t, response>> delivered;
};

TEST(responder_test, first_call_wins_and_later_calls_are_ignored) {
  auto gate = std::make_shared<detail::response_gate>();
  auto target = std::make_shared<recording_target>();
  {
    responder respond{std::make_shared<detail::pending_response>(gate, target, 7)};
    auto copy = respond;
    response first;
    first.body = "first";
    respond(first);
    response second;
    second.body = "second";
    copy(second);
  }
  ASSERT_EQ(target->delivered.size(), 1u);
  EXPECT_EQ(target->delivered[0].first, 7u);
  EXPECT_EQ(target->delivered[0].second.body, "first");
}

TEST(responder_test, last_copy_dropped_unanswered_delivers_a_500) {
  auto gate = std::make_shared<detail::response_gate>();
  auto target = std::make_shared<recording_target>();
  { responder respond{std::make_shared<detail::pending_response>(gate, target, 3)}; }
  ASSERT_EQ(target->delivered.size(), 1u);
  EXPECT_EQ(target->delivered[0].second.status, 500u);
}

TEST(responder_test, closed_gate_or_gone_connection_delivers_nothing) {
  auto gate = std::make_shared<detail::response_gate>();
  auto target = std::make_shared<recording_target>();
  gate->open = false;
  responder{std::make_shared<detail::pending_response>(gate, target, 1)}(response{});
  EXPECT_TRUE(target->delivered.empty());

  gate->open = true;
  responder orphan{std::make_shared<detail::pending_response>(
      gate, std::weak_ptr<detail::response_target>{}, 2)};
  orphan(response{});  // the connection is gone: nothing to do, nothing to crash
}

}  // namespace
}  // namespace escrowd::http
