#include "engine/id.hpp"

namespace escrowd {

bool is_valid_id(std::string_view id) {
  if (id.empty() || id.size() > id_length_max) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

namespace {

// In ASCII order, so fixed-width numbers sort as their values do.
constexpr std::string_view alphabet =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

void append_digits(std::string& id, std::uint64_t bits, int count) {
  for (int i = 0; i < count; ++i) {
    id.push_back(alphabet[bits % 62]);
    bits /= 62;
  }
}

}  // namespace

std::string make_id(std::string_view prefix, std::uint64_t entropy_high,
                    std::uint64_t entropy_low) {
  // 22 base62 digits hold 128 bits (62^22 > 2^128); digits come from each half in turn.
  std::string id(prefix);
  id.reserve(prefix.size() + 22);
  append_digits(id, entropy_high, 11);
  append_digits(id, entropy_low, 11);
  return id;
}

std::string make_time_ordered_id(std::string_view prefix, std::int64_t unix_ms,
                                 std::uint64_t entropy_high, std::uint64_t entropy_low) {
  constexpr int time_digits = 8;  // 62^8 ms is about 6,900 years
  std::string id(prefix);
  id.reserve(prefix.size() + 22);
  auto time = std::uint64_t(unix_ms < 0 ? 0 : unix_ms);
  id.append(time_digits, '0');
  for (int i = 0; i < time_digits; ++i) {
    id[id.size() - 1 - i] = alphabet[time % 62];
    time /= 62;
  }
  append_digits(id, entropy_high, 7);
  append_digits(id, entropy_low, 7);
  return id;
}

}  // namespace escrowd
