// Tests engine/id.hpp: id validation per api.md (1..64 characters of [A-Za-z0-9_-], checked
// byte by byte over all 256 values) and the shape of server-made ids: the type prefix plus 22
// base62 characters, deterministic in the entropy given and distinct for distinct entropy.
#include "engine/id.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <string>

#include "tests/support/seeded_random.hpp"

namespace escrowd {
namespace {

bool is_id_character(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

TEST(id_validation, accepts_lengths_one_through_sixty_four) {
  EXPECT_EQ(id_length_max, 64u);
  EXPECT_TRUE(is_valid_id("a"));
  EXPECT_TRUE(is_valid_id(std::string(63, 'x')));
  EXPECT_TRUE(is_valid_id(std::string(64, 'x')));
  EXPECT_TRUE(is_valid_id("acct_Az09-_"));
  EXPECT_TRUE(is_valid_id("-"));
  EXPECT_TRUE(is_valid_id("_"));
}

TEST(id_validation, rejects_empty_and_longer_than_sixty_four) {
  EXPECT_FALSE(is_valid_id(""));
  EXPECT_FALSE(is_valid_id(std::string(65, 'x')));
  EXPECT_FALSE(is_valid_id(std::string(1000, 'x')));
}

TEST(id_validation, accepts_exactly_the_contract_charset) {
  for (int byte = 0; byte < 256; ++byte) {
    const char c = static_cast<char>(byte);
    const std::string alone(1, c);
    const std::string inside = std::string("ab") + c + "cd";
    EXPECT_EQ(is_valid_id(alone), is_id_character(c)) << "byte " << byte;
    EXPECT_EQ(is_valid_id(inside), is_id_character(c)) << "byte " << byte;
  }
}

TEST(id_validation, rejects_common_mistakes) {
  for (const char* text : {"acct 1", "acct.1", "acct/1", "acct:1", "acct%201", "ácct", "a\n"})
    EXPECT_FALSE(is_valid_id(text)) << text;
  EXPECT_FALSE(is_valid_id(std::string("a\0b", 3)));
}

TEST(id_make, is_the_prefix_and_twenty_two_base62_characters) {
  for (auto prefix : {account_id_prefix, task_id_prefix, topup_id_prefix, withdrawal_id_prefix,
                      key_id_prefix, request_id_prefix}) {
    const std::string id = make_id(prefix, 0x0123456789abcdefULL, 0xfedcba9876543210ULL);
    ASSERT_EQ(id.size(), prefix.size() + 22) << id;
    EXPECT_EQ(id.substr(0, prefix.size()), prefix);
    EXPECT_TRUE(is_valid_id(id)) << id;
    for (char c : id.substr(prefix.size()))
      EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) << id;
  }
}

TEST(id_make, prefixes_are_the_contract_ones) {
  EXPECT_EQ(account_id_prefix, "acct_");
  EXPECT_EQ(task_id_prefix, "task_");
  EXPECT_EQ(topup_id_prefix, "top_");
  EXPECT_EQ(withdrawal_id_prefix, "wd_");
}

TEST(id_make, is_deterministic_in_the_entropy) {
  EXPECT_EQ(make_id("task_", 1, 2), make_id("task_", 1, 2));
  EXPECT_EQ(make_id("task_", 0, 0), "task_" + std::string(22, '0'));
  const std::uint64_t all_ones = ~std::uint64_t{0};
  EXPECT_TRUE(is_valid_id(make_id("task_", all_ones, all_ones)));
}

TEST(id_make, both_halves_of_the_entropy_matter) {
  EXPECT_NE(make_id("task_", 1, 0), make_id("task_", 0, 1));
  EXPECT_NE(make_id("task_", 0, 0), make_id("task_", 0, 1));
  EXPECT_NE(make_id("task_", 0, 0), make_id("task_", 1, 0));
  const std::uint64_t top_bit = std::uint64_t{1} << 63;
  EXPECT_NE(make_id("task_", top_bit, 0), make_id("task_", 0, 0));
  EXPECT_NE(make_id("task_", 0, top_bit), make_id("task_", 0, 0));
}

TEST(id_make, distinct_entropy_gives_distinct_ids) {
  auto random = testing::seeded_random::from_environment(7);
  SCOPED_TRACE(random.describe());
  std::set<std::string> seen;
  for (int i = 0; i < 20'000; ++i) {
    const std::uint64_t high = random.next();
    // Neighbouring values too: the encoding must not merge adjacent numbers.
    seen.insert(make_id("wd_", high, std::uint64_t(i)));
    seen.insert(make_id("wd_", high + 1, std::uint64_t(i)));
  }
  EXPECT_EQ(seen.size(), 40'000u);
}

}  // namespace
TEST(id_time_ordered, is_the_prefix_and_twenty_two_base62_characters) {
  const std::uint64_t all_ones = ~std::uint64_t{0};
  for (auto prefix : {account_id_prefix, task_id_prefix, topup_id_prefix, withdrawal_id_prefix}) {
    const std::string id = make_time_ordered_id(prefix, 1'764'900'000'123, all_ones, all_ones);
    ASSERT_EQ(id.size(), prefix.size() + 22) << id;
    EXPECT_EQ(id.substr(0, prefix.size()), prefix);
    EXPECT_TRUE(is_valid_id(id)) << id;
  }
  EXPECT_EQ(make_time_ordered_id("t_", 0, 0, 0), "t_" + std::string(22, '0'));
  EXPECT_EQ(make_time_ordered_id("t_", -5, 0, 0), make_time_ordered_id("t_", 0, 0, 0));
  EXPECT_EQ(make_time_ordered_id("t_", 61, 0, 0).substr(0, 10), "t_0000000z");
  EXPECT_EQ(make_time_ordered_id("t_", 62, 0, 0).substr(0, 10), "t_00000010");
}

TEST(id_time_ordered, a_later_millisecond_sorts_after_whatever_the_entropy) {
  auto random = testing::seeded_random::from_environment(11);
  SCOPED_TRACE(random.describe());
  const std::uint64_t all_ones = ~std::uint64_t{0};
  for (int i = 0; i < 20'000; ++i) {
    // Across digit carries too: 61 -> 62, 3843 -> 3844, ...
    const auto earlier = std::int64_t(random.next() % 4'000'000'000'000);
    const auto later = earlier + 1 + std::int64_t(random.next() % 4);
    ASSERT_LT(make_time_ordered_id("task_", earlier, all_ones, all_ones),
              make_time_ordered_id("task_", later, 0, 0))
        << earlier << " " << later;
  }
}

TEST(id_time_ordered, distinct_entropy_in_one_millisecond_gives_distinct_ids) {
  auto random = testing::seeded_random::from_environment(13);
  SCOPED_TRACE(random.describe());
  std::set<std::string> seen;
  for (int i = 0; i < 20'000; ++i) {
    const std::uint64_t bits = random.next();
    seen.insert(make_time_ordered_id("wd_", 1'000, bits, std::uint64_t(i)));
    seen.insert(make_time_ordered_id("wd_", 1'000, std::uint64_t(i), bits));
  }
  EXPECT_EQ(seen.size(), 40'000u);
}

}  // namespace escrowd
