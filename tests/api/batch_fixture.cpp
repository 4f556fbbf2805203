#include "tests/api/batch_fixture.hpp"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

namespace escrowd::api_testing {
namespace {

const json::value* body_member(const json::value& result, std::string_view name) {
  const auto* body = result.is_object() ? result.as_object().if_contains("body") : nullptr;
  return body && body->is_object() ? body->as_object().if_contains(name) : nullptr;
}

}  // namespace

std::vector<json::value> batch_fixture::results_of(const api_response& reply) {
  EXPECT_EQ(reply.status, 200u) << describe(reply);
  const auto* top = reply.json.if_object();
  const auto* results = top ? top->if_contains("results") : nullptr;
  EXPECT_TRUE(results && results->is_array()) << reply.body.substr(0, 500);
  if (!(results && results->is_array())) return {};
  return {results->as_array().begin(), results->as_array().end()};
}

std::vector<json::value> batch_fixture::run_expecting(const std::string& key,
                                                      json::array operations,
                                                      const std::vector<std::int64_t>& statuses) {
  const auto reply = client().post("/v1/batch", key, batch_body(std::move(operations)));
  auto results = results_of(reply);
  EXPECT_EQ(results.size(), statuses.size()) << reply.body;
  if (results.size() != statuses.size()) return {};
  for (std::size_t index = 0; index < statuses.size(); ++index)
    EXPECT_EQ(status_of(results[index]), statuses[index]) << index << ": " << reply.body;
  return results;
}

json::object operation(std::string_view method, std::string path, std::optional<json::value> body,
                       std::string_view idempotency_key) {
  json::object out{{"method", method}, {"path", std::move(path)}};
  if (body) out["body"] = std::move(*body);
  if (!idempotency_key.empty()) out["idempotency_key"] = idempotency_key;
  return out;
}

std::string batch_body(json::array operations) {
  return json::serialize(json::object{{"operations", std::move(operations)}});
}

std::int64_t status_of(const json::value& result) {
  const auto* field = result.is_object() ? result.as_object().if_contains("status") : nullptr;
  return field && field->is_int64() ? field->as_int64() : -1;
}

std::string body_field(const json::value& result, std::string_view name) {
  const auto* field = body_member(result, name);
  return field && field->is_string() ? std::string(field->as_string()) : std::string();
}

std::int64_t body_number(const json::value& result, std::string_view name) {
  const auto* field = body_member(result, name);
  return field && field->is_int64() ? field->as_int64() : -1;
}

}  // namespace escrowd::api_testing
