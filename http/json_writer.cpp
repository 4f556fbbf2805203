#include "http/json_writer.hpp"

#include <algorithm>
#include <array>
#include <charconv>

namespace escrowd::http {

json_writer& json_writer::begin_object() {
  separate();
  put('{');
  first_ = true;
  return *this;
}

json_writer& json_writer::end_object() {
  put('}');
  first_ = false;
  return *this;
}

json_writer& json_writer::begin_array() {
  separate();
  put('[');
  first_ = true;
  return *this;
}

json_writer& json_writer::end_array() {
  put(']');
  first_ = false;
  return *this;
}

json_writer& json_writer::key(std::string_view name) {
  separate();
  reserve(name.size() + 3);
  put('"');
  put(name);
  put(std::string_view("\":"));
  first_ = true;  // the member's value follows without a comma
  return *this;
}

json_writer& json_writer::string(std::string_view text) {
  separate();
  append_quoted(text);
  return *this;
}

json_writer& json_writer::number(std::int64_t value) {
  separate();
  reserve(20);  // "-9223372036854775808"
  used_ = static_cast<std::size_t>(
      std::to_chars(buffer_.data() + used_, buffer_.data() + buffer_.size(), value).ptr -
      buffer_.data());
  return *this;
}

json_writer& json_writer::boolean(bool value) {
  separate();
  put(value ? std::string_view("true") : std::string_view("false"));
  return *this;
}

json_writer& json_writer::null() {
  separate();
  put(std::string_view("null"));
  return *this;
}

json_writer& json_writer::string_or_null(std::string_view text) {
  return text.empty() ? null() : string(text);
}

std::string json_writer::take() && {
  buffer_.resize(used_);
  return std::move(buffer_);
}

void json_writer::grow(std::size_t more) {
  buffer_.resize(std::max(buffer_.size() * 2, used_ + more));
}

namespace {

// Bytes a JSON string cannot hold as they are: control characters, '"' and '\'.
constexpr auto escaped_bytes = [] {
  std::array<bool, 256> escaped{};
  for (int byte = 0; byte < 0x20; ++byte) escaped[byte] = true;
  escaped['"'] = true;
  escaped['\\'] = true;
  return escaped;
}();

}  // namespace

// Runs that need no escaping are copied whole.
void json_writer::append_quoted(std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  reserve(text.size() + 2);
  put('"');
  std::size_t run = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (!escaped_bytes[byte]) continue;
    put(text.substr(run, i - run));
    run = i + 1;
    switch (byte) {
      case '"':
        put(std::string_view("\\\""));
        break;
      case '\\':
        put(std::string_view("\\\\"));
        break;
      case '\b':
        put(std::string_view("\\b"));
        break;
      case '\f':
        put(std::string_view("\\f"));
        break;
      case '\n':
        put(std::string_view("\\n"));
        break;
      case '\r':
        put(std::string_view("\\r"));
        break;
      case '\t':
        put(std::string_view("\\t"));
        break;
      default: {
        const char escaped[] = {'\\', 'u', '0', '0', hex[byte >> 4], hex[byte & 0xf]};
        put(std::string_view(escaped, sizeof escaped));
      }
    }
  }
  put(text.substr(run));
  put('"');
}

}  // namespace escrowd::http
