// Finding an operation's objects on the simulator the way Stripe allows it: a top-up
// through the PaymentIntent search (which the simulator can make lag its writes, as
// Stripe's does) and, when that shows none, the current list of PaymentIntents; a
// withdrawal by scanning the payouts list from the operation's creation. A 500 saved after
// the charge is not failed on a lagging search's early "nothing".
#include "tests/http/processor_client/processor_integration_fixture.hpp"

namespace escrowd::processor_client::testing {
namespace {

actors::processor_lookup find_now(actors::processor_port& client, processor_kind kind,
                                  const std::string& operation_id, std::int64_t created_at) {
  std::promise<actors::processor_lookup> found;
  client.find(kind, operation_id, created_at,
              [&found](actors::processor_lookup lookup) { found.set_value(std::move(lookup)); });
  return found.get_future().get();
}

TEST_F(processor_integration, a_withdrawal_is_found_by_scanning_the_payouts) {
  start();
  create_account("alice");
  fund("alice", "top_1", 1'000);
  const auto created_at = actors::unix_now();
  ASSERT_EQ(request(withdrawal, "alice", "wd_1", 400, "ba_default").status, 200);
  ASSERT_EQ(request(withdrawal, "alice", "wd_2", 100, "ba_default").status, 200);
  const auto paid = wait_for(withdrawal, "wd_1", processor_status::paid);
  wait_for(withdrawal, "wd_2", processor_status::paid);

  const auto found = find_now(*client_, withdrawal, "wd_1", created_at);
  ASSERT_TRUE(found.answered) << found.detail;
  ASSERT_EQ(found.objects.size(), 1u);
  EXPECT_EQ(found.objects[0].id, paid.processor_object_id);
  EXPECT_EQ(found.objects[0].operation_id, "wd_1");

  const auto unknown = find_now(*client_, withdrawal, "wd_9", created_at);
  ASSERT_TRUE(unknown.answered) << unknown.detail;
  EXPECT_TRUE(unknown.objects.empty());
  // A scan that starts after the payout (the skew margin aside) cannot see it.
  const auto later = find_now(*client_, withdrawal, "wd_1",
                              actors::unix_now() + actors::processor_clock_skew_margin_s + 3'600);
  ASSERT_TRUE(later.answered);
  EXPECT_TRUE(later.objects.empty());
}

// The search shows nothing for an hour; the list, which is current, shows the charge.
TEST_F(processor_integration, a_charge_the_search_does_not_show_yet_is_found_in_the_list) {
  start({"--search-lag-ms", "3600000"}, true, 3600s);
  create_account("alice");
  const auto created_at = actors::unix_now();
  fund("alice", "top_1", 500);
  fund("alice", "top_2", 300);
  const auto found = find_now(*client_, topup, "top_1", created_at);
  ASSERT_TRUE(found.answered) << found.detail;
  ASSERT_EQ(found.objects.size(), 1u);
  EXPECT_EQ(found.objects[0].operation_id, "top_1");
  EXPECT_EQ(found.search_lag, 0s);  // the list's answer is current
  const auto unknown = find_now(*client_, topup, "top_9", created_at);
  ASSERT_TRUE(unknown.answered) << unknown.detail;
  EXPECT_TRUE(unknown.objects.empty());
  EXPECT_EQ(unknown.search_lag, 0s);
}

// The simulator charges, then answers 500 and saves it under the key: only its records can
// tell, and its search shows the charge an hour late. The list shows it: the top-up is not
// failed on the search's absences.
TEST_F(processor_integration, a_500_after_the_charge_is_not_failed_on_a_lagging_search) {
  start({"--fail-after-effect", "1", "--search-lag-ms", "3600000"}, false, 3600s);
  create_account("alice");
  request(topup, "alice", "top_1", 700, "pm_card_visa");
  wait_for(topup, "top_1", processor_status::succeeded);
  EXPECT_EQ(read_account("alice").available, 700);
  EXPECT_EQ(effects("charges", "topup:top_1:charge"), 1u);
}

}  // namespace
}  // namespace escrowd::processor_client::testing
