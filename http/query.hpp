// The request target split into path and query, and the query's parameters decoded
// (percent-encoding and '+'), for list endpoints (api.md "Lists": limit, starting_after).
// Thread affinity: none.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "engine/result.hpp"

namespace escrowd::http {

struct split_target {
  std::string_view path;
  std::string_view query;  // without the '?'
};

[[nodiscard]] split_target split_request_target(std::string_view target);

// The target as routes read it: an absolute-form target (RFC 9112 3.2.2: "http://host/p")
// in origin form ("/p"), and in its path the percent-encoded unreserved characters decoded
// (RFC 3986 6.2.2.2: "/v1/accounts/%61" is "/v1/accounts/a"); the rest stays as sent, so
// an encoded '/' never becomes a separator. The query is the parser's to decode.
[[nodiscard]] std::string normalized_target(std::string_view target);

class query_parameters {
 public:
  // parameter_invalid on bad percent-encoding, a repeated name or a value without a name.
  [[nodiscard]] static result<query_parameters> parse(std::string_view query);

  // Removes and returns the parameter, so finish() can name any the endpoint did not take.
  [[nodiscard]] std::optional<std::string> take(std::string_view name);
  // parameter_unknown naming the first parameter nobody took.
  [[nodiscard]] status finish() const;

 private:
  std::map<std::string, std::string, std::less<>> values_;
};

// api.md "Lists": limit is 1..100 (default 10).
inline constexpr std::int64_t list_limit_default = 10;
inline constexpr std::int64_t list_limit_max = 100;

// The limit parameter: absent gives the default; else an integer in 1..100 or
// parameter_invalid naming "limit".
[[nodiscard]] result<std::size_t> read_list_limit(query_parameters& parameters);

}  // namespace escrowd::http
