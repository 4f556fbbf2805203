// A processor whose search lags its writes (Stripe's Search API: under a minute normally,
// up to an hour in an outage) answers "nothing" for an object it has. Such an answer proves
// nothing until the lag has passed since the operation's last request that could have run:
// a saved failure is not failed on it, and an admin's cancel of a parked top-up is refused
// while it could still be wrong. Finds are told when the operation was created (a payout
// scan starts from there).
#include <gtest/gtest.h>

#include <thread>

#include "tests/actors/gateway/gateway_fixture.hpp"

namespace escrowd::actors::testing {
namespace {

using gateway_search_lag = gateway_fixture;
constexpr auto topup = processor_kind::topup;

// Without the lag the first absence_lookups finds (all empty) would fail the top-up; the
// charge shows up in the search one find later, after the lag has passed.
TEST_F(gateway_search_lag, a_saved_failure_waits_for_the_search_before_an_absence_counts) {
  port_->search_lags(std::chrono::seconds(2));
  create_account("alice");
  port_->script("topup:top_1:charge", std::vector<processor_reply>(8, saved_failure_reply()));
  port_->on_find_number(absence_lookups_default + 1, topup_object("top_1", 500));
  request(topup, "alice", "top_1", 500, "pm_card_visa");
  wait_for(topup, "top_1", processor_status::succeeded);
  EXPECT_EQ(read_account("alice").available, 500);
  EXPECT_EQ(port_->finds(), std::size_t{absence_lookups_default} + 1);
}

// The replays of the saved failure ran nothing: the lag counts from the request that did,
// so once it has passed the absences count and the top-up fails (it would wait for good
// if every replay restarted the lag).
TEST_F(gateway_search_lag, a_saved_failure_with_nothing_anywhere_fails_once_the_lag_passed) {
  port_->search_lags(std::chrono::seconds(2));
  create_account("alice");
  port_->script("topup:top_1:charge", std::vector<processor_reply>(16, saved_failure_reply()));
  request(topup, "alice", "top_1", 500, "pm_card_visa");
  const auto failed = wait_for(topup, "top_1", processor_status::failed);
  EXPECT_EQ(failed.failure_code, "processor_error");
  EXPECT_EQ(read_account("alice").pending_topup, 0);
}

TEST_F(gateway_search_lag, a_current_search_fails_the_saved_failure_on_its_absences) {
  create_account("alice");
  port_->script("topup:top_1:charge", std::vector<processor_reply>(8, saved_failure_reply()));
  port_->on_find_number(absence_lookups_default + 1, topup_object("top_1", 500));
  request(topup, "alice", "top_1", 500, "pm_card_visa");
  wait_for(topup, "top_1", processor_status::failed);
  EXPECT_EQ(port_->finds(), std::size_t{absence_lookups_default});
}

TEST_F(gateway_search_lag, a_cancel_is_refused_while_the_search_may_not_show_the_charge) {
  port_->search_lags(std::chrono::hours(1));
  create_account("alice");
  park(topup, "alice", "top_1", 500, "pm_card_visa");
  EXPECT_EQ(admin(operation_admin_kind::cancel, topup, "top_1").body,
            "error processor_state_uncertain");
  EXPECT_EQ(read(topup, "top_1")->status, processor_status::requires_reconciliation);

  port_->search_lags(std::chrono::seconds(0));
  EXPECT_EQ(admin(operation_admin_kind::cancel, topup, "top_1").status, 200);
  EXPECT_EQ(read(topup, "top_1")->status, processor_status::cancelled);
  EXPECT_EQ(read_account("alice").pending_topup, 0);
}

TEST_F(gateway_search_lag, finds_are_told_when_the_operation_was_created) {
  create_account("alice");
  park(topup, "alice", "top_1", 500, "pm_card_visa");
  const auto created_at = read(topup, "top_1")->created_at;
  // The cancel's find comes a second later: its created_at is the operation's, not now.
  std::this_thread::sleep_for(std::chrono::milliseconds(1'100));
  ASSERT_EQ(admin(operation_admin_kind::cancel, topup, "top_1").status, 200);
  const auto told = port_->finds_created_at();
  ASSERT_GE(told.size(), 2u);  // the parking row's lookup, and the cancel's
  for (const auto at : told) EXPECT_EQ(at, created_at);
  EXPECT_LT(told.back(), unix_now());
}

}  // namespace
}  // namespace escrowd::actors::testing
