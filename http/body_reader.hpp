// Strict reading of a JSON request body (api.md "Conventions"): the body must be an
// object, every field is read by name with its type checked, amounts are integers (never
// floats), and any field the endpoint did not read is rejected as parameter_unknown.
// Thread affinity: none; one reader per request.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/money.hpp"
#include "engine/result.hpp"

namespace escrowd::http {

// `text` as a JSON object; invalid JSON (with the parser's reason), a non-object, or
// nesting past the engine's json_depth_max is json_invalid.
[[nodiscard]] result<boost::json::object> parse_json_object(std::string_view text);

class body_reader {
 public:
  // An empty body reads as {}. Invalid JSON, a non-object, or nesting past the engine's
  // json_depth_max is json_invalid.
  [[nodiscard]] static result<body_reader> parse(std::string_view body);

  [[nodiscard]] result<std::string> required_string(std::string_view name);
  [[nodiscard]] result<std::optional<std::string>> optional_string(std::string_view name);
  // An id field: 1..64 of [A-Za-z0-9_-], else id_invalid.
  [[nodiscard]] result<std::optional<std::string>> optional_id(std::string_view name);
  [[nodiscard]] result<std::string> required_id(std::string_view name);
  [[nodiscard]] result<std::int64_t> required_integer(std::string_view name);
  [[nodiscard]] result<std::optional<std::int64_t>> optional_integer(std::string_view name);
  // 1 .. 10^15 minor units, else amount_invalid.
  [[nodiscard]] result<std::int64_t> required_amount(std::string_view name);
  [[nodiscard]] result<currency> required_currency(std::string_view name);
  [[nodiscard]] result<bool> optional_bool(std::string_view name, bool fallback);

  // parameter_unknown naming the first field nobody read.
  [[nodiscard]] status finish() const;

 private:
  explicit body_reader(boost::json::object fields);
  const boost::json::value* find(std::string_view name);
  void mark_read(std::size_t field_index);
  bool was_read(std::size_t field_index) const;

  boost::json::object fields_;
  // Which of fields_ (by position; an object's keys are unique) an endpoint read: a bit
  // each for the first 64, a vector only for a body with more (a set of names cost three
  // allocations per request).
  std::uint64_t read_first_fields_ = 0;
  std::vector<bool> read_later_fields_;
};

}  // namespace escrowd::http
