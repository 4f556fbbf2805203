// json_writer: builds one JSON value as it is described, with boost::json's exact output
// (no spaces; `"`, `\` and control characters escaped as boost::json escapes them, other
// bytes as they are), so that an object rendered here reads the same as one serialized by
// boost::json. The hot responses (an account, a task, an operation) are written with it:
// building a boost::json::object and serializing it cost ~8k instructions per response,
// most of them allocations. It writes into its own buffer through a cursor (std::string's
// append and push_back cost tens of instructions a call).
// Thread affinity: none; one writer per value.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace escrowd::http {

class json_writer {
 public:
  explicit json_writer(std::size_t expected_size) : buffer_(expected_size, '\0') {}

  json_writer& begin_object();
  json_writer& end_object();
  json_writer& begin_array();
  json_writer& end_array();
  // The next member's name, inside an object: one of the code's own names, written as it
  // is (never escaped).
  json_writer& key(std::string_view name);
  json_writer& string(std::string_view text);
  json_writer& number(std::int64_t value);
  json_writer& boolean(bool value);
  json_writer& null();
  // A text field Stripe renders as null when absent (empty).
  json_writer& string_or_null(std::string_view text);

  // The text written; the writer is spent.
  std::string take() &&;

 private:
  // A comma before every value or member but the first of its object or array.
  void separate() {
    if (!first_) put(',');
    first_ = false;
  }
  void append_quoted(std::string_view text);
  void reserve(std::size_t more) {
    if (used_ + more > buffer_.size()) grow(more);
  }
  void grow(std::size_t more);
  void put(char c) {
    reserve(1);
    buffer_[used_++] = c;
  }
  void put(std::string_view text) {
    reserve(text.size());
    std::memcpy(buffer_.data() + used_, text.data(), text.size());
    used_ += text.size();
  }

  std::string buffer_;  // [0, used_) written
  std::size_t used_ = 0;
  bool first_ = true;  // no value yet in the innermost open object or array
};

}  // namespace escrowd::http
