// Tests escrowd's command line (api.md "Command line"): subcommands, flags in both
// `--flag value` and `--flag=value` forms, defaults, environment fallbacks (set and unset
// around the parse), and clear refusals of bad input.
#include "tools/escrowd/command_line.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

namespace escrowd {
namespace {

TEST(command_line, serve_takes_its_flags_in_both_forms) {
  auto parsed = parse_command_line({"serve", "--listen", "127.0.0.1:9000", "--data-dir=/tmp/x",
                                    "--threads", "3", "--processor-url", "https://p.example"});
  ASSERT_TRUE(parsed.parsed.has_value()) << parsed.problem;
  EXPECT_EQ(parsed.parsed->subcommand, subcommand::serve);
  EXPECT_EQ(parsed.parsed->listen, "127.0.0.1:9000");
  EXPECT_EQ(parsed.parsed->data_dir, "/tmp/x");
  EXPECT_EQ(parsed.parsed->threads, 3u);
  EXPECT_EQ(parsed.parsed->processor_url, "https://p.example");
  EXPECT_FALSE(parsed.parsed->scheduler_stealing);  // sharing unless asked
  auto stealing = parse_command_line({"serve", "--scheduler=stealing"});
  ASSERT_TRUE(stealing.parsed.has_value()) << stealing.problem;
  EXPECT_TRUE(stealing.parsed->scheduler_stealing);
  auto sharing = parse_command_line({"serve", "--scheduler", "sharing"});
  ASSERT_TRUE(sharing.parsed.has_value()) << sharing.problem;
  EXPECT_FALSE(sharing.parsed->scheduler_stealing);
}

TEST(command_line, defaults_match_the_contract) {
  auto parsed = parse_command_line({"serve"});
  ASSERT_TRUE(parsed.parsed.has_value());
  EXPECT_EQ(parsed.parsed->listen, "127.0.0.1:8080");
  EXPECT_EQ(parsed.parsed->threads, 0u);
  EXPECT_TRUE(parsed.parsed->processor_url.empty());
  EXPECT_EQ(parse_command_line({}).parsed->subcommand, subcommand::help);
  EXPECT_EQ(parse_command_line({"--help"}).parsed->subcommand, subcommand::help);
  EXPECT_EQ(parse_command_line({"serve", "--help"}).parsed->subcommand, subcommand::help);
}

TEST(command_line, refuses_unknown_commands_flags_and_values) {
  EXPECT_FALSE(parse_command_line({"launch"}).parsed.has_value());
  auto unknown = parse_command_line({"serve", "--colour", "red"});
  EXPECT_FALSE(unknown.parsed.has_value());
  EXPECT_NE(unknown.problem.find("--colour"), std::string::npos);
  EXPECT_FALSE(parse_command_line({"serve", "--threads", "many"}).parsed.has_value());
  EXPECT_FALSE(parse_command_line({"serve", "--threads", "9999"}).parsed.has_value());
  EXPECT_FALSE(parse_command_line({"serve", "--listen"}).parsed.has_value());
  auto scheduler = parse_command_line({"serve", "--scheduler", "round-robin"});
  EXPECT_FALSE(scheduler.parsed.has_value());
  EXPECT_NE(scheduler.problem.find("sharing or stealing"), std::string::npos);
  auto backup = parse_command_line({"backup", "--data-dir", "d"});
  EXPECT_FALSE(backup.parsed.has_value());
  EXPECT_NE(backup.problem.find("--to"), std::string::npos);
}

TEST(command_line, reconcile_every_sets_the_background_interval_and_zero_turns_it_off) {
  EXPECT_FALSE(parse_command_line({"serve"}).parsed->reconcile_every_s.has_value());
  auto every_minute = parse_command_line({"serve", "--reconcile-every", "60"});
  ASSERT_TRUE(every_minute.parsed.has_value()) << every_minute.problem;
  EXPECT_EQ(every_minute.parsed->reconcile_every_s, 60u);
  auto off = parse_command_line({"serve", "--reconcile-every=0"});
  ASSERT_TRUE(off.parsed.has_value()) << off.problem;
  EXPECT_EQ(off.parsed->reconcile_every_s, 0u);
  for (const char* bad : {"-1", "ten", "60s", "", "604801"}) {
    auto refused = parse_command_line({"serve", "--reconcile-every", bad});
    EXPECT_FALSE(refused.parsed.has_value()) << bad;
    EXPECT_NE(refused.problem.find("--reconcile-every"), std::string::npos) << refused.problem;
  }
}

TEST(command_line, reconcile_every_falls_back_to_the_environment_and_the_flag_wins) {
  ::setenv("ESCROWD_RECONCILE_EVERY_S", "120", 1);
  auto from_environment = parse_command_line({"serve"});
  auto flag_wins = parse_command_line({"serve", "--reconcile-every", "0"});
  ::setenv("ESCROWD_RECONCILE_EVERY_S", "often", 1);
  auto refused = parse_command_line({"serve"});
  ::unsetenv("ESCROWD_RECONCILE_EVERY_S");
  ASSERT_TRUE(from_environment.parsed.has_value()) << from_environment.problem;
  EXPECT_EQ(from_environment.parsed->reconcile_every_s, 120u);
  ASSERT_TRUE(flag_wins.parsed.has_value()) << flag_wins.problem;
  EXPECT_EQ(flag_wins.parsed->reconcile_every_s, 0u);
  EXPECT_FALSE(refused.parsed.has_value());
  EXPECT_NE(refused.problem.find("ESCROWD_RECONCILE_EVERY_S"), std::string::npos);
}

// api.md: replays within the retention window, "default 24 h, configurable".
TEST(command_line, idempotency_retention_is_a_minute_to_a_year_by_flag_or_environment) {
  EXPECT_FALSE(parse_command_line({"serve"}).parsed->idempotency_retention_s.has_value());
  auto week = parse_command_line({"serve", "--idempotency-retention", "604800"});
  ASSERT_TRUE(week.parsed.has_value()) << week.problem;
  EXPECT_EQ(week.parsed->idempotency_retention_s, 604'800);
  for (const char* bad : {"0", "59", "-60", "day", "31536001", ""}) {
    auto refused = parse_command_line({"serve", "--idempotency-retention", bad});
    EXPECT_FALSE(refused.parsed.has_value()) << bad;
    EXPECT_NE(refused.problem.find("--idempotency-retention"), std::string::npos)
        << refused.problem;
  }
  ::setenv("ESCROWD_IDEMPOTENCY_RETENTION_S", "7200", 1);
  auto from_environment = parse_command_line({"serve"});
  auto flag_wins = parse_command_line({"serve", "--idempotency-retention=60"});
  ::setenv("ESCROWD_IDEMPOTENCY_RETENTION_S", "1", 1);
  auto refused = parse_command_line({"serve"});
  ::unsetenv("ESCROWD_IDEMPOTENCY_RETENTION_S");
  ASSERT_TRUE(from_environment.parsed.has_value()) << from_environment.problem;
  EXPECT_EQ(from_environment.parsed->idempotency_retention_s, 7'200);
  ASSERT_TRUE(flag_wins.parsed.has_value()) << flag_wins.problem;
  EXPECT_EQ(flag_wins.parsed->idempotency_retention_s, 60);
  EXPECT_FALSE(refused.parsed.has_value());
  EXPECT_NE(refused.problem.find("ESCROWD_IDEMPOTENCY_RETENTION_S"), std::string::npos);
}

TEST(command_line, webhook_event_retention_is_three_days_to_ten_years) {
  EXPECT_FALSE(parse_command_line({"serve"}).parsed->webhook_event_retention_s.has_value());
  auto week = parse_command_line({"serve", "--webhook-event-retention", "604800"});
  ASSERT_TRUE(week.parsed.has_value()) << week.problem;
  EXPECT_EQ(week.parsed->webhook_event_retention_s, 604'800);
  for (const char* bad : {"0", "259199", "-259200", "month", "315360001", ""}) {
    auto refused = parse_command_line({"serve", "--webhook-event-retention", bad});
    EXPECT_FALSE(refused.parsed.has_value()) << bad;
    EXPECT_NE(refused.problem.find("--webhook-event-retention"), std::string::npos)
        << refused.problem;
  }
  ::setenv("ESCROWD_WEBHOOK_EVENT_RETENTION_S", "259200", 1);
  auto from_environment = parse_command_line({"serve"});
  ::setenv("ESCROWD_WEBHOOK_EVENT_RETENTION_S", "60", 1);
  auto refused = parse_command_line({"serve"});
  ::unsetenv("ESCROWD_WEBHOOK_EVENT_RETENTION_S");
  ASSERT_TRUE(from_environment.parsed.has_value()) << from_environment.problem;
  EXPECT_EQ(from_environment.parsed->webhook_event_retention_s, 259'200);
  EXPECT_FALSE(refused.parsed.has_value());
  EXPECT_NE(refused.problem.find("ESCROWD_WEBHOOK_EVENT_RETENTION_S"), std::string::npos);
}

// How far the processor's search may lag: unset lets serve choose (an hour for a real
// processor, 0 for the bundled simulator); 0 to a day otherwise.
TEST(command_line, processor_search_lag_is_zero_to_a_day_by_flag_or_environment) {
  EXPECT_FALSE(parse_command_line({"serve"}).parsed->processor_search_lag_s.has_value());
  auto current = parse_command_line({"serve", "--processor-search-lag=0"});
  ASSERT_TRUE(current.parsed.has_value()) << current.problem;
  EXPECT_EQ(current.parsed->processor_search_lag_s, 0);
  for (const char* bad : {"-1", "86401", "minute", ""})
    EXPECT_FALSE(parse_command_line({"serve", "--processor-search-lag", bad}).parsed) << bad;
  ::setenv("ESCROWD_PROCESSOR_SEARCH_LAG_S", "120", 1);
  auto from_environment = parse_command_line({"serve"});
  auto flag_wins = parse_command_line({"serve", "--processor-search-lag", "5"});
  ::unsetenv("ESCROWD_PROCESSOR_SEARCH_LAG_S");
  EXPECT_EQ(from_environment.parsed->processor_search_lag_s, 120);
  EXPECT_EQ(flag_wins.parsed->processor_search_lag_s, 5);
}

TEST(command_line, usage_names_every_command) {
  const auto usage = usage_text();
  for (const char* word : {"serve", "verify", "backup", "--data-dir", "--scheduler",
                           "ESCROWD_ADMIN_KEY", "--reconcile-every", "ESCROWD_RECONCILE_EVERY_S",
                           "--idempotency-retention", "ESCROWD_IDEMPOTENCY_RETENTION_S",
                           "--webhook-event-retention", "ESCROWD_WEBHOOK_EVENT_RETENTION_S",
                           "--processor-search-lag", "ESCROWD_PROCESSOR_SEARCH_LAG_S"})
    EXPECT_NE(usage.find(word), std::string::npos) << word;
}

}  // namespace
// A store at its map ceiling restarts with a higher one: --map-size-gib, 1 to 16384.
TEST(command_line, map_size_gib_sets_the_stores_ceiling_within_bounds) {
  auto larger = parse_command_line({"serve", "--map-size-gib", "256"});
  ASSERT_TRUE(larger.parsed.has_value()) << larger.problem;
  EXPECT_EQ(larger.parsed->map_size_gib, 256u);
  EXPECT_FALSE(parse_command_line({"serve"}).parsed->map_size_gib.has_value());
  for (const char* bad : {"0", "16385", "-1", "1.5", "x", ""}) {
    auto refused = parse_command_line({"serve", "--map-size-gib", bad});
    EXPECT_FALSE(refused.parsed.has_value()) << bad;
    EXPECT_NE(refused.problem.find("--map-size-gib"), std::string::npos) << refused.problem;
  }
}

}  // namespace escrowd
