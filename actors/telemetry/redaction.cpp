#include "actors/telemetry/redaction.hpp"

#include <array>
#include <cstddef>
#include <string>

namespace escrowd::actors::telemetry {
namespace {

// Card numbers (ISO/IEC 7812) are 13 to 19 digits.
constexpr std::size_t card_digits_min = 13;
constexpr std::size_t card_digits_max = 19;
// An escrowd secret is "esk_" and 43 random characters; anything this long after the
// prefix is treated as one.
constexpr std::size_t secret_tail_min = 8;

std::string normalized(std::string_view name) {
  std::string out(name);
  for (auto& c : out) {
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
    if (c == '-') c = '_';
  }
  return out;
}

bool is_alnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool is_word(char c) {
  return is_alnum(c) || c == '_';
}

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// `prefix` at a word boundary, followed by at least `tail_min` word characters.
bool has_prefixed_token(std::string_view value, std::string_view prefix, std::size_t tail_min) {
  for (auto at = value.find(prefix); at != std::string_view::npos;
       at = value.find(prefix, at + 1)) {
    if (at > 0 && is_word(value[at - 1])) continue;
    std::size_t tail = 0;
    for (auto i = at + prefix.size(); i < value.size() && is_word(value[i]); ++i) ++tail;
    if (tail >= tail_min) return true;
  }
  return false;
}

bool contains_bearer(std::string_view value) {
  return normalized(value).find("bearer ") != std::string::npos;
}

bool passes_luhn(std::string_view digits) {
  int sum = 0;
  bool twice = false;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    int digit = *it - '0';
    if (twice) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    twice = !twice;
  }
  return sum % 10 == 0;
}

// Runs of digits, single spaces or dashes between digits allowed, delimited by characters
// that are not letters, digits or '_' (so ids that merely contain digits are left alone
// unless the digits stand apart), and not part of a decimal number ("12.3456789012345").
bool contains_card_number(std::string_view value) {
  std::size_t i = 0;
  while (i < value.size()) {
    if (!is_digit(value[i]) || (i > 0 && (is_word(value[i - 1]) || value[i - 1] == '.'))) {
      ++i;
      continue;
    }
    std::string digits;
    std::size_t end = i;
    while (end < value.size()) {
      if (is_digit(value[end])) {
        digits.push_back(value[end]);
        ++end;
      } else if ((value[end] == ' ' || value[end] == '-') && end + 1 < value.size() &&
                 is_digit(value[end + 1])) {
        ++end;
      } else {
        break;
      }
      if (digits.size() > card_digits_max) break;
    }
    const bool decimal_point_follows =
        end + 1 < value.size() && value[end] == '.' && is_digit(value[end + 1]);
    const bool bounded = (end == value.size() || !is_word(value[end])) && !decimal_point_follows;
    if (bounded && digits.size() >= card_digits_min && digits.size() <= card_digits_max &&
        passes_luhn(digits))
      return true;
    i = end > i ? end : i + 1;
  }
  return false;
}

}  // namespace

bool is_sensitive_field(std::string_view name) {
  const auto lower = normalized(name);
  if (lower == "key_id" || lower == "principal" || lower == "idempotency_key") return false;
  if (lower == "key" || ends_with(lower, "_key")) return true;
  static constexpr std::array<std::string_view, 9> words{
      "secret", "password", "token", "card", "authorization", "cookie", "signature", "cvc", "cvv"};
  for (auto word : words)
    if (lower.find(word) != std::string::npos) return true;
  return false;
}

bool looks_secret(std::string_view value) {
  static constexpr std::array<std::string_view, 5> stripe_prefixes{
      "sk_live_", "sk_test_", "rk_live_", "rk_test_", "whsec_"};
  if (has_prefixed_token(value, "esk_", secret_tail_min)) return true;
  for (auto prefix : stripe_prefixes)
    if (has_prefixed_token(value, prefix, secret_tail_min)) return true;
  return contains_bearer(value) || contains_card_number(value);
}

}  // namespace escrowd::actors::telemetry
