// After a processor outage. One longer than the gateway's attempts parks operations
// (requires_reconciliation); within the processor's memory of the key sending again cannot
// apply anything twice, so the background reconciliation drives such an operation again
// once the processor answers and shows nothing for it (or an object still in progress), as
// an admin's retry would: without it a five-minute outage left operations parked for good.
// And the outage's backlog of sends (thousands, at 80 calls a second) does not hold a
// reconciliation's calls behind it.
#include <gtest/gtest.h>

#include <algorithm>
#include <future>
#include <memory>
#include <thread>

#include "tests/actors/gateway/gateway_fixture.hpp"

namespace escrowd::actors::testing {
namespace {

using std::chrono::milliseconds;
using gateway_outage = gateway_fixture;
constexpr auto topup = processor_kind::topup;

TEST_F(gateway_outage, background_reconciliation_drives_a_parked_operation_again) {
  create_account("alice");
  // Four failed sends and a lookup park it; the processor's script still fails the next
  // four sends (the outage goes on through the first retry), then it charges.
  park(topup, "alice", "top_1", 500, "pm_card_visa");
  EXPECT_EQ(port_->sends("topup:top_1:charge"), 4u);
  with_background_reconciliation(milliseconds(50));
  const auto charged = wait_for(topup, "top_1", processor_status::succeeded);
  EXPECT_EQ(charged.processor_object_id, "pi_top_1");
  EXPECT_EQ(port_->sends("topup:top_1:charge"), 9u);  // every send under the same key
  EXPECT_EQ(read_account("alice").available, 500);
  EXPECT_EQ(read_account("alice").pending_topup, 0);
  wait_until([&] { return stats().reconciliation_repairs_applied >= 2; },
             "two retries counted as repairs");
}

TEST_F(gateway_outage, a_report_names_the_retry_and_changes_nothing) {
  create_account("alice");
  park(topup, "alice", "top_1", 500, "pm_card_visa");
  const auto sends_before = port_->sends("topup:top_1:charge");
  // An operation changed in the second a listing began is left to the next run (the list
  // may predate the change): let that second pass.
  std::this_thread::sleep_for(milliseconds(1'100));
  const auto report = reconcile();
  ASSERT_EQ(report.status, 200) << report.body;
  EXPECT_NE(report.body.find(R"("difference":"missing_at_processor")"), std::string::npos)
      << report.body;
  EXPECT_NE(report.body.find(R"("repair":"pending")"), std::string::npos) << report.body;
  EXPECT_NE(report.body.find(R"("outcome":"repair_pending")"), std::string::npos) << report.body;
  wait_idle();
  EXPECT_EQ(read(topup, "top_1")->status, processor_status::requires_reconciliation);
  EXPECT_EQ(port_->sends("topup:top_1:charge"), sends_before);
}

// Measured before: GET /v1/reconciliation took 163 s during a drain of 21,580 rows, and
// gave no answer within 300 s during the outage. One call at a time here: the call started
// after the send in flight answers is the reconciliation's list, not the next send.
TEST_F(gateway_outage, a_reconciliation_is_not_queued_behind_a_backlog_of_sends) {
  reopen_with_gateway([](gateway_config& gateway) { gateway.calls_in_flight_max = 1; });
  create_account("alice");
  port_->hold(true);
  constexpr std::size_t backlog = 20;
  for (std::size_t i = 0; i < backlog; ++i)
    ASSERT_EQ(request(topup, "alice", "top_q" + std::to_string(i), 100, "pm_card_visa").status,
              200);
  wait_until([&] { return port_->held_count() == 1 && stats().calls_queued == backlog - 1; },
             "one send in flight, the others queued");
  auto answered = std::make_shared<std::promise<rendered_response>>();
  auto answer = answered->get_future();
  ledger_->reconcile([answered](rendered_response response) { answered->set_value(response); });
  wait_until([&] { return stats().calls_queued == backlog; }, "the list queued");
  port_->release();  // the send in flight answers; the gateway starts its next call
  wait_until([&] { return port_->held_count() == 1; }, "the next call started");
  EXPECT_EQ(port_->lists(), 1u) << "the list waits behind " << port_->sent_keys().size()
                                << " sends; " << gateway_summary();
  port_->hold(false);
  while (answer.wait_for(milliseconds(5)) != std::future_status::ready) port_->release();
  EXPECT_EQ(answer.get().status, 200);
}

// Measured before: in a drain of 21,580 rows only 41 payouts went out alongside the first
// ~5,000 top-ups, and the first withdrawal of the outage was paid ~12 minutes after it was
// asked for: the scan goes in key order and "topup:..." comes first. Each kind may now take
// half of the rows worked on at once (here 4: two each).
TEST_F(gateway_outage, withdrawals_are_not_held_behind_a_backlog_of_top_ups) {
  reopen_with_gateway([](gateway_config& gateway) {
    gateway.calls_in_flight_max = 1;
    gateway.rows_tracked_max = 4;
  });
  create_account("alice");
  fund("alice", "top_funds", 1'000);
  port_->hold(true);
  for (int i = 1; i <= 6; ++i)
    ASSERT_EQ(request(topup, "alice", "top_q" + std::to_string(i), 100, "pm_card_visa").status,
              200);
  for (int i = 1; i <= 2; ++i)
    ASSERT_EQ(
        request(processor_kind::withdrawal, "alice", "wd_" + std::to_string(i), 100, "ba_default")
            .status,
        200);
  port_->hold(false);
  wait_until(
      [&] {
        port_->release();
        return port_->sent_keys().size() == 9;
      },
      "every top-up and withdrawal sent");
  const auto sent = port_->sent_keys();
  const auto first_payout =
      std::find(sent.begin(), sent.end(), "withdrawal:wd_1:payout") - sent.begin();
  const auto last_charge =
      std::find(sent.begin(), sent.end(), "topup:top_q6:charge") - sent.begin();
  EXPECT_LT(first_payout, last_charge) << gateway_summary();
}

// Measured before: in a drain of 21,607 rows the background reconciliation, not their polls
// or webhooks, settled 4,331 of 4,347 paid withdrawals, the first 77 s after the processor's
// return: the polls waited behind the top-ups' sends. Follow-ups now take turns with sends.
TEST_F(gateway_outage, a_payouts_poll_is_not_queued_behind_a_backlog_of_sends) {
  reopen_with_gateway([](gateway_config& gateway) { gateway.calls_in_flight_max = 1; });
  create_account("alice");
  fund("alice", "top_funds", 1'000);
  port_->payouts_settle_as("paid", 1);  // the payout is pending at its first poll
  port_->hold(true);
  ASSERT_EQ(request(processor_kind::withdrawal, "alice", "wd_1", 100, "ba_default").status, 200);
  wait_until([&] { return port_->held_count() == 1; }, "the payout's send in flight");
  constexpr std::size_t backlog = 10;
  for (std::size_t i = 0; i < backlog; ++i)
    ASSERT_EQ(request(topup, "alice", "top_q" + std::to_string(i), 100, "pm_card_visa").status,
              200);
  wait_until([&] { return stats().calls_queued == backlog; }, "the top-ups queued");
  port_->release();  // the payout is pending: a poll is queued behind the sends
  wait_until([&] { return stats().calls_queued == backlog; }, "one send started, the poll queued");
  EXPECT_EQ(port_->retrieves(), 0u);
  port_->release();  // the send in flight answers; the poll's turn
  wait_until([&] { return port_->held_count() == 1; }, "the next call started");
  EXPECT_EQ(port_->retrieves(), 1u)
      << "the poll waits behind " << backlog - 1 << " sends; " << gateway_summary();
  port_->hold(false);
  port_->release();
  wait_for(processor_kind::withdrawal, "wd_1", processor_status::paid);
}

// The payouts API down (its list and its lookups unanswered) while the top-ups' list
// answers: nothing confirms that a paid withdrawal is missing at the processor, so the
// report must not say it is (an operator would take the payout for never made).
TEST_F(gateway_outage, a_payouts_outage_reports_no_paid_withdrawal_missing) {
  create_account("alice");
  fund("alice", "top_1", 1'000);
  ASSERT_EQ(request(processor_kind::withdrawal, "alice", "wd_1", 400, "ba_default").status, 200);
  wait_for(processor_kind::withdrawal, "wd_1", processor_status::paid);
  wait_idle();
  std::this_thread::sleep_for(milliseconds(1'100));  // settled before the listing began
  port_->fail_lists_of(processor_kind::withdrawal);
  port_->fail_finds(true);
  const auto report = reconcile();
  ASSERT_EQ(report.status, 200) << report.body;
  EXPECT_NE(report.body.find(R"("processor_lists_complete":false)"), std::string::npos)
      << report.body;
  EXPECT_EQ(report.body.find("missing_at_processor"), std::string::npos) << report.body;
}

}  // namespace
}  // namespace escrowd::actors::testing
