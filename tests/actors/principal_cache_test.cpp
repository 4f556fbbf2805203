// Tests the facade's cache of authenticated principals (actors/principal_cache.hpp): what
// is kept is found, a revocation forgets everything, an authentication that read the store
// before a revocation does not keep what it read, and a full cache starts over.
#include "actors/principal_cache.hpp"

#include <gtest/gtest.h>

namespace escrowd::actors::testing {
namespace {

principal arbiter(const std::string& key_id) {
  return principal{principal_role::arbiter, key_id, {}};
}

TEST(principal_cache, a_kept_principal_is_found_by_its_secret_only) {
  principal_cache cache(8);
  cache.keep("sk_one", arbiter("key_1"), cache.generation());
  const auto found = cache.find("sk_one");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->key_id, "key_1");
  EXPECT_EQ(found->role, principal_role::arbiter);
  EXPECT_FALSE(cache.find("sk_on").has_value());
  EXPECT_FALSE(cache.find("sk_one ").has_value());
}

TEST(principal_cache, a_revocation_forgets_every_principal) {
  principal_cache cache(8);
  cache.keep("sk_one", arbiter("key_1"), cache.generation());
  cache.keep("sk_two", arbiter("key_2"), cache.generation());
  cache.forget_all();
  EXPECT_FALSE(cache.find("sk_one").has_value());
  EXPECT_FALSE(cache.find("sk_two").has_value());
}

// The store was read before the revocation (the key not yet revoked there): keeping that
// would accept the key after its revocation was answered.
TEST(principal_cache, what_was_read_before_a_revocation_is_not_kept) {
  principal_cache cache(8);
  const auto before = cache.generation();
  cache.forget_all();
  cache.keep("sk_one", arbiter("key_1"), before);
  EXPECT_FALSE(cache.find("sk_one").has_value());
  cache.keep("sk_one", arbiter("key_1"), cache.generation());
  EXPECT_TRUE(cache.find("sk_one").has_value());
}

TEST(principal_cache, a_full_cache_starts_over) {
  principal_cache cache(2);
  cache.keep("sk_one", arbiter("key_1"), cache.generation());
  cache.keep("sk_two", arbiter("key_2"), cache.generation());
  cache.keep("sk_three", arbiter("key_3"), cache.generation());
  EXPECT_FALSE(cache.find("sk_one").has_value());
  EXPECT_FALSE(cache.find("sk_two").has_value());
  EXPECT_TRUE(cache.find("sk_three").has_value());
}

}  // namespace
}  // namespace escrowd::actors::testing
