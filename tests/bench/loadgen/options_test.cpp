// escrowd-loadgen's command line: defaults, the open loop implied by --rate, values out of
// range refused with the flag named, the hot accounts within the accounts, what --funding 0
// implies for the hot accounts, and the admin key from the environment.
#include "bench/loadgen/options.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

namespace escrowd::loadgen {
namespace {

class Options : public ::testing::Test {
 protected:
  void SetUp() override { ::setenv("ESCROWD_ADMIN_KEY", "env-key", 1); }
  void TearDown() override { ::unsetenv("ESCROWD_ADMIN_KEY"); }
};

TEST_F(Options, DefaultsAreAClosedLoopEscrowRun) {
  const auto outcome = parse_options({});
  ASSERT_TRUE(outcome.parsed) << outcome.problem;
  EXPECT_EQ(outcome.parsed->admin_key, "env-key");
  EXPECT_EQ(outcome.parsed->mix, "escrow");
  EXPECT_FALSE(outcome.parsed->open_loop);
  EXPECT_EQ(outcome.parsed->duration, std::chrono::seconds{10});
}

TEST_F(Options, RateMeansOpenLoop) {
  const auto outcome = parse_options({"--rate", "2500", "--duration", "1.5", "--mix", "hot"});
  ASSERT_TRUE(outcome.parsed) << outcome.problem;
  EXPECT_TRUE(outcome.parsed->open_loop);
  EXPECT_DOUBLE_EQ(outcome.parsed->rate, 2500);
  EXPECT_EQ(outcome.parsed->duration, std::chrono::milliseconds{1500});
}

TEST_F(Options, RefusesBadValues) {
  EXPECT_NE(parse_options({"--mix", "nope"}).problem.find("--mix"), std::string::npos);
  EXPECT_NE(parse_options({"--pipeline", "65"}).problem.find("--pipeline"), std::string::npos);
  EXPECT_NE(parse_options({"--concurrency", "0"}).problem.find("--concurrency"), std::string::npos);
  EXPECT_NE(parse_options({"--duration", "-1"}).problem.find("--duration"), std::string::npos);
  EXPECT_NE(parse_options({"--rate", "x"}).problem.find("--rate"), std::string::npos);
  EXPECT_NE(parse_options({"--requests"}).problem.find("needs a value"), std::string::npos);
  EXPECT_NE(parse_options({"--wat"}).problem.find("unknown"), std::string::npos);
  EXPECT_FALSE(parse_options({"--open-loop"}).parsed);
  EXPECT_FALSE(parse_options({"--mix", "batch", "--rate", "10"}).parsed);
  EXPECT_FALSE(parse_options({"--threads", "8", "--concurrency", "4"}).parsed);
}

TEST_F(Options, RefusesMoreHotAccountsThanAccounts) {
  const auto outcome = parse_options({"--accounts", "3", "--hot-accounts", "4"});
  EXPECT_FALSE(outcome.parsed);
  EXPECT_NE(outcome.problem.find("--hot-accounts"), std::string::npos) << outcome.problem;
  const auto equal = parse_options({"--accounts", "4", "--hot-accounts", "4"});
  ASSERT_TRUE(equal.parsed) << equal.problem;
  EXPECT_EQ(equal.parsed->hot_accounts, 4u);
}

TEST_F(Options, TheDefaultHotAccountsShrinkToFewAccounts) {
  const auto outcome = parse_options({"--accounts", "2"});
  ASSERT_TRUE(outcome.parsed) << outcome.problem;
  EXPECT_EQ(outcome.parsed->hot_accounts, 2u);
}

TEST_F(Options, FundingZeroFundsTheHotAccountsOnlyWhenAskedTo) {
  const auto none = parse_options({"--funding", "0"});
  ASSERT_TRUE(none.parsed) << none.problem;
  EXPECT_EQ(none.parsed->funding, 0);
  EXPECT_EQ(none.parsed->hot_funding, 0);
  const auto hot_only = parse_options({"--hot-funding", "7000", "--funding", "0"});
  ASSERT_TRUE(hot_only.parsed) << hot_only.problem;
  EXPECT_EQ(hot_only.parsed->hot_funding, 7000);
  const auto defaults = parse_options({});
  ASSERT_TRUE(defaults.parsed) << defaults.problem;
  EXPECT_EQ(defaults.parsed->hot_funding, 500'000'000);
}

TEST_F(Options, NeedsAnAdminKeyForEscrowdOnly) {
  ::unsetenv("ESCROWD_ADMIN_KEY");
  EXPECT_FALSE(parse_options({}).parsed);
  const auto postgres = parse_options({"--target", "postgres://u@127.0.0.1:5432/db"});
  ASSERT_TRUE(postgres.parsed) << postgres.problem;
  EXPECT_EQ(postgres.parsed->admin_key, "admin");
}

TEST_F(Options, HelpIsNotAProblem) {
  const auto outcome = parse_options({"--help"});
  EXPECT_TRUE(outcome.help);
  EXPECT_FALSE(usage_text().empty());
}

}  // namespace
}  // namespace escrowd::loadgen
