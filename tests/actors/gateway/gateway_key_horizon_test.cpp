// The gateway against what the processor forgets and what its lists show late:
// - an operation requested longer ago than the processor remembers its key is never sent
//   again (a create past that horizon would be a second payout or charge); the gateway
//   looks it up instead, and polls or settles what it finds;
// - send failures before a 5xx the processor saved under the key are not lookups: the
//   operation fails only after absence_lookups lookups found nothing, so a record a
//   lagging list shows late still settles it.
#include <chrono>
#include <thread>

#include "tests/actors/gateway/gateway_fixture.hpp"

namespace escrowd::actors::testing {
namespace {

using namespace std::chrono_literals;
using gateway_key_horizon = gateway_fixture;

TEST_F(gateway_key_horizon, an_accepted_payout_past_the_horizon_is_looked_up_not_created_again) {
  create_account("alice");
  fund("alice", "top_1", 1'000);
  port_->payouts_settle_as("paid", 1'000'000);  // stays pending, as payouts do for days
  ASSERT_EQ(request(processor_kind::withdrawal, "alice", "wd_1", 400, "ba_default").status, 200);
  wait_until([&] { return stats().polls >= 2; }, "the payout polled");
  // A restart loses the payout's object id; past the horizon the processor would take a
  // create under the same key as a new payout.
  ledger_.reset();
  std::this_thread::sleep_for(1100ms);
  auto config = fast_gateway_config(port_);
  config.gateway.key_resend_horizon = 1s;
  open_ledger(config);
  wait_until([&] { return stats().polls >= 2; }, "the payout found and polled again");
  EXPECT_GE(stats().lookups, 1u);
  EXPECT_EQ(port_->sends("withdrawal:wd_1:payout"), 1u);
  EXPECT_EQ(read(processor_kind::withdrawal, "wd_1")->status, processor_status::pending);
  EXPECT_EQ(read_account("alice").pending_withdrawal, 400);
}

TEST_F(gateway_key_horizon, a_top_up_past_the_horizon_with_nothing_at_the_processor_parks) {
  ledger_.reset();
  auto config = fast_gateway_config(port_);
  config.gateway.key_resend_horizon = 1s;
  open_ledger(config);
  create_account("alice");
  port_->script("topup:top_1:charge", {retryable_reply()});
  port_->hold(true);  // the first send waits past the horizon, then times out
  request(processor_kind::topup, "alice", "top_1", 500, "pm_card_visa");
  wait_until([&] { return port_->held_count() == 1; }, "the first send");
  std::this_thread::sleep_for(1100ms);
  port_->hold(false);
  port_->release();
  wait_for(processor_kind::topup, "top_1", processor_status::requires_reconciliation);
  EXPECT_EQ(port_->sends("topup:top_1:charge"), 1u);
  EXPECT_EQ(read_account("alice").available, 0);
}

TEST_F(gateway_key_horizon, send_failures_do_not_stand_in_for_lookups_that_found_nothing) {
  create_account("alice");
  std::vector<processor_reply> replies{retryable_reply(), retryable_reply()};
  replies.insert(replies.end(), 8, saved_failure_reply());
  port_->script("topup:top_1:charge", replies);
  port_->on_find_number(2, topup_object("top_1", 500));  // a list that lags its writes
  request(processor_kind::topup, "alice", "top_1", 500, "pm_card_visa");
  wait_for(processor_kind::topup, "top_1", processor_status::succeeded);
  EXPECT_EQ(read_account("alice").available, 500);
}

}  // namespace
}  // namespace escrowd::actors::testing
