// body_fields: Boost.JSON lookups that never throw.
#include "bench/loadgen/body_fields.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace escrowd::loadgen {

std::optional<boost::json::object> parse_object(std::string_view body) {
  boost::system::error_code failure;
  auto parsed = boost::json::parse(body, failure);
  if (failure || !parsed.is_object()) return std::nullopt;
  return std::move(parsed.as_object());
}

std::string string_field(const boost::json::object& object, std::string_view name) {
  const auto* value = object.if_contains(name);
  return value != nullptr && value->is_string() ? std::string{value->as_string()} : std::string{};
}

std::optional<std::int64_t> integer_field(const boost::json::object& object,
                                          std::string_view name) {
  const auto* value = object.if_contains(name);
  if (value == nullptr) return std::nullopt;
  if (value->is_int64()) return value->as_int64();
  if (value->is_uint64()) return static_cast<std::int64_t>(value->as_uint64());
  return std::nullopt;
}

}  // namespace escrowd::loadgen
