// Tests engine/money.hpp: the amount range of api.md (1 .. 10^15), checked arithmetic that
// reports overflow instead of wrapping (single operations at the int64 edges and long chains
// of maximal amounts), and currency parsing (exactly three lower-case ASCII letters).
#include "engine/money.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "tests/support/engine_printers.hpp"

namespace escrowd {
namespace {

constexpr std::int64_t int64_max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t int64_min = std::numeric_limits<std::int64_t>::min();

TEST(money_amount, accepts_one_through_ten_to_the_fifteenth) {
  EXPECT_EQ(amount_min, 1);
  EXPECT_EQ(amount_max, 1'000'000'000'000'000);
  EXPECT_TRUE(is_valid_amount(1));
  EXPECT_TRUE(is_valid_amount(1250));
  EXPECT_TRUE(is_valid_amount(1'000'000'000'000'000));
}

TEST(money_amount, rejects_zero_negative_and_above_ten_to_the_fifteenth) {
  EXPECT_FALSE(is_valid_amount(0));
  EXPECT_FALSE(is_valid_amount(-1));
  EXPECT_FALSE(is_valid_amount(-1'000'000'000'000'000));
  EXPECT_FALSE(is_valid_amount(int64_min));
  EXPECT_FALSE(is_valid_amount(1'000'000'000'000'001));
  EXPECT_FALSE(is_valid_amount(int64_max));
}

TEST(money_checked_add, adds_within_range) {
  EXPECT_EQ(checked_add(2, 3), 5);
  EXPECT_EQ(checked_add(-2, 3), 1);
  EXPECT_EQ(checked_add(0, 0), 0);
  EXPECT_EQ(checked_add(int64_max - 1, 1), int64_max);
  EXPECT_EQ(checked_add(int64_min + 1, -1), int64_min);
  EXPECT_EQ(checked_add(int64_max, int64_min), -1);
}

TEST(money_checked_add, reports_overflow_at_both_ends) {
  EXPECT_EQ(checked_add(int64_max, 1), std::nullopt);
  EXPECT_EQ(checked_add(1, int64_max), std::nullopt);
  EXPECT_EQ(checked_add(int64_max, int64_max), std::nullopt);
  EXPECT_EQ(checked_add(int64_min, -1), std::nullopt);
  EXPECT_EQ(checked_add(int64_min, int64_min), std::nullopt);
}

TEST(money_checked_add, chain_of_maximal_amounts_overflows_exactly_at_9224) {
  // int64 max is 9,223,372,036,854,775,807: 9223 amounts of 10^15 fit, the 9224th does not.
  std::int64_t sum = 0;
  int added = 0;
  while (true) {
    auto next = checked_add(sum, amount_max);
    if (!next) break;
    sum = *next;
    ++added;
    ASSERT_LE(added, 9223) << "a sum of maximal amounts wrapped instead of overflowing";
  }
  EXPECT_EQ(added, 9223);
  EXPECT_EQ(sum, 9'223'000'000'000'000'000);
}

TEST(money_checked_add, chain_of_debits_overflows_at_the_negative_end) {
  std::int64_t sum = 0;
  int added = 0;
  while (auto next = checked_add(sum, -amount_max)) {
    sum = *next;
    ++added;
    ASSERT_LE(added, 9224);
  }
  EXPECT_EQ(added, 9223);  // -9224 * 10^15 is below int64 min as well
}

TEST(money_checked_sub, subtracts_and_reports_overflow) {
  EXPECT_EQ(checked_sub(5, 3), 2);
  EXPECT_EQ(checked_sub(3, 5), -2);
  EXPECT_EQ(checked_sub(int64_min + 1, 1), int64_min);
  EXPECT_EQ(checked_sub(int64_min, 1), std::nullopt);
  EXPECT_EQ(checked_sub(int64_max, -1), std::nullopt);
  EXPECT_EQ(checked_sub(0, int64_min), std::nullopt);
  EXPECT_EQ(checked_sub(-1, int64_min), int64_max);
}

TEST(money_checked_negate, negates_all_but_the_minimum) {
  EXPECT_EQ(checked_negate(0), 0);
  EXPECT_EQ(checked_negate(5), -5);
  EXPECT_EQ(checked_negate(-5), 5);
  EXPECT_EQ(checked_negate(int64_max), int64_min + 1);
  EXPECT_EQ(checked_negate(int64_min), std::nullopt);
}

TEST(money_currency, parses_three_lower_case_letters) {
  for (const char* text : {"usd", "eur", "jpy", "aaa", "zzz"}) {
    auto parsed = currency::parse(text);
    ASSERT_TRUE(parsed) << text;
    EXPECT_EQ(parsed->view(), text);
    EXPECT_EQ(parsed->str(), text);
  }
}

TEST(money_currency, rejects_everything_else_with_currency_invalid) {
  const std::string rejected[] = {
      "USD",
      "Usd",
      "usD",
      "us",
      "usdd",
      "",
      "u",
      "u1d",
      "us-",
      "u d",
      " usd",
      "usd ",
      "`aa",                   // the character before 'a'
      "{aa",                   // the character after 'z'
      "\xc3\xa9u",             // 'é' (two UTF-8 bytes) followed by one letter
      std::string("us\0", 3),  // an embedded NUL
  };
  for (const auto& text : rejected) {
    auto parsed = currency::parse(text);
    ASSERT_FALSE(parsed) << '"' << text << '"';
    EXPECT_EQ(parsed.failure(), (error{error_code::currency_invalid, "currency"})) << text;
  }
}

TEST(money_currency, every_single_byte_outside_a_to_z_is_rejected) {
  for (int byte = 0; byte < 256; ++byte) {
    const char c = static_cast<char>(byte);
    const bool letter = c >= 'a' && c <= 'z';
    const std::string text = std::string("us") + c;
    EXPECT_EQ(currency::parse(text).has_value(), letter) << "byte " << byte;
  }
}

TEST(money_currency, defaults_to_xxx_and_compares_by_letters) {
  EXPECT_EQ(currency{}.view(), "xxx");
  const auto usd = *currency::parse("usd");
  const auto eur = *currency::parse("eur");
  EXPECT_EQ(usd, *currency::parse("usd"));
  EXPECT_NE(usd, eur);
  EXPECT_LT(eur, usd);
  EXPECT_EQ(usd.packed(), 0x757364u);  // 'u' 's' 'd'
  EXPECT_NE(usd.packed(), eur.packed());
  EXPECT_LT(eur.packed(), usd.packed());
}

}  // namespace
}  // namespace escrowd
