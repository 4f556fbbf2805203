// Tests metadata on an existing PaymentIntent through the request pipeline: capture takes
// `metadata` with Stripe's update semantics (docs.stripe.com/metadata), and the merged map is
// what the answer, the event, the records and search by metadata show; a refused
// capture changes nothing; confirm and cancel still refuse metadata, as Stripe does. (The
// state file's side: sim_journal_test.cpp.)
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "api_fixture.hpp"

namespace escrowd::processor_sim::testing {
namespace {

class capture_metadata : public api_test {
 protected:
  // A held authorization carrying `metadata` (form pairs, "&metadata[k]=v...").
  std::string held(const std::string& metadata) {
    auto created = call("POST", "/v1/payment_intents", visa + "&capture_method=manual" + metadata);
    EXPECT_EQ(created.status, 200) << created.body;
    (void)logic_.take_events();
    return std::string(json(created)["id"].as_string());
  }
  api_reply capture(const std::string& id, const std::string& body,
                    std::optional<std::string> key = std::nullopt) {
    return call("POST", "/v1/payment_intents/" + id + "/capture", body, std::move(key));
  }
  boost::json::object retrieved(const std::string& id) {
    return json(call("GET", "/v1/payment_intents/" + id));
  }
  // How many intents search finds for `query` (metadata changes show there at once).
  std::size_t found(const std::string& query) {
    return json(call("GET", search_target(query)))["data"].as_array().size();
  }
  static std::string many_pairs(int count, const std::string& prefix) {
    std::string pairs;
    for (int i = 0; i < count; ++i) pairs += "&metadata[" + prefix + std::to_string(i) + "]=v";
    return pairs;
  }
};

// Capture refused `metadata` as an unknown parameter: a client tagging the capture (as
// Stripe allows) got a 400 and no capture at all.
TEST_F(capture_metadata, sets_overwrites_and_unsets_keys_everywhere_the_intent_shows) {
  const std::string id = held("&metadata[kept]=1&metadata[changed]=old&metadata[dropped]=x");
  auto captured = capture(
      id, "amount_to_capture=600&metadata[changed]=new&metadata[dropped]=&metadata[added]=2");
  ASSERT_EQ(captured.status, 200) << captured.body;
  const boost::json::object merged{{"kept", "1"}, {"changed", "new"}, {"added", "2"}};
  EXPECT_EQ(json(captured)["metadata"], merged);
  EXPECT_EQ(json(captured)["status"], "succeeded");
  EXPECT_EQ(json(captured)["amount_received"], 600);

  auto events = logic_.take_events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, "payment_intent.succeeded");
  EXPECT_EQ(boost::json::parse(events[0].body).at_pointer("/data/object/metadata"), merged);

  EXPECT_EQ(retrieved(id)["metadata"], merged);
  auto charge = boost::json::parse(call("GET", "/_sim/charges").body).as_array().at(0);
  EXPECT_EQ(charge.at("metadata"), merged);
  EXPECT_EQ(found("metadata['added']:'2'"), 1u);
  EXPECT_EQ(found("metadata['changed']:'new' AND metadata['kept']:'1'"), 1u);
  EXPECT_EQ(found("metadata['changed']:'old'"), 0u);
  EXPECT_EQ(found("metadata['dropped']:'x'"), 0u);
}

TEST_F(capture_metadata, a_bare_metadata_unsets_every_key_before_the_pairs_apply) {
  const std::string first = held("&metadata[a]=1&metadata[b]=2");
  auto replaced = capture(first, "metadata=&metadata[c]=3");
  ASSERT_EQ(replaced.status, 200) << replaced.body;
  EXPECT_EQ(json(replaced)["metadata"], (boost::json::object{{"c", "3"}}));

  const std::string second = held("&metadata[a]=1");
  auto cleared = capture(second, "metadata=");
  ASSERT_EQ(cleared.status, 200) << cleared.body;
  EXPECT_TRUE(json(cleared)["metadata"].as_object().empty());
  EXPECT_EQ(found("metadata['a']:'1'"), 0u);

  const std::string third = held("&metadata[a]=1");
  auto untouched = capture(third, "");
  ASSERT_EQ(untouched.status, 200) << untouched.body;
  EXPECT_EQ(json(untouched)["metadata"], (boost::json::object{{"a", "1"}}));
}

TEST_F(capture_metadata, the_result_must_fit_in_50_keys_and_a_refusal_changes_nothing) {
  const std::string id = held(many_pairs(50, "k"));
  const auto before = retrieved(id);
  auto overflow = capture(id, "metadata[one_more]=x", "overflow");
  ASSERT_EQ(overflow.status, 400) << overflow.body;
  EXPECT_EQ(json(overflow)["error"].as_object()["param"], "metadata");
  EXPECT_EQ(retrieved(id), before) << "still requires_capture, with the same 50 keys";
  EXPECT_TRUE(logic_.take_events().empty());

  // Per key and per request, the rules of a new object's metadata.
  const std::string long_key(41, 'x');
  for (const std::string& body :
       {"metadata[" + long_key + "]=v", "metadata[k0]=" + std::string(501, 'v'),
        std::string("metadata[k0][deep]=v"), std::string("metadata=notamap"),
        many_pairs(51, "new").substr(1)}) {
    auto refused = capture(id, body);
    EXPECT_EQ(refused.status, 400) << body << ": " << refused.body;
    EXPECT_EQ(retrieved(id), before) << body;
  }

  // Unsetting one key makes room for another: the limit is on the result.
  auto fits = capture(id, "metadata[k0]=&metadata[one_more]=x", "fits");
  ASSERT_EQ(fits.status, 200) << fits.body;
  auto metadata = json(fits)["metadata"].as_object();
  EXPECT_EQ(metadata.size(), 50u);
  EXPECT_FALSE(metadata.contains("k0"));
  EXPECT_EQ(metadata["one_more"], "x");
}

// Stripe's confirm and cancel take no metadata (its update endpoint does, which the
// simulator does not serve): they keep refusing it rather than silently dropping it.
TEST_F(capture_metadata, confirm_and_cancel_still_refuse_metadata) {
  const std::string id = held("&metadata[a]=1");
  for (const std::string action : {"/confirm", "/cancel"}) {
    auto refused = call("POST", "/v1/payment_intents/" + id + action, "metadata[a]=2");
    EXPECT_EQ(refused.status, 400) << action;
    EXPECT_EQ(json(refused)["error"].as_object()["code"], "parameter_unknown") << action;
    EXPECT_EQ(json(refused)["error"].as_object()["param"], "metadata") << action;
  }
  EXPECT_EQ(retrieved(id)["metadata"], (boost::json::object{{"a", "1"}}));
  EXPECT_EQ(retrieved(id)["status"], "requires_capture");
}

}  // namespace
}  // namespace escrowd::processor_sim::testing
