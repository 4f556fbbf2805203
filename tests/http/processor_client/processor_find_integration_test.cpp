// Finding an operation's objects on the simulator the way Stripe allows it: a top-up
// through the PaymentIntent search (which the simulator can make lag its writes, as
// Stripe's does), a withdrawal by scanning the payouts list from the operation's creation.
// With a lagging search, a 500 saved after the charge is not failed on the search's early
// "nothing": the gateway waits out the lag it was told of, then finds the charge.
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
                              actors::unix_now() + payout_scan_skew_margin_s + 3'600);
  ASSERT_TRUE(later.answered);
  EXPECT_TRUE(later.objects.empty());
}

TEST_F(processor_integration, a_lagging_search_shows_a_fresh_charge_late_and_says_it_may) {
  start({"--search-lag-ms", "1500"}, true, 3s);
  create_account("alice");
  fund("alice", "top_1", 500);
  const auto early = find_now(*client_, topup, "top_1", actors::unix_now());
  ASSERT_TRUE(early.answered) << early.detail;
  EXPECT_TRUE(early.objects.empty());
  EXPECT_EQ(early.search_lag, 3s);
  std::this_thread::sleep_for(1600ms);
  const auto late = find_now(*client_, topup, "top_1", actors::unix_now());
  ASSERT_EQ(late.objects.size(), 1u);
  EXPECT_EQ(late.objects[0].operation_id, "top_1");
}

// The simulator charges, then answers 500 and saves it under the key: only its records can
// tell, and its search shows the charge 1.5 s late. Told of a 3 s lag, the gateway does
// not fail the top-up on the early absences.
TEST_F(processor_integration, a_500_after_the_charge_waits_out_a_lagging_search) {
  start({"--fail-after-effect", "1", "--search-lag-ms", "1500"}, false, 3s);
  create_account("alice");
  request(topup, "alice", "top_1", 700, "pm_card_visa");
  wait_for(topup, "top_1", processor_status::succeeded);
  EXPECT_EQ(read_account("alice").available, 700);
  EXPECT_EQ(effects("charges", "topup:top_1:charge"), 1u);
}

}  // namespace
}  // namespace escrowd::processor_client::testing
