// Reading the few fields the load generator needs from API answers (ids, statuses, balances).
// Thread affinity: none; pure functions.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace escrowd::loadgen {

// The body as a JSON object, or nullopt.
std::optional<boost::json::object> parse_object(std::string_view body);
// A string field, or empty.
std::string string_field(const boost::json::object& object, std::string_view name);
// An integer field, or nullopt.
std::optional<std::int64_t> integer_field(const boost::json::object& object, std::string_view name);

}  // namespace escrowd::loadgen
