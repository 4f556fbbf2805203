#include "http/query.hpp"

#include <gtest/gtest.h>

namespace escrowd::http {
namespace {

TEST(query, splits_the_target_at_the_first_question_mark) {
  auto split = split_request_target("/v1/accounts/a/entries?limit=5&x=?");
  EXPECT_EQ(split.path, "/v1/accounts/a/entries");
  EXPECT_EQ(split.query, "limit=5&x=?");
  EXPECT_EQ(split_request_target("/healthz").query, "");
}

TEST(query, decodes_percent_escapes_and_plus) {
  auto parameters = query_parameters::parse("starting_after=entry%5F12&note=a+b");
  ASSERT_TRUE(parameters);
  EXPECT_EQ(parameters->take("starting_after"), "entry_12");
  EXPECT_EQ(parameters->take("note"), "a b");
  EXPECT_TRUE(parameters->finish().ok());
}

TEST(query, rejects_bad_escapes_repeats_and_leftovers) {
  EXPECT_EQ(query_parameters::parse("a=%zz").code(), error_code::parameter_invalid);
  EXPECT_EQ(query_parameters::parse("a=%4").code(), error_code::parameter_invalid);
  auto nameless = query_parameters::parse("limit=1&=x");
  ASSERT_FALSE(nameless);
  EXPECT_EQ(nameless.failure().param, "query");
  EXPECT_EQ(nameless.failure().code, error_code::parameter_invalid);
  auto repeated = query_parameters::parse("limit=1&limit=2");
  ASSERT_FALSE(repeated);
  EXPECT_EQ(repeated.failure().param, "limit");
  auto leftover = query_parameters::parse("limit=1&colour=red");
  ASSERT_TRUE(leftover);
  (void)leftover->take("limit");
  auto finished = leftover->finish();
  EXPECT_EQ(finished.code(), error_code::parameter_unknown);
  EXPECT_EQ(finished.failure().param, "colour");
}

TEST(query, targets_are_normalized_to_origin_form_with_unreserved_characters_decoded) {
  EXPECT_EQ(normalized_target("/v1/tasks/t1?limit=5"), "/v1/tasks/t1?limit=5");
  EXPECT_EQ(normalized_target("http://host:8080/v1/tasks/t1?a=b"), "/v1/tasks/t1?a=b");
  EXPECT_EQ(normalized_target("https://host?a=b"), "/?a=b");
  EXPECT_EQ(normalized_target("http://host"), "/");
  EXPECT_EQ(normalized_target("/v1/tasks/%74%31%2d%5F%2e%7E"), "/v1/tasks/t1-_.~");
  EXPECT_EQ(normalized_target("/v1/tasks/a%2Fb%00%zz%4"), "/v1/tasks/a%2Fb%00%zz%4");
  EXPECT_EQ(normalized_target("/a?b=%61"), "/a?b=%61");  // the query is the parser's
}

TEST(query, limit_defaults_to_10_and_must_be_1_to_100) {
  auto none = query_parameters::parse("");
  ASSERT_TRUE(none);
  auto fallback = read_list_limit(*none);
  ASSERT_TRUE(fallback);
  EXPECT_EQ(*fallback, std::size_t{10});
  for (const char* good : {"limit=1", "limit=100"}) {
    auto parameters = query_parameters::parse(good);
    ASSERT_TRUE(parameters);
    EXPECT_TRUE(read_list_limit(*parameters)) << good;
  }
  for (const char* bad : {"limit=0", "limit=101", "limit=-1", "limit=1.5", "limit=", "limit=ten"}) {
    auto parameters = query_parameters::parse(bad);
    ASSERT_TRUE(parameters);
    auto limit = read_list_limit(*parameters);
    ASSERT_FALSE(limit) << bad;
    EXPECT_EQ(limit.failure().param, "limit") << bad;
  }
}

}  // namespace
}  // namespace escrowd::http
