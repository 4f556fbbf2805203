// What the batch tests share (batch_test.cpp, batch_order_test.cpp): building a batch's
// operations, sending it, and reading its results.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tests/api/api_fixture.hpp"

namespace escrowd::api_testing {

class batch_fixture : public api_fixture {
 protected:
  // The results array of a 200 batch reply, empty (with a failure) otherwise.
  std::vector<json::value> results_of(const api_response& reply);

  // Sends `operations` as one batch with `key` and expects these statuses, in order;
  // returns the results (empty when the batch itself failed).
  std::vector<json::value> run_expecting(const std::string& key, json::array operations,
                                         const std::vector<std::int64_t>& statuses);
};

json::object operation(std::string_view method, std::string path,
                       std::optional<json::value> body = std::nullopt,
                       std::string_view idempotency_key = {});
std::string batch_body(json::array operations);
// A result's status, -1 when it has none.
std::int64_t status_of(const json::value& result);
// A string or an integer field of a result's body: empty or -1 when it has none.
std::string body_field(const json::value& result, std::string_view name);
std::int64_t body_number(const json::value& result, std::string_view name);

}  // namespace escrowd::api_testing
