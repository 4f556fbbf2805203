// A reconciliation run reads only the processor's objects of its window (the last
// reconciliation_window, or back to the oldest operation still open), so its cost follows
// recent traffic rather than all of history. The ledger's clock is moved three weeks on
// between making operations and reconciling, as a server running that long would see it.
#include <chrono>

#include "actors/ledger_clock.hpp"
#include "actors/wall_clock.hpp"
#include "tests/actors/gateway/gateway_fixture.hpp"

namespace escrowd::actors::testing {
namespace {

constexpr std::int64_t day = 86'400;
constexpr std::int64_t weeks_later = 21 * day;

// The ledger's clock jumps forward (it never goes back), as after that long of running.
void let_time_pass(std::int64_t seconds) {
  const std::int64_t later_ns = (unix_now() + seconds) * 1'000'000'000;
  process_ledger_clock().resume({0, later_ns}, false);
}

void let_three_weeks_pass() {
  let_time_pass(weeks_later);
}

std::int64_t integer_after(const std::string& body, const std::string& field) {
  const auto at = body.find("\"" + field + "\":");
  if (at == std::string::npos) return -1;
  return std::stoll(body.substr(at + field.size() + 3));
}

class gateway_reconcile_window : public gateway_fixture {
 protected:
  // A settled top-up and a paid payout of alice's, made before the clock moves on.
  void make_old_history() {
    create_account("alice");
    fund("alice", "top_old", 1'000);
    ASSERT_EQ(request(processor_kind::withdrawal, "alice", "wd_old", 400, "ba_default").status,
              200);
    wait_for(processor_kind::withdrawal, "wd_old", processor_status::paid);
    wait_idle();
  }
};

TEST_F(gateway_reconcile_window, older_operations_are_judged_by_what_the_window_listed) {
  make_old_history();
  let_three_weeks_pass();
  fund("alice", "top_new", 100);
  wait_idle();

  const auto report = reconcile();
  ASSERT_EQ(report.status, 200) << report.body;
  const std::int64_t expected_since = unix_now() - 14 * day - 3'600;
  const std::int64_t since = integer_after(report.body, "processor_objects_created_since");
  EXPECT_NEAR(double(since), double(expected_since), 5.0) << report.body;
  for (const auto listed_since : port_->lists_created_since()) EXPECT_EQ(listed_since, since);
  // The old top-up and payout were not listed, and are not reported missing for it.
  EXPECT_NE(report.body.find(R"("ok":true)"), std::string::npos) << report.body;
  EXPECT_EQ(integer_after(report.body, "processor_objects_checked"), 1) << report.body;
  // Only the window's operations are read (operation_times), not the whole history.
  EXPECT_EQ(integer_after(report.body, "operations_checked"), 1) << report.body;
}

// An object listed within the clock margin can name an operation made before the window:
// that operation is looked up and compared, not reported unknown to the engine.
TEST_F(gateway_reconcile_window, an_older_operation_whose_object_was_listed_is_compared) {
  make_old_history();
  let_three_weeks_pass();
  port_->add_object(payout_object("wd_old", 400, "failed"));  // the payout bounced since
  port_->set_created(processor_kind::withdrawal, "wd_old", unix_now() - 14 * day - 1'800);

  const auto report = reconcile();
  ASSERT_EQ(report.status, 200) << report.body;
  EXPECT_EQ(integer_after(report.body, "operations_checked"), 1) << report.body;
  EXPECT_EQ(report.body.find("unknown_to_engine"), std::string::npos) << report.body;
  EXPECT_NE(
      report.body.find(R"("difference":"status_mismatch","object":"withdrawal","id":"wd_old")"),
      std::string::npos)
      << report.body;
  EXPECT_NE(report.body.find(R"("repair":"failed","outcome":"repair_pending")"), std::string::npos)
      << report.body;
}

// The comparison runs in chunks (one snapshot and one gateway message each): every
// operation of the window is still compared once, here in chunks of two. The last one is
// parked with nothing at the processor, so only the walk of the window finds it (no listed
// object names it).
TEST_F(gateway_reconcile_window, a_comparison_in_chunks_compares_every_operation_once) {
  reopen_with_gateway([](gateway_config& gateway) { gateway.reconciliation_compare_chunk = 2; });
  create_account("alice");
  for (const char* id : {"top_1", "top_2", "top_3", "top_4"}) fund("alice", id, 100);
  park(processor_kind::topup, "alice", "top_last", 500, "pm_card_visa");
  let_time_pass(60);  // parked before the run lists, so the run may judge it

  const auto report = reconcile();
  ASSERT_EQ(report.status, 200) << report.body;
  EXPECT_EQ(integer_after(report.body, "operations_checked"), 5) << report.body;
  EXPECT_EQ(integer_after(report.body, "differences_total"), 1) << report.body;
  EXPECT_NE(
      report.body.find(R"("difference":"missing_at_processor","object":"topup","id":"top_last")"),
      std::string::npos)
      << report.body;
}

TEST_F(gateway_reconcile_window, an_operation_open_since_before_the_window_widens_it) {
  create_account("alice");
  park(processor_kind::topup, "alice", "top_parked", 500, "pm_card_visa");
  port_->add_object(topup_object("top_parked", 500));  // the charge went through after all
  const std::int64_t parked_at = read(processor_kind::topup, "top_parked")->created_at;
  let_three_weeks_pass();

  const auto report = reconcile();
  ASSERT_EQ(report.status, 200) << report.body;
  EXPECT_EQ(integer_after(report.body, "processor_objects_created_since"), parked_at - 3'600)
      << report.body;
  EXPECT_NE(report.body.find(R"("difference":"settled_at_processor")"), std::string::npos)
      << report.body;
  EXPECT_NE(report.body.find(R"("repair":"succeeded","outcome":"repair_pending")"),
            std::string::npos)
      << report.body;
}

// The ledger's clock may run ahead of the processor's by more than the listing's
// hour of margin: after the system clock steps back by S, the ledger's meets it again only
// after 20 S (ledger_clock.hpp), so a two-hour step leaves it two hours ahead for some 40
// hours. A top-up made then has an object whose `created` (the processor's clock) is two
// hours before its created_at. Fourteen days on, when the window's start reaches it, the
// listing (created[gte] = window start - 1 h) misses the object, and the top-up, succeeded
// on both sides, is reported missing at the processor.
TEST_F(gateway_reconcile_window,
       an_operation_near_the_window_start_is_not_missing_while_clocks_disagree) {
  create_account("alice");
  fund("alice", "top_edge", 100);
  wait_idle();
  const std::int64_t created_at = read(processor_kind::topup, "top_edge")->created_at;
  // The processor's clock read two hours less than the ledger's when it made the object.
  port_->set_created(processor_kind::topup, "top_edge", created_at - 2 * 3'600);
  let_time_pass(14 * day - 600);  // top_edge is ten minutes inside the window

  const auto report = reconcile();
  ASSERT_EQ(report.status, 200) << report.body;
  EXPECT_EQ(report.body.find("missing_at_processor"), std::string::npos) << report.body;
  EXPECT_NE(report.body.find(R"("ok":true)"), std::string::npos) << report.body;
}

}  // namespace
}  // namespace escrowd::actors::testing
