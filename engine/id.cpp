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

std::string make_id(std::string_view prefix, std::uint64_t entropy_high,
                    std::uint64_t entropy_low) {
  static constexpr std::string_view alphabet =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  // 22 base62 digits hold 128 bits (62^22 > 2^128); digits come from each half in turn.
  std::string id(prefix);
  id.reserve(prefix.size() + 22);
  for (int i = 0; i < 11; ++i) {
    id.push_back(alphabet[entropy_high % 62]);
    entropy_high /= 62;
  }
  for (int i = 0; i < 11; ++i) {
    id.push_back(alphabet[entropy_low % 62]);
    entropy_low /= 62;
  }
  return id;
}

}  // namespace escrowd
