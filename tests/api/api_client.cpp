// api_client: request bytes by hand over tests/http's raw test client; JSON via Boost.JSON.
#include "tests/api/api_client.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fstream>
#include <mutex>

namespace escrowd::api_testing {
namespace {

const json::value* error_field(const json::value& body, std::string_view field) {
  const auto* top = body.if_object();
  if (top == nullptr) return nullptr;
  const auto* error = top->if_contains("error");
  if (error == nullptr || !error->is_object()) return nullptr;
  return error->as_object().if_contains(field);
}

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> segments;
  std::size_t start = 0;
  while (start <= path.size()) {
    const auto slash = path.find('/', start);
    const auto end = slash == std::string_view::npos ? path.size() : slash;
    segments.emplace_back(path.substr(start, end - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return segments;
}

// Lines "METHOD /template" of routes.txt, read once.
const std::vector<std::pair<std::string, std::string>>& listed_routes() {
  static std::vector<std::pair<std::string, std::string>> routes;
  static std::once_flag loaded;
  std::call_once(loaded, [] {
    std::ifstream in(ESCROWD_API_ROUTES);
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      const auto space = line.find(' ');
      if (space != std::string::npos)
        routes.emplace_back(line.substr(0, space), line.substr(space + 1));
    }
    EXPECT_FALSE(routes.empty()) << "no routes read from " << ESCROWD_API_ROUTES;
  });
  return routes;
}

}  // namespace

std::optional<std::string> api_response::header(std::string_view name) const {
  for (const auto& [field, value] : headers) {
    if (field.size() != name.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < name.size() && same; ++i) {
      same = (field[i] | 0x20) == (name[i] | 0x20);
    }
    if (same) return value;
  }
  return std::nullopt;
}

std::string api_response::error_type() const {
  const auto* field = error_field(json, "type");
  return field && field->is_string() ? std::string(field->as_string()) : std::string();
}

std::string api_response::error_code() const {
  const auto* field = error_field(json, "code");
  return field && field->is_string() ? std::string(field->as_string()) : std::string();
}

std::string api_response::error_param() const {
  const auto* field = error_field(json, "param");
  return field && field->is_string() ? std::string(field->as_string()) : std::string();
}

std::string api_response::error_message() const {
  const auto* field = error_field(json, "message");
  return field && field->is_string() ? std::string(field->as_string()) : std::string();
}

std::string api_response::text(std::string_view field) const {
  const auto* top = json.if_object();
  const auto* value = top ? top->if_contains(field) : nullptr;
  return value && value->is_string() ? std::string(value->as_string()) : std::string();
}

std::int64_t api_response::integer(std::string_view field) const {
  const auto* top = json.if_object();
  const auto* value = top ? top->if_contains(field) : nullptr;
  return value && value->is_int64() ? value->as_int64() : -1;
}

std::string describe(const api_response& response) {
  return std::to_string(response.status) + " " + response.body +
         " (Request-Id: " + response.header("Request-Id").value_or("none") + ")";
}

std::string build_request(std::string_view method, std::string_view target,
                          std::optional<std::string_view> body, const request_options& options) {
  std::string out;
  out.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  if (!options.key.empty()) out.append("Authorization: Bearer ").append(options.key).append("\r\n");
  if (!options.idempotency_key.empty()) {
    out.append("Idempotency-Key: ").append(options.idempotency_key).append("\r\n");
  }
  if (body) {
    out.append("Content-Type: application/json\r\nContent-Length: ")
        .append(std::to_string(body->size()))
        .append("\r\n");
  }
  out.append(options.extra_headers).append("\r\n");
  if (body) out.append(*body);
  return out;
}

api_response to_api_response(std::optional<http::testing::parsed_response> raw) {
  api_response response;
  if (!raw) return response;
  response.status = raw->status;
  response.headers = std::move(raw->headers);
  response.body = std::move(raw->body);
  boost::system::error_code parse_error;
  auto parsed = json::parse(response.body, parse_error);
  if (!parse_error) response.json = std::move(parsed);
  return response;
}

bool route_is_listed(std::string_view method, std::string_view target) {
  const auto path = target.substr(0, target.find('?'));
  const auto segments = split_path(path);
  for (const auto& [listed_method, listed_path] : listed_routes()) {
    if (listed_method != method) continue;
    const auto pattern = split_path(listed_path);
    if (pattern.size() != segments.size()) continue;
    bool matches = true;
    for (std::size_t i = 0; i < pattern.size() && matches; ++i) {
      const bool placeholder = pattern[i].size() > 2 && pattern[i].front() == '{';
      matches = placeholder ? !segments[i].empty() : pattern[i] == segments[i];
    }
    if (matches) return true;
  }
  return false;
}

api_client::api_client(std::uint16_t port) : port_(port) {
  reconnect();
}

void api_client::reconnect() {
  connection_ = std::make_unique<http::testing::test_client>(port_);
}

api_response api_client::get(std::string_view target, std::string_view key) {
  return send("GET", target, std::nullopt, {.key = std::string(key)});
}

api_response api_client::post(std::string_view target, std::string_view key, std::string_view body,
                              std::string_view idempotency_key) {
  return send("POST", target, body,
              {.key = std::string(key), .idempotency_key = std::string(idempotency_key)});
}

api_response api_client::del(std::string_view target, std::string_view key) {
  return send("DELETE", target, std::nullopt, {.key = std::string(key)});
}

api_response api_client::send(std::string_view method, std::string_view target,
                              std::optional<std::string_view> body,
                              const request_options& options) {
  EXPECT_TRUE(route_is_listed(method, target))
      << method << " " << target << " is not in tests/api/routes.txt";
  return send_unlisted(method, target, body, options);
}

api_response api_client::send_unlisted(std::string_view method, std::string_view target,
                                       std::optional<std::string_view> body,
                                       const request_options& options) {
  return exchange_raw(build_request(method, target, body, options));
}

api_response api_client::exchange_raw(std::string_view bytes, std::chrono::milliseconds timeout) {
  // A connection the server closed (after an error or an idle timeout) is reopened once.
  if (!connection_->connected() || !connection_->send(bytes)) {
    reconnect();
    if (!connection_->send(bytes)) return {};
  }
  auto response = to_api_response(connection_->read_response(timeout));
  if (response.status == 0 || response.header("Connection").value_or("") == "close") reconnect();
  return response;
}

api_response api_client::read_one(std::chrono::milliseconds timeout) {
  return to_api_response(connection_->read_response(timeout));
}

bool api_client::send_raw(std::string_view bytes) {
  if (!connection_->connected()) reconnect();
  return connection_->send(bytes);
}

}  // namespace escrowd::api_testing
