#include "http/route_table.hpp"

#include <gtest/gtest.h>

namespace escrowd::http {
namespace {

TEST(route_table, matches_every_resource_with_its_id) {
  auto fund = match_route("POST", "/v1/tasks/t_1/fund");
  ASSERT_TRUE(fund);
  EXPECT_EQ(fund->route, route::fund_task);
  EXPECT_EQ(fund->id, "t_1");

  auto account = match_route("GET", "/v1/accounts/acct_9");
  ASSERT_TRUE(account);
  EXPECT_EQ(account->route, route::get_account);
  EXPECT_EQ(account->id, "acct_9");

  auto create = match_route("POST", "/v1/accounts");
  ASSERT_TRUE(create);
  EXPECT_EQ(create->route, route::create_account);
  EXPECT_TRUE(create->id.empty());

  auto revoke = match_route("DELETE", "/v1/keys/key_1");
  ASSERT_TRUE(revoke);
  EXPECT_EQ(revoke->route, route::revoke_key);
}

TEST(route_table, unknown_paths_are_route_not_found) {
  for (const char* path : {"/", "", "v1/accounts", "/v1/account", "/v1/accounts/",
                           "/v1/tasks//fund", "/v1/tasks/t1/fund/extra", "/v1/tasks/t1/fund/",
                           "/metrics/", "//v1/accounts", "/v2/accounts"}) {
    auto matched = match_route("GET", path);
    ASSERT_FALSE(matched) << path;
    EXPECT_EQ(matched.code(), error_code::route_not_found) << path;
  }
}

TEST(route_table, a_known_path_with_another_method_is_method_not_allowed) {
  auto matched = match_route("DELETE", "/v1/accounts/a1");
  ASSERT_FALSE(matched);
  EXPECT_EQ(matched.code(), error_code::method_not_allowed);
  EXPECT_EQ(allowed_methods("/v1/accounts/a1"), "GET");
  EXPECT_EQ(allowed_methods("/v1/tasks"), "POST");
  // Methods are case-sensitive (RFC 9110).
  EXPECT_EQ(match_route("post", "/v1/tasks").code(), error_code::method_not_allowed);
}

TEST(route_table, templates_name_routes_without_ids) {
  EXPECT_EQ(route_template(route::fund_task), "POST /v1/tasks/{id}/fund");
  EXPECT_EQ(route_template(route::readyz), "GET /readyz");
  for (std::size_t i = 0; i < route_count; ++i) {
    auto label = route_template(static_cast<route>(i));
    const auto space = label.find(' ');
    ASSERT_NE(space, std::string_view::npos) << label;
    // Every template matches its own route when the {id} is filled in.
    std::string path(label.substr(space + 1));
    if (auto slot = path.find("{id}"); slot != std::string::npos) path.replace(slot, 4, "x1");
    auto matched = match_route(label.substr(0, space), path);
    ASSERT_TRUE(matched) << label;
    EXPECT_EQ(matched->route, static_cast<route>(i)) << label;
  }
}

}  // namespace
}  // namespace escrowd::http
