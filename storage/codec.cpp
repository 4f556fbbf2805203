#include "storage/codec.hpp"

#include "storage/crc32c.hpp"

namespace escrowd::storage {

void byte_writer::string(std::string_view bytes) {
  u32(std::uint32_t(bytes.size()));
  out_.append(bytes);
}

std::string_view byte_reader::raw(std::size_t count) {
  if (!ok_ || in_.size() - position_ < count) {
    ok_ = false;
    return {};
  }
  auto bytes = in_.substr(position_, count);
  position_ += count;
  return bytes;
}

std::string byte_reader::string(std::size_t bytes_max) {
  const std::uint32_t length = u32();
  if (length > bytes_max) {
    ok_ = false;
    return {};
  }
  return std::string(raw(length));
}

void byte_reader::skip_string(std::size_t bytes_max) {
  const std::uint32_t length = u32();
  if (length > bytes_max) {
    ok_ = false;
    return;
  }
  raw(length);
}

escrowd::currency byte_reader::currency() {
  auto letters = raw(3);
  if (!ok_) return {};
  auto parsed = escrowd::currency::parse(letters);
  if (!parsed) {
    ok_ = false;
    return {};
  }
  return *parsed;
}

void begin_value(std::string& out, value_tag tag) {
  out.clear();
  out.push_back(char(value_format_version));
  out.push_back(char(tag));
}

void finish_value(std::string& out) {
  byte_writer(out).u32(crc32c(out));
}

result<std::string_view> open_value(std::string_view stored, value_tag tag,
                                    std::string_view table) {
  if (stored.size() < envelope_overhead_bytes) return corrupt(table);
  const auto body = stored.substr(0, stored.size() - 4);
  byte_reader trailer(stored.substr(stored.size() - 4));
  if (trailer.u32() != crc32c(body)) return corrupt(table);
  if (std::uint8_t(body[0]) != value_format_version) return corrupt(table);
  if (std::uint8_t(body[1]) != std::uint8_t(tag)) return corrupt(table);
  return body.substr(2);
}

}  // namespace escrowd::storage
