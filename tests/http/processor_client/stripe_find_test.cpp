// Tests how the processor client finds an operation's objects on Stripe's own API, which
// filters no list by metadata: the Search API query for a top-up (quotes escaped, so an
// operation id cannot widen the query), and the list scan's paging (from the operation's
// creation less the skew margin, objects of other operations dropped, failures and an
// endless list answered as unknown rather than as "none").
#include "http/processor_client/stripe_find.hpp"

#include <gtest/gtest.h>

#include <string>

namespace escrowd::processor_client {
namespace {

constexpr auto withdrawal = processor_kind::withdrawal;

client_identity identity() {
  return {"sk_test_123", "127.0.0.1:12111", "", ""};
}

wire_answer answer(int status, std::string body) {
  wire_answer made;
  made.answered = true;
  made.status = status;
  made.body = std::move(body);
  return made;
}

std::string payout(const std::string& id, const std::string& operation) {
  return R"({"id":")" + id + R"(","object":"payout","amount":700,"currency":"usd",)" +
         R"("status":"paid","metadata":{"escrowd_withdrawal":")" + operation + R"("}})";
}

std::string page(const std::vector<std::string>& objects, bool has_more) {
  std::string body = R"({"object":"list","url":"/v1/payouts","has_more":)";
  body += has_more ? "true" : "false";
  body += R"(,"data":[)";
  for (std::size_t i = 0; i < objects.size(); ++i) body += (i ? "," : "") + objects[i];
  return body + "]}";
}

TEST(stripe_find, search_query_escapes_quotes_and_backslashes) {
  EXPECT_EQ(metadata_search_query("escrowd_topup", "top_1"), "metadata['escrowd_topup']:'top_1'");
  EXPECT_EQ(metadata_search_query("k", R"(a'b\c)"), R"(metadata['k']:'a\'b\\c')");
}

TEST(stripe_find, topup_search_is_a_get_of_the_search_route) {
  const auto request = payment_intent_search_request("top_1", identity());
  EXPECT_EQ(request.method, "GET");
  EXPECT_EQ(request.target,
            "/v1/payment_intents/search?query=metadata%5B%27escrowd_topup%27%5D%3A%27top_1%27"
            "&limit=10");
  EXPECT_TRUE(request.body.empty());
}

TEST(stripe_find, a_scan_starts_a_skew_margin_before_the_operation) {
  const object_scan scan(withdrawal, "wd_1", 1'000'000);
  EXPECT_EQ(scan.next_request(identity()).target,
            "/v1/payouts?limit=100&created%5Bgte%5D=" +
                std::to_string(1'000'000 - actors::processor_clock_skew_margin_s));
  // An operation of unknown creation scans every payout.
  EXPECT_EQ(object_scan(withdrawal, "wd_1", 0).next_request(identity()).target,
            "/v1/payouts?limit=100");
  // A top-up's scan reads the PaymentIntents (after a search that found none).
  EXPECT_EQ(object_scan(processor_kind::topup, "top_1", 0).next_request(identity()).target,
            "/v1/payment_intents?limit=100");
}

TEST(stripe_find, a_scan_pages_on_and_keeps_only_the_operations_objects) {
  object_scan scan(withdrawal, "wd_1", 0);
  EXPECT_FALSE(
      scan.take(answer(200, page({payout("po_3", "wd_3"), payout("po_2", "wd_1")}, true))));
  // The next page goes on after the last object listed, whichever operation it names.
  EXPECT_EQ(scan.next_request(identity()).target, "/v1/payouts?limit=100&starting_after=po_2");
  EXPECT_TRUE(scan.take(answer(200, page({payout("po_1", "wd_9")}, false))));
  ASSERT_TRUE(scan.lookup().answered);
  ASSERT_EQ(scan.lookup().objects.size(), 1u);
  EXPECT_EQ(scan.lookup().objects[0].id, "po_2");
  EXPECT_EQ(scan.lookup().search_lag.count(), 0);  // a list is current
}

TEST(stripe_find, a_scan_cursor_survives_a_matching_last_object) {
  object_scan scan(withdrawal, "wd_1", 0);
  EXPECT_FALSE(scan.take(answer(200, page({payout("po_2", "wd_1")}, true))));
  EXPECT_EQ(scan.next_request(identity()).target, "/v1/payouts?limit=100&starting_after=po_2");
}

TEST(stripe_find, a_scan_that_finds_nothing_answers_none) {
  object_scan scan(withdrawal, "wd_1", 0);
  EXPECT_TRUE(scan.take(answer(200, page({}, false))));
  EXPECT_TRUE(scan.lookup().answered);
  EXPECT_TRUE(scan.lookup().objects.empty());
}

TEST(stripe_find, a_failed_page_answers_unknown_even_after_a_find) {
  object_scan scan(withdrawal, "wd_1", 0);
  EXPECT_FALSE(scan.take(answer(200, page({payout("po_2", "wd_1")}, true))));
  EXPECT_TRUE(scan.take(answer(500, "{}")));
  EXPECT_FALSE(scan.lookup().answered);
  EXPECT_TRUE(scan.lookup().objects.empty());
  EXPECT_EQ(scan.lookup().http_status, 500);

  object_scan unreachable(withdrawal, "wd_1", 0);
  wire_answer none;
  none.timed_out = true;
  EXPECT_TRUE(unreachable.take(none));
  EXPECT_FALSE(unreachable.lookup().answered);
  EXPECT_TRUE(unreachable.lookup().timed_out);
}

TEST(stripe_find, an_endless_list_stops_at_the_page_bound_as_unknown) {
  object_scan scan(withdrawal, "wd_1", 0);
  std::size_t pages = 0;
  bool over = false;
  while (!over && pages < 2 * object_scan_pages_max) {
    ++pages;
    over = scan.take(answer(200, page({payout("po_" + std::to_string(pages), "wd_x")}, true)));
  }
  EXPECT_TRUE(over);
  EXPECT_EQ(pages, object_scan_pages_max);
  EXPECT_FALSE(scan.lookup().answered);
  EXPECT_NE(scan.lookup().detail.find("the scan stopped"), std::string::npos);
}

TEST(stripe_find, more_promised_without_a_readable_object_is_unknown) {
  object_scan scan(withdrawal, "wd_1", 0);
  EXPECT_TRUE(scan.take(answer(200, page({R"({"id":"x","object":"card"})"}, true))));
  EXPECT_FALSE(scan.lookup().answered);
}

}  // namespace
}  // namespace escrowd::processor_client
