// Money: amounts in integer minor units and ISO-style lower-case currency codes, with
// checked arithmetic. Overflow is an error value, never a wrap (api.md "Conventions").
// Thread affinity: none; plain values.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/result.hpp"

namespace escrowd {

// A request amount is 1 .. amount_max minor units.
inline constexpr std::int64_t amount_min = 1;
inline constexpr std::int64_t amount_max = 1'000'000'000'000'000;  // 10^15

[[nodiscard]] constexpr bool is_valid_amount(std::int64_t amount) {
  return amount >= amount_min && amount <= amount_max;
}

[[nodiscard]] inline std::optional<std::int64_t> checked_add(std::int64_t a, std::int64_t b) {
  std::int64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum)) return std::nullopt;
  return sum;
}

[[nodiscard]] inline std::optional<std::int64_t> checked_sub(std::int64_t a, std::int64_t b) {
  std::int64_t difference = 0;
  if (__builtin_sub_overflow(a, b, &difference)) return std::nullopt;
  return difference;
}

[[nodiscard]] inline std::optional<std::int64_t> checked_negate(std::int64_t a) {
  return checked_sub(0, a);
}

// Three lower-case ASCII letters, e.g. "usd". Always valid once constructed.
class currency {
 public:
  // "xxx", ISO 4217's code for "no currency": what a record holds before it is filled in.
  currency() : letters_{'x', 'x', 'x'} {}
  static result<currency> parse(std::string_view text);

  std::string_view view() const { return {letters_.data(), letters_.size()}; }
  std::string str() const { return std::string(view()); }
  // A dense number for hashing and maps: the three letters packed into 24 bits.
  std::uint32_t packed() const {
    return (std::uint32_t(std::uint8_t(letters_[0])) << 16) |
           (std::uint32_t(std::uint8_t(letters_[1])) << 8) | std::uint8_t(letters_[2]);
  }

  friend bool operator==(const currency&, const currency&) = default;
  friend auto operator<=>(const currency&, const currency&) = default;

 private:
  explicit currency(std::array<char, 3> letters) : letters_(letters) {}
  std::array<char, 3> letters_;
};

}  // namespace escrowd
