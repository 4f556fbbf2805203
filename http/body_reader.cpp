#include "http/body_reader.hpp"

#include <boost/json/parse.hpp>

#include "engine/error_message.hpp"
#include "engine/fingerprint.hpp"
#include "engine/id.hpp"

namespace escrowd::http {
namespace {

namespace json = boost::json;

error not_of_type(std::string_view name, std::string_view expected) {
  return rejection(error_code::parameter_invalid, name,
                   std::string(name) + " must be " + std::string(expected) + ".");
}
error missing(std::string_view name) {
  return error{error_code::parameter_missing, std::string(name)};
}

bool is_blank(std::string_view body) {
  return body.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

}  // namespace

result<json::object> parse_json_object(std::string_view text) {
  json::parse_options options;
  options.max_depth = json_depth_max;
  std::error_code failure;
  json::value parsed = json::parse(text, failure, {}, options);
  if (failure)
    return rejection(error_code::json_invalid, {},
                     "The body is not valid JSON: " + failure.message() + ".");
  if (!parsed.is_object())
    return rejection(error_code::json_invalid, {}, "The body must be a JSON object.");
  return std::move(parsed.as_object());
}

result<body_reader> body_reader::parse(std::string_view body) {
  if (is_blank(body)) return body_reader(json::object{});
  auto parsed = parse_json_object(body);
  if (!parsed) return parsed.failure();
  return body_reader(std::move(*parsed));
}

constexpr std::size_t first_fields_count = 64;

body_reader::body_reader(json::object fields) : fields_(std::move(fields)) {
  if (fields_.size() > first_fields_count)
    read_later_fields_.resize(fields_.size() - first_fields_count);
}

void body_reader::mark_read(std::size_t field_index) {
  if (field_index < first_fields_count)
    read_first_fields_ |= std::uint64_t{1} << field_index;
  else
    read_later_fields_[field_index - first_fields_count] = true;
}

bool body_reader::was_read(std::size_t field_index) const {
  if (field_index < first_fields_count) return (read_first_fields_ >> field_index) & 1U;
  return read_later_fields_[field_index - first_fields_count];
}

const json::value* body_reader::find(std::string_view name) {
  const auto field = fields_.find(name);
  if (field == fields_.end()) return nullptr;
  mark_read(static_cast<std::size_t>(field - fields_.begin()));
  return field->value().is_null() ? nullptr : &field->value();
}

result<std::optional<std::string>> body_reader::optional_string(std::string_view name) {
  const json::value* found = find(name);
  if (found == nullptr) return std::optional<std::string>{};
  if (!found->is_string()) return not_of_type(name, "a string");
  const auto& text = found->get_string();
  return std::optional<std::string>(std::string(text.data(), text.size()));
}

result<std::string> body_reader::required_string(std::string_view name) {
  auto text = optional_string(name);
  if (!text) return text.failure();
  if (!text->has_value() || (*text)->empty()) return missing(name);
  return std::move(**text);
}

result<std::optional<std::string>> body_reader::optional_id(std::string_view name) {
  auto text = optional_string(name);
  if (!text) return text.failure();
  if (text->has_value() && !is_valid_id(**text))
    return error{error_code::id_invalid, std::string(name)};
  return text;
}

result<std::string> body_reader::required_id(std::string_view name) {
  auto id = optional_id(name);
  if (!id) return id.failure();
  if (!id->has_value()) return missing(name);
  return std::move(**id);
}

result<std::optional<std::int64_t>> body_reader::optional_integer(std::string_view name) {
  const json::value* found = find(name);
  if (found == nullptr) return std::optional<std::int64_t>{};
  if (found->is_int64()) return std::optional<std::int64_t>(found->get_int64());
  return not_of_type(name, "an integer");  // floats, strings and integers past int64 alike
}

result<std::int64_t> body_reader::required_integer(std::string_view name) {
  auto number = optional_integer(name);
  if (!number) return number.failure();
  if (!number->has_value()) return missing(name);
  return **number;
}

result<std::int64_t> body_reader::required_amount(std::string_view name) {
  const json::value* found = fields_.if_contains(name);
  if (found != nullptr && !found->is_null() && !found->is_int64())
    return error{error_code::amount_invalid, std::string(name)};
  auto amount = required_integer(name);
  if (!amount) return amount.failure();
  if (!is_valid_amount(*amount)) return error{error_code::amount_invalid, std::string(name)};
  return *amount;
}

result<currency> body_reader::required_currency(std::string_view name) {
  auto text = required_string(name);
  if (!text) return text.failure();
  auto parsed = currency::parse(*text);
  if (!parsed) return error{error_code::currency_invalid, std::string(name)};
  return parsed;
}

result<bool> body_reader::optional_bool(std::string_view name, bool fallback) {
  const json::value* found = find(name);
  if (found == nullptr) return fallback;
  if (!found->is_bool()) return not_of_type(name, "true or false");
  return found->get_bool();
}

status body_reader::finish() const {
  for (std::size_t index = 0; index < fields_.size(); ++index) {
    if (!was_read(index)) {
      const auto key = (fields_.begin() + static_cast<std::ptrdiff_t>(index))->key();
      return error{error_code::parameter_unknown, std::string(key)};
    }
  }
  return {};
}

}  // namespace escrowd::http
