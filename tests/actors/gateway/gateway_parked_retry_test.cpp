// A processor outage longer than the gateway's attempts parks operations (requires_
// reconciliation). Within the processor's memory of the key, sending again cannot apply
// anything twice, so the background reconciliation drives such an operation again once
// the processor answers and shows nothing for it (or an object still in progress), as an
// admin's retry would; without it a five-minute outage left operations parked for good.
#include <gtest/gtest.h>

#include <thread>

#include "tests/actors/gateway/gateway_fixture.hpp"

namespace escrowd::actors::testing {
namespace {

using std::chrono::milliseconds;
using gateway_parked_retry = gateway_fixture;
constexpr auto topup = processor_kind::topup;

TEST_F(gateway_parked_retry, background_reconciliation_drives_a_parked_operation_again) {
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

TEST_F(gateway_parked_retry, a_report_names_the_retry_and_changes_nothing) {
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

}  // namespace
}  // namespace escrowd::actors::testing
