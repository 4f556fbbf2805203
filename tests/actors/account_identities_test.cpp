// Tests the task actors' cache of account identities (actors/account_identities.hpp): a
// kept currency is found by its exact id only, keeping again replaces, and a full cache
// starts over.
#include "actors/account_identities.hpp"

#include <gtest/gtest.h>

namespace escrowd::actors::testing {
namespace {

currency code(std::string_view text) {
  return *currency::parse(text);
}

TEST(account_identities, a_kept_currency_is_found_by_its_id_only) {
  account_identities kept(8);
  EXPECT_FALSE(kept.find("acct_a").has_value());
  kept.keep("acct_a", code("usd"));
  ASSERT_TRUE(kept.find("acct_a").has_value());
  EXPECT_EQ(*kept.find("acct_a"), code("usd"));
  EXPECT_FALSE(kept.find("acct_").has_value());
  EXPECT_FALSE(kept.find("acct_ab").has_value());
  kept.keep("acct_a", code("eur"));
  EXPECT_EQ(*kept.find("acct_a"), code("eur"));
}

TEST(account_identities, a_full_cache_starts_over) {
  account_identities kept(2);
  kept.keep("a", code("usd"));
  kept.keep("b", code("usd"));
  kept.keep("b", code("eur"));  // known: no room needed
  EXPECT_TRUE(kept.find("a").has_value());
  kept.keep("c", code("usd"));
  EXPECT_FALSE(kept.find("a").has_value());
  EXPECT_FALSE(kept.find("b").has_value());
  EXPECT_EQ(*kept.find("c"), code("usd"));
}

}  // namespace
}  // namespace escrowd::actors::testing
