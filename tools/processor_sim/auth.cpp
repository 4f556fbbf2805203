// Authentication: any test-mode secret key is valid; live keys are refused so that a
// misconfigured client cannot mistake the simulator for Stripe.
#include "auth.hpp"

#include "engine/utf8.hpp"

namespace escrowd::processor_sim {
namespace {

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char a = text[i];
    char b = prefix[i];
    if (a >= 'A' && a <= 'Z') a = static_cast<char>(a + 32);
    if (b >= 'A' && b <= 'Z') b = static_cast<char>(b + 32);
    if (a != b) return false;
  }
  return true;
}

}  // namespace

std::optional<std::string> base64_decode(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  std::string out;
  unsigned int buffer = 0;
  int bits = 0;
  for (char c : text) {
    int value = base64_value(c);
    if (value < 0) return std::nullopt;
    buffer = (buffer << 6) | static_cast<unsigned int>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  return out;
}

auth_result authenticate(std::string_view authorization) {
  std::string key;
  if (starts_with_ignoring_case(authorization, "bearer ")) {
    key = authorization.substr(7);
  } else if (starts_with_ignoring_case(authorization, "basic ")) {
    auto decoded = base64_decode(authorization.substr(6));
    if (!decoded) return {{}, errors::invalid_api_key("")};
    key = decoded->substr(0, decoded->find(':'));
  }
  while (!key.empty() && key.front() == ' ') key.erase(0, 1);
  if (key.empty()) return {{}, errors::missing_api_key()};
  // The key scopes the idempotency keys saved in the state file, and the 401 quotes it.
  if (!is_utf8(key)) return {{}, errors::invalid_api_key("")};
  if (!key.starts_with("sk_test_")) return {{}, errors::invalid_api_key(key)};
  return {key, std::nullopt};
}

}  // namespace escrowd::processor_sim
