// Stripe's `created` filter on both list routes: the exact second and each bound, a range,
// paging under a lower bound (the way escrowd's reconciliation reads), the other filters
// alongside, the 400s, and a history whose creation times are not in order. Also that the
// lists refuse a metadata filter, as Stripe's do, and search filters by metadata instead.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "api_fixture.hpp"
#include "sim_state.hpp"

namespace escrowd::processor_sim::testing {
namespace {

struct made {
  std::string id;
  std::int64_t created_s = 0;
};

class list_created_test : public api_test {
 protected:
  // Each object one simulated second after the last, so every `created` differs.
  made create(const std::string& path, const std::string& body) {
    clock_.advance_ms(1000);
    auto object = json(call("POST", path, body));
    return {std::string(object.at("id").as_string()), object.at("created").as_int64()};
  }
  std::vector<made> payment_intents(int count, const std::string& extra = {}) {
    std::vector<made> out;
    for (int i = 0; i < count; ++i) out.push_back(create("/v1/payment_intents", visa + extra));
    return out;
  }
  std::vector<std::string> listed_ids(const std::string& target) {
    auto reply = call("GET", target);
    EXPECT_EQ(reply.status, 200) << target << ": " << reply.body;
    std::vector<std::string> ids;
    if (reply.status != 200) return ids;
    const auto page = json(reply);
    for (const auto& item : page.at("data").as_array())
      ids.emplace_back(item.as_object().at("id").as_string());
    return ids;
  }
  std::vector<std::string> intents_where(const std::string& filter) {
    return listed_ids("/v1/payment_intents?" + filter);
  }
  boost::json::object error_of(const std::string& target) {
    auto reply = call("GET", target);
    EXPECT_EQ(reply.status, 400) << target;
    return json(reply).at("error").as_object();
  }
};

std::string at(const made& object) {
  return std::to_string(object.created_s);
}

using ids = std::vector<std::string>;

// One filter against the middle of three objects a second apart: which of them it keeps.
struct single_filter {
  std::string name;               // the test's name
  std::string param;              // as sent, escaped or not
  std::vector<std::size_t> kept;  // positions, newest first
};

class list_created_filter_test : public list_created_test,
                                 public ::testing::WithParamInterface<single_filter> {};

TEST_P(list_created_filter_test, keeps_the_objects_it_names) {
  auto pis = payment_intents(3);
  ids expected;
  for (std::size_t position : GetParam().kept) expected.push_back(pis[position].id);
  EXPECT_EQ(intents_where(GetParam().param + "=" + at(pis[1])), expected);
}

INSTANTIATE_TEST_SUITE_P(
    each, list_created_filter_test,
    ::testing::Values(single_filter{"exact_second", "created", {1}},
                      single_filter{"gt_later_only", "created[gt]", {2}},
                      single_filter{"gte_the_bound_and_later", "created[gte]", {2, 1}},
                      single_filter{"lt_earlier_only", "created[lt]", {0}},
                      single_filter{"lte_the_bound_and_earlier", "created%5Blte%5D", {1, 0}}),
    [](const auto& instance) { return instance.param.name; });

TEST_F(list_created_test, an_integer_matching_no_second_keeps_nothing) {
  auto pis = payment_intents(2);
  EXPECT_EQ(intents_where("created=" + std::to_string(pis[1].created_s + 5)), ids{});
}

TEST_F(list_created_test, bounds_together_are_a_range) {
  auto pis = payment_intents(5);
  EXPECT_EQ(intents_where("created[gt]=" + at(pis[0]) + "&created[lte]=" + at(pis[3])),
            (ids{pis[3].id, pis[2].id, pis[1].id}));
  EXPECT_EQ(intents_where("created[gte]=" + at(pis[1]) + "&created[lt]=" + at(pis[3])),
            (ids{pis[2].id, pis[1].id}));
  EXPECT_EQ(intents_where("created[gt]=" + at(pis[3]) + "&created[lt]=" + at(pis[1])), ids{});
}

// Reconciliation pages with `created[gte]=T&limit=N&starting_after=<last id>`: has_more must
// say whether matching objects remain, not whether older ones exist at all.
TEST_F(list_created_test, pages_under_a_lower_bound_with_has_more_for_matches_only) {
  auto older = payment_intents(3);
  auto recent = payment_intents(4);
  const std::string since = "/v1/payment_intents?limit=2&created[gte]=" + at(recent[0]);
  auto first = json(call("GET", since));
  EXPECT_EQ(first.at("has_more"), true);
  auto second = json(call("GET", since + "&starting_after=" + recent[2].id));
  EXPECT_EQ(second.at("has_more"), false);
  ASSERT_EQ(second.at("data").as_array().size(), 2u);
  EXPECT_EQ(second.at("data").as_array()[1].as_object().at("id").as_string(), recent[0].id);
  EXPECT_EQ(listed_ids(since + "&starting_after=" + recent[0].id), ids{});
  EXPECT_EQ(listed_ids(since + "&starting_after=" + older[2].id), ids{});
  // Backwards from an object older than the bound: the oldest matches, more above them.
  auto back = json(call("GET", since + "&ending_before=" + older[1].id));
  EXPECT_EQ(back.at("has_more"), true);
  ASSERT_EQ(back.at("data").as_array().size(), 2u);
  EXPECT_EQ(back.at("data").as_array()[0].as_object().at("id").as_string(), recent[1].id);
}

// Stripe's lists take no metadata filter: `metadata[...]` (or a bare `metadata`) is refused
// like any unknown parameter, never ignored, which would answer every object instead.
TEST_F(list_created_test, lists_refuse_a_metadata_filter_as_stripe_does) {
  (void)payment_intents(1, "&metadata[batch]=b1");
  for (const std::string path : {"/v1/payment_intents", "/v1/payouts"}) {
    for (const std::string filter :
         {"metadata[batch]=b1", "metadata%5Bbatch%5D=b1", "metadata=", "limit=3&metadata[a]=1"}) {
      auto error = error_of(path + "?" + filter + "&created[gte]=1");
      EXPECT_EQ(error.at("code"), "parameter_unknown") << path << "?" << filter;
      EXPECT_EQ(error.at("param"), "metadata");
      EXPECT_EQ(error.at("message"), "Received unknown parameter: metadata");
    }
  }
}

// What the list's metadata filter did, search does: metadata together with `created`.
TEST_F(list_created_test, search_filters_by_metadata_and_created_instead) {
  auto tagged = payment_intents(2, "&metadata[batch]=b1");
  auto other = payment_intents(1, "&metadata[batch]=b2");
  auto late = payment_intents(1, "&metadata[batch]=b1");
  auto search = [&](const std::string& query) { return listed_ids(search_target(query)); };
  EXPECT_EQ(search("metadata['batch']:'b1' AND created>" + at(tagged[0])),
            (ids{late[0].id, tagged[1].id}));
  EXPECT_EQ(search("metadata['batch']:'b2' AND created<" + at(other[0])), ids{});
  EXPECT_EQ(search("metadata['batch']:'b2' AND created<=" + at(other[0])), ids{other[0].id});
}

TEST_F(list_created_test, payouts_filter_by_created_and_status) {
  std::vector<made> payouts;
  for (int i = 0; i < 3; ++i) payouts.push_back(create("/v1/payouts", "amount=500&currency=usd"));
  ASSERT_EQ(call("POST", "/v1/payouts/" + payouts[2].id + "/cancel").status, 200);
  const std::string since = "/v1/payouts?created[gte]=" + at(payouts[1]);
  EXPECT_EQ(listed_ids(since), (ids{payouts[2].id, payouts[1].id}));
  EXPECT_EQ(listed_ids(since + "&status=pending"), ids{payouts[1].id});
  EXPECT_EQ(listed_ids("/v1/payouts?status=pending&created=" + at(payouts[0])), ids{payouts[0].id});
}

TEST_F(list_created_test, a_value_that_is_not_an_integer_is_refused_naming_it) {
  for (const std::string path : {"/v1/payment_intents", "/v1/payouts"}) {
    auto bound = error_of(path + "?created[gte]=yesterday");
    EXPECT_EQ(bound.at("code"), "parameter_invalid_integer");
    EXPECT_EQ(bound.at("param"), "created[gte]");
    EXPECT_EQ(bound.at("type"), "invalid_request_error");
    EXPECT_EQ(error_of(path + "?created=1.5").at("param"), "created");
    EXPECT_EQ(error_of(path + "?created[lt]=").at("param"), "created[lt]");
  }
}

TEST_F(list_created_test, an_unknown_key_under_created_is_refused) {
  for (const std::string key : {"created[foo]", "created[gte][x]", "created[0]"}) {
    auto error = error_of("/v1/payouts?" + key + "=1");
    EXPECT_EQ(error.at("code"), "parameter_unknown") << key;
    EXPECT_EQ(error.at("param").as_string(), key);
    EXPECT_EQ(error.at("message").as_string(), "Received unknown parameter: " + key);
  }
  EXPECT_EQ(error_of("/v1/payment_intents?created[]=1").at("param"), "created[0]");
  EXPECT_EQ(error_of("/v1/payment_intents?created=1&created[gte]=1").at("param"), "created");
}

// Creation times follow the wall clock, which can step back between two runs over the same
// state file: a lower bound must not end the scan at the first older object.
TEST(list_created_order_test, a_lower_bound_finds_objects_behind_an_older_one) {
  sim_state state(1);
  for (std::int64_t created_s : {100, 200, 50, 300, 40}) {
    payment_intent intent;
    intent.id = "pi_" + std::to_string(created_s);
    intent.created_s = created_s;
    state.add_payment_intent(intent);
  }
  list_query query;
  query.created.gte = 60;
  auto ids_of = [&] {
    std::vector<std::string> out;
    for (const auto* intent : state.list_payment_intents(query).data) out.push_back(intent->id);
    return out;
  };
  EXPECT_EQ(ids_of(), (ids{"pi_300", "pi_200", "pi_100"}));
  query.limit = 1;
  query.starting_after = "pi_200";
  EXPECT_EQ(ids_of(), ids{"pi_100"});
  EXPECT_FALSE(state.list_payment_intents(query).has_more);
  // A replay that rewrites an object's creation time moves it in or out of the window.
  payment_intent moved;
  moved.id = "pi_40";
  moved.created_s = 400;
  state.restore_payment_intent(moved);
  query.starting_after.clear();
  query.created.gte = 350;
  EXPECT_EQ(ids_of(), ids{"pi_40"});
}

}  // namespace
}  // namespace escrowd::processor_sim::testing
