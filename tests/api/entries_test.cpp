// Ledger entries of an account over HTTP (api.md "Conventions" lists, "Accounts" entries):
// Stripe-style {"data", "has_more"}, newest first, `limit` 1..100 (default 10) and
// `starting_after`. The account gets one top-up and twelve funded tasks of distinct amounts,
// so each entry can be recognised by its amount and the order checked without knowing the
// entry's other fields.
#include <boost/json/serialize.hpp>
#include <set>

#include "tests/api/api_fixture.hpp"

namespace escrowd::api_testing {
namespace {

constexpr std::int64_t first_amount = 101;
constexpr int task_count = 12;

bool mentions_amount(const json::value& value, std::int64_t amount) {
  if (value.is_int64()) return value.as_int64() == amount || value.as_int64() == -amount;
  if (value.is_object()) {
    for (const auto& [name, field] : value.as_object()) {
      if (name != "created_at" && mentions_amount(field, amount)) return true;
    }
  }
  if (value.is_array()) {
    for (const auto& item : value.as_array()) {
      if (mentions_amount(item, amount)) return true;
    }
  }
  return false;
}

class entries_api : public api_fixture {
 protected:
  // One top-up of 10,000 then tasks of 101, 102, ... 112 funded in that order.
  account_handle account_with_history() {
    auto payer = funded_account(10'000);
    const auto worker = create_account();
    for (int i = 0; i < task_count; ++i) {
      EXPECT_FALSE(create_task(payer, worker, first_amount + i, R"(,"fund":true)").empty());
    }
    return payer;
  }
  struct page {
    std::vector<json::value> data;
    bool has_more = false;
  };
  page list(const account_handle& account, std::string_view query) {
    const auto listed =
        client().get("/v1/accounts/" + account.id + "/entries" + std::string(query), account.key);
    EXPECT_EQ(listed.status, 200u) << describe(listed);
    page result;
    const auto* top = listed.json.if_object();
    if (top == nullptr) return result;
    const auto* data = top->if_contains("data");
    const auto* has_more = top->if_contains("has_more");
    EXPECT_TRUE(data && data->is_array()) << listed.body;
    EXPECT_TRUE(has_more && has_more->is_bool()) << listed.body;
    if (data && data->is_array())
      result.data.assign(data->as_array().begin(), data->as_array().end());
    if (has_more && has_more->is_bool()) result.has_more = has_more->as_bool();
    return result;
  }
};

std::string id_of(const json::value& entry) {
  const auto* field = entry.is_object() ? entry.as_object().if_contains("id") : nullptr;
  return field && field->is_string() ? std::string(field->as_string()) : std::string();
}

TEST_F(entries_api, default_page_is_ten_newest_first_entry_objects) {
  const auto account = account_with_history();
  const auto first = list(account, "");
  ASSERT_EQ(first.data.size(), 10u);
  EXPECT_TRUE(first.has_more);
  for (int i = 0; i < 10; ++i) {
    const auto& entry = first.data[static_cast<std::size_t>(i)];
    ASSERT_TRUE(entry.is_object());
    EXPECT_EQ(entry.as_object().at("object"), "entry") << json::serialize(entry);
    EXPECT_FALSE(id_of(entry).empty()) << json::serialize(entry);
    EXPECT_TRUE(entry.as_object().contains("created_at")) << json::serialize(entry);
    // Newest first: the last task funded comes first.
    const auto amount = first_amount + task_count - 1 - i;
    EXPECT_TRUE(mentions_amount(entry, amount)) << "entry " << i << " should be the funding of "
                                                << amount << ": " << json::serialize(entry);
  }
}

TEST_F(entries_api, pages_with_starting_after_cover_everything_once_in_order) {
  const auto account = account_with_history();
  const auto all = list(account, "?limit=100");
  // The twelve fundings and the top-up's entry (or entries: api.md does not say how many
  // journal entries a top-up makes).
  ASSERT_GE(all.data.size(), static_cast<std::size_t>(task_count + 1));
  ASSERT_LE(all.data.size(), static_cast<std::size_t>(task_count + 3));
  EXPECT_FALSE(all.has_more);
  EXPECT_TRUE(mentions_amount(all.data.back(), 10'000)) << "the oldest entry is the top-up";

  std::vector<std::string> paged;
  std::string cursor;
  std::vector<bool> has_more;
  for (int pages = 0; pages < 10; ++pages) {
    const auto next =
        list(account, "?limit=5" + (cursor.empty() ? "" : "&starting_after=" + cursor));
    for (const auto& entry : next.data) paged.push_back(id_of(entry));
    has_more.push_back(next.has_more);
    if (!next.has_more || next.data.empty()) break;
    cursor = id_of(next.data.back());
  }
  std::vector<bool> expected_has_more((all.data.size() + 4) / 5, true);
  expected_has_more.back() = false;
  EXPECT_EQ(has_more, expected_has_more);
  std::vector<std::string> expected;
  for (const auto& entry : all.data) expected.push_back(id_of(entry));
  EXPECT_EQ(paged, expected);
  EXPECT_EQ(std::set<std::string>(paged.begin(), paged.end()).size(), expected.size());

  const auto after_last = list(account, "?starting_after=" + expected.back());
  EXPECT_TRUE(after_last.data.empty());
  EXPECT_FALSE(after_last.has_more);
  const auto one = list(account, "?limit=1");
  ASSERT_EQ(one.data.size(), 1u);
  EXPECT_EQ(id_of(one.data.front()), expected.front());
  EXPECT_TRUE(one.has_more);
}

TEST_F(entries_api, limit_outside_1_to_100_is_400_limit) {
  const auto account = create_account();
  for (const auto* query : {"?limit=0", "?limit=101", "?limit=-1", "?limit=abc", "?limit=1.5"}) {
    SCOPED_TRACE(query);
    expect_bad_request(client().get("/v1/accounts/" + account.id + "/entries" + query, account.key),
                       "limit");
  }
  const auto empty = client().get("/v1/accounts/" + account.id + "/entries?limit=100", admin());
  EXPECT_EQ(empty.status, 200u) << describe(empty);
  EXPECT_EQ(empty.body.find("\"data\":[]") != std::string::npos, true) << empty.body;
}

TEST_F(entries_api, unknown_account_is_404) {
  expect_error(client().get("/v1/accounts/" + unique_id("nobody") + "/entries", admin()), 404,
               "not_found");
}

}  // namespace
}  // namespace escrowd::api_testing
