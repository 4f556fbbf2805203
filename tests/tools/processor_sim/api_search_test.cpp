// `GET /v1/payment_intents/search` through the simulator's request pipeline: what each kind
// of clause finds, the search_result shape and its pages, the parameter checks, and the
// indexing lag that hides a new intent from search (not from list or retrieve) for a while.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "api_fixture.hpp"

namespace escrowd::processor_sim::testing {
namespace {

using ids = std::vector<std::string>;

class search_test : public api_test {
 protected:
  explicit search_test(api_options options = default_options()) : api_test(options) {}

  // A card intent, one simulated second after the previous one so `created` differs.
  std::string create(const std::string& extra = {}, const std::string& base = visa) {
    clock_.advance_ms(1000);
    auto reply = call("POST", "/v1/payment_intents", base + extra);
    EXPECT_EQ(reply.status, 200) << reply.body;
    return std::string(json(reply).at("id").as_string());
  }
  std::int64_t created_of(const std::string& id) {
    return json(call("GET", "/v1/payment_intents/" + id)).at("created").as_int64();
  }
  api_reply search_reply(std::string_view query, const std::string& extra = {}) {
    return call("GET", search_target(query) + extra);
  }
  boost::json::object search(std::string_view query, const std::string& extra = {}) {
    auto reply = search_reply(query, extra);
    EXPECT_EQ(reply.status, 200) << query << ": " << reply.body;
    return reply.status == 200 ? json(reply) : boost::json::object{};
  }
  static ids ids_of(const boost::json::object& page) {
    ids out;
    if (!page.contains("data")) return out;
    for (const auto& item : page.at("data").as_array())
      out.emplace_back(item.as_object().at("id").as_string());
    return out;
  }
  ids found(std::string_view query) { return ids_of(search(query)); }
  boost::json::object error_of(const std::string& target) {
    auto reply = call("GET", target);
    EXPECT_EQ(reply.status, 400) << target << ": " << reply.body;
    return reply.status == 400 ? json(reply).at("error").as_object() : boost::json::object{};
  }
};

TEST_F(search_test, metadata_finds_exactly_the_matching_intents_newest_first) {
  auto first = create("&metadata[order]=o1");
  auto other = create("&metadata[order]=o2");
  auto untagged = create();
  auto second = create("&metadata[order]=o1&metadata[extra]=x");
  auto page = search("metadata['order']:'o1'");
  EXPECT_EQ(page.at("object"), "search_result");
  EXPECT_EQ(page.at("url"), "/v1/payment_intents/search");
  EXPECT_EQ(page.at("has_more"), false);
  EXPECT_TRUE(page.at("next_page").is_null());
  EXPECT_EQ(ids_of(page), (ids{second, first}));
  EXPECT_EQ(page.at("data").as_array()[0].as_object().at("object"), "payment_intent");
  EXPECT_EQ(found("metadata[\"order\"]:\"o2\""), ids{other});
  // A value is matched whole and with its case: neither a prefix nor "O1" is o1.
  EXPECT_EQ(found("metadata['order']:'o'"), ids{});
  EXPECT_EQ(found("metadata['order']:'O1'"), ids{});
  EXPECT_EQ(found("metadata['missing']:'o1'"), ids{});
  EXPECT_EQ(found("metadata['order']:'o1' AND metadata['extra']:'x'"), ids{second});
  (void)untagged;
}

TEST_F(search_test, a_negated_clause_keeps_the_rest_including_intents_without_the_key) {
  auto tagged = create("&metadata[order]=o1");
  auto other = create("&metadata[order]=o2");
  auto untagged = create();
  EXPECT_EQ(found("-metadata['order']:'o1'"), (ids{untagged, other}));
  EXPECT_EQ(found("-metadata['order']:'o1' AND -metadata['order']:'o2'"), ids{untagged});
  EXPECT_EQ(found("-currency:'usd'"), ids{});
  (void)tagged;
}

TEST_F(search_test, amount_and_created_compare_as_numbers) {
  const std::string card = "&currency=usd&payment_method=pm_card_visa&payment_method_types[]=card";
  auto small = create("amount=100" + card, "");
  auto middle = create("amount=200" + card, "");
  auto large = create("amount=1000" + card, "");
  EXPECT_EQ(found("amount:200"), ids{middle});
  EXPECT_EQ(found("amount>200"), ids{large});
  EXPECT_EQ(found("amount>=200"), (ids{large, middle}));
  EXPECT_EQ(found("amount<200"), ids{small});
  EXPECT_EQ(found("amount<=200"), (ids{middle, small}));
  EXPECT_EQ(found("-amount:200"), (ids{large, small}));
  const auto at = std::to_string(created_of(middle));
  EXPECT_EQ(found("created:" + at), ids{middle});
  EXPECT_EQ(found("created>" + at), ids{large});
  EXPECT_EQ(found("created>=" + at + " AND amount<1000"), ids{middle});
  EXPECT_EQ(found("created<'" + at + "'"), ids{small});
  EXPECT_EQ(found("created<=" + at), (ids{middle, small}));
}

TEST_F(search_test, status_and_currency_match_whatever_their_case) {
  auto succeeded = create();
  auto held = create("&capture_method=manual");
  auto unconfirmed = create({}, "amount=700&currency=eur&payment_method_types[]=card");
  EXPECT_EQ(found("status:'succeeded'"), ids{succeeded});
  EXPECT_EQ(found("status:'REQUIRES_CAPTURE'"), ids{held});
  EXPECT_EQ(found("status:'requires_payment_method'"), ids{unconfirmed});
  EXPECT_EQ(found("currency:'EUR'"), ids{unconfirmed});
  EXPECT_EQ(found("status:'succeeded' OR currency:'eur'"), (ids{unconfirmed, succeeded}));
  EXPECT_EQ(found("status:'succeeded' AND currency:'eur'"), ids{});
  // A status change is searchable at once (only creation lags, see the lag tests).
  ASSERT_EQ(call("POST", "/v1/payment_intents/" + held + "/capture").status, 200);
  EXPECT_EQ(found("status:'succeeded'"), (ids{held, succeeded}));
}

TEST_F(search_test, next_page_pages_through_every_match_once) {
  ids matching;
  for (int i = 0; i < 5; ++i) {
    matching.insert(matching.begin(), create("&metadata[batch]=b"));
    (void)create("&metadata[batch]=other");
  }
  ids seen;
  std::vector<bool> more;
  std::string extra = "&limit=2";
  for (int pages = 0; pages < 5; ++pages) {
    auto page = search("metadata['batch']:'b'", extra);
    for (const auto& id : ids_of(page)) seen.push_back(id);
    more.push_back(page.at("has_more").as_bool());
    if (pages == 0) (void)create("&metadata[batch]=b");  // newer than the cursor: not paged
    if (page.at("next_page").is_null()) break;
    EXPECT_TRUE(page.at("has_more").as_bool());
    extra = "&limit=2&page=" + form_encoded(page.at("next_page").as_string());
  }
  EXPECT_EQ(seen, matching);
  EXPECT_EQ(more, (std::vector<bool>{true, true, false}));
}

TEST_F(search_test, limit_defaults_to_ten_and_is_bounded) {
  for (int i = 0; i < 11; ++i) (void)create();
  auto page = search("currency:'usd'");
  EXPECT_EQ(page.at("data").as_array().size(), 10u);
  EXPECT_EQ(page.at("has_more"), true);
  EXPECT_TRUE(page.at("next_page").is_string());
  EXPECT_EQ(search("currency:'usd'", "&limit=1").at("data").as_array().size(), 1u);
  EXPECT_EQ(search("currency:'usd'", "&limit=100").at("data").as_array().size(), 11u);
  for (const std::string limit : {"0", "101", "-1", "ten"}) {
    auto reply = search_reply("currency:'usd'", "&limit=" + limit);
    ASSERT_EQ(reply.status, 400) << limit;
    auto error = json(reply).at("error").as_object();
    EXPECT_EQ(error.at("param"), "limit");
    EXPECT_EQ(error.at("code"), "parameter_invalid_integer");
  }
}

TEST_F(search_test, a_missing_query_is_parameter_missing_not_an_intent_named_search) {
  auto error = error_of("/v1/payment_intents/search");
  EXPECT_EQ(error.at("code"), "parameter_missing");
  EXPECT_EQ(error.at("param"), "query");
  EXPECT_EQ(error.at("type"), "invalid_request_error");
  EXPECT_EQ(error_of("/v1/payment_intents/search?limit=3").at("param"), "query");
}

TEST_F(search_test, a_bad_query_is_refused_naming_the_problem) {
  auto error = error_of(search_target("customer:'cus_1'"));
  EXPECT_EQ(error.at("type"), "invalid_request_error");
  EXPECT_EQ(error.at("param"), "query");
  EXPECT_NE(std::string(error.at("message").as_string()).find("Field `customer`"),
            std::string::npos)
      << error.at("message");
  auto mixed = error_of(search_target("amount>1 AND amount<5 OR amount:9"));
  EXPECT_NE(std::string(mixed.at("message").as_string()).find("AND and OR"), std::string::npos);
  EXPECT_EQ(error_of("/v1/payment_intents/search?query=").at("param"), "query");
}

TEST_F(search_test, unknown_parameters_and_pages_are_refused) {
  auto unknown = error_of("/v1/payment_intents/search?query=amount>1&starting_after=pi_x");
  EXPECT_EQ(unknown.at("code"), "parameter_unknown");
  EXPECT_EQ(unknown.at("param"), "starting_after");
  for (const std::string page : {"garbage", "sp_zz", "sp_7069"}) {
    EXPECT_EQ(error_of("/v1/payment_intents/search?query=amount>1&page=" + page).at("param"),
              "page")
        << page;
  }
}

TEST_F(search_test, expands_the_latest_charge_of_each_result) {
  auto id = create("&metadata[order]=x");
  auto page = search("metadata['order']:'x'", "&expand[]=data.latest_charge");
  ASSERT_EQ(ids_of(page), ids{id});
  EXPECT_EQ(page.at("data").as_array()[0].at_pointer("/latest_charge/object"), "charge");
  auto wrong = search_reply("metadata['order']:'x'", "&expand[]=latest_charge");
  EXPECT_EQ(wrong.status, 400) << wrong.body;
}

api_options lagging_options() {
  auto options = default_options();
  options.settings.search_lag_ms = 5000;
  return options;
}

class search_lag_test : public search_test {
 protected:
  search_lag_test() : search_test(lagging_options()) {}
};

TEST_F(search_lag_test, a_new_intent_is_found_only_once_the_lag_has_passed) {
  auto id = create("&metadata[order]=fresh");
  EXPECT_EQ(found("metadata['order']:'fresh'"), ids{});
  // List and retrieve are not subject to the lag, as at Stripe.
  EXPECT_EQ(call("GET", "/v1/payment_intents/" + id).status, 200);
  EXPECT_EQ(ids_of(json(call("GET", "/v1/payment_intents"))), ids{id});
  clock_.advance_ms(4000);  // 4 s of the 5 (plus the little real time the test takes)
  EXPECT_EQ(found("metadata['order']:'fresh'"), ids{});
  clock_.advance_ms(1000);
  EXPECT_EQ(found("metadata['order']:'fresh'"), ids{id});
}

TEST_F(search_lag_test, only_the_fresh_intents_are_hidden_and_metadata_updates_show_at_once) {
  auto old = create("&capture_method=manual&metadata[order]=o");
  clock_.advance_ms(5000);
  auto fresh = create("&metadata[order]=o");
  EXPECT_EQ(found("metadata['order']:'o'"), ids{old});
  auto captured =
      call("POST", "/v1/payment_intents/" + old + "/capture", "metadata[order]=renamed");
  ASSERT_EQ(captured.status, 200) << captured.body;
  EXPECT_EQ(found("metadata['order']:'renamed'"), ids{old});
  EXPECT_EQ(found("metadata['order']:'o'"), ids{});
  clock_.advance_ms(5000);
  EXPECT_EQ(found("metadata['order']:'o'"), ids{fresh});
}

}  // namespace
}  // namespace escrowd::processor_sim::testing
