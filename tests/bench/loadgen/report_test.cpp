// The text report's audit line, from hand-made results: the balance sheet reads "=" only
// when the money balances and "!=" otherwise, an audit the target never answered says it
// could not run instead of showing a zero balance sheet, and the window line names what was
// scheduled, what it took and how many answers came late.
#include "bench/loadgen/report.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace escrowd::loadgen {
namespace {

std::string text_of(const options& settings, const shard_result& measured,
                    std::optional<audit_result> audit) {
  const run_report report{.settings = settings,
                          .run_id = "lgreport",
                          .seed = 1,
                          .target_kind = "escrowd",
                          .funded = 0,
                          .setup_took = {},
                          .measured = measured,
                          .audit = std::move(audit)};
  std::ostringstream out;
  print_text(out, report);
  return out.str();
}

audit_result balance_sheet(std::int64_t put_in, std::int64_t held, std::int64_t withdrawn) {
  audit_result audit;
  audit.answered = true;
  audit.verify_ok = true;
  audit.money_checked = true;
  audit.put_in = put_in;
  audit.held = held;
  audit.left = withdrawn;
  audit.money_ok = put_in == held + withdrawn;
  return audit;
}

TEST(Report, TheBalanceSheetSaysEqualOnlyWhenTheMoneyBalances) {
  const options settings;
  const shard_result measured;
  EXPECT_NE(text_of(settings, measured, balance_sheet(100, 90, 10))
                .find("money conserved: put in 100 = held 90 + withdrawn 10"),
            std::string::npos);
  const auto unequal = text_of(settings, measured, balance_sheet(2138000000, 2137967460, 20195));
  EXPECT_NE(unequal.find("money NOT CONSERVED: put in 2138000000 != held 2137967460 + withdrawn "
                         "20195"),
            std::string::npos)
      << unequal;
}

TEST(Report, AnAuditTheTargetNeverAnsweredSaysItCouldNotRun) {
  audit_result unreachable;
  unreachable.problems.push_back("ledger verify: 0 connect: Connection refused");
  const auto text = text_of(options{}, shard_result{}, unreachable);
  EXPECT_NE(text.find("audit: COULD NOT RUN"), std::string::npos) << text;
  EXPECT_EQ(text.find("put in"), std::string::npos) << text;
  EXPECT_NE(text.find("Connection refused"), std::string::npos) << text;
}

TEST(Report, TheWindowLineGivesScheduleWallAndLateAnswers) {
  options settings;
  settings.open_loop = true;
  settings.rate = 3'000;
  settings.duration = std::chrono::seconds{4};
  shard_result measured;
  measured.requests = 12'000;
  measured.window_begin = clock_type::time_point{std::chrono::seconds{1}};
  measured.window_end = clock_type::time_point{std::chrono::seconds{9}};
  measured.wall = std::chrono::seconds{10};
  measured.late = 7'000;
  const auto text = text_of(settings, measured, std::nullopt);
  EXPECT_NE(text.find("window 8.00 s"), std::string::npos) << text;
  EXPECT_NE(text.find("scheduled 4.00 s"), std::string::npos) << text;
  EXPECT_NE(text.find("10.00 s wall"), std::string::npos) << text;
  EXPECT_NE(text.find("7000 answered after the schedule's end"), std::string::npos) << text;
  EXPECT_NE(text.find("throughput: 1500 req/s"), std::string::npos) << text;
}

}  // namespace
}  // namespace escrowd::loadgen
