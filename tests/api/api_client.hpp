// A minimal HTTP/1.1 client of escrowd's v1 API for the black-box tests: one keep-alive
// connection (reopened when the server closes it), requests built by hand, responses parsed
// as JSON when they are JSON. Every request it sends must match a route listed in
// tests/api/routes.txt (the list the OpenAPI check compares with docs/openapi.yaml), so the
// list cannot fall behind what the tests use; `send_unlisted` is for deliberate nonsense.
// Thread affinity: one thread per client. Lifetimes: owns its connection.
#pragma once

#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tests/http/test_client.hpp"

namespace escrowd::api_testing {

using namespace std::chrono_literals;
namespace json = boost::json;

struct api_response {
  unsigned status = 0;  // 0: no response (connection closed or timed out)
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  json::value json;  // null unless the body parsed as JSON

  std::optional<std::string> header(std::string_view name) const;
  // Fields of the error object, "" when absent.
  std::string error_type() const;
  std::string error_code() const;
  std::string error_param() const;
  std::string error_message() const;
  // `field` of the top-level object as text / integer ("" / -1 when absent or another type).
  std::string text(std::string_view field) const;
  std::int64_t integer(std::string_view field) const;
};

// "status: body" plus the Request-Id, for assertion messages.
std::string describe(const api_response& response);

struct request_options {
  std::string key;              // bearer secret; empty: no Authorization header
  std::string idempotency_key;  // empty: none
  std::string extra_headers;    // raw lines, each ending in \r\n
};

class api_client {
 public:
  explicit api_client(std::uint16_t port);

  api_response get(std::string_view target, std::string_view key);
  api_response post(std::string_view target, std::string_view key, std::string_view body = "{}",
                    std::string_view idempotency_key = {});
  api_response del(std::string_view target, std::string_view key);
  // Any method and body, with full control of the headers; checked against routes.txt.
  api_response send(std::string_view method, std::string_view target,
                    std::optional<std::string_view> body, const request_options& options);
  // The same without the routes.txt check, for requests to routes that must not exist.
  api_response send_unlisted(std::string_view method, std::string_view target,
                             std::optional<std::string_view> body, const request_options& options);
  // Raw bytes out, one parsed response back (nullopt status 0 when none arrives).
  api_response exchange_raw(std::string_view bytes, std::chrono::milliseconds timeout = 10s);
  // Reads one more response on the connection (for pipelining tests).
  api_response read_one(std::chrono::milliseconds timeout = 10s);
  bool send_raw(std::string_view bytes);
  void reconnect();

 private:
  std::uint16_t port_;
  std::unique_ptr<http::testing::test_client> connection_;
};

// The request bytes the client would send (exposed for pipelining tests).
std::string build_request(std::string_view method, std::string_view target,
                          std::optional<std::string_view> body, const request_options& options);

// Parses a raw response into an api_response (JSON decoded when possible).
api_response to_api_response(std::optional<http::testing::parsed_response> raw);

// true if "METHOD /path" matches a line of routes.txt ("{x}" matches one path segment).
bool route_is_listed(std::string_view method, std::string_view target);

}  // namespace escrowd::api_testing
