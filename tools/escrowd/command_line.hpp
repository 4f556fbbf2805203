// Parsing of escrowd's command line (api.md "Command line"): a subcommand and its flags,
// with environment fallbacks. Thread affinity: main thread, before anything starts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace escrowd {

enum class subcommand : std::uint8_t { serve, verify, backup, help };

struct command_line {
  escrowd::subcommand subcommand = subcommand::help;
  std::string listen = "127.0.0.1:8080";
  std::string data_dir = "./data";
  std::string processor_url;  // empty: run the bundled simulator
  std::string webhook_secret;
  std::string admin_key_file;
  std::string backup_to;
  unsigned threads = 0;             // 0: chosen from the core count
  bool scheduler_stealing = false;  // --scheduler stealing: CAF's work stealing, not sharing
  // --reconcile-every: seconds between the gateway's background reconciliation runs, which
  // repair what the processor settled; 0: off; unset: the gateway's default (10 minutes).
  std::optional<std::uint32_t> reconcile_every_s;
  // --map-size-gib: the ceiling the store's memory map may grow to (unset: storage's
  // default, 64 GiB); a store that reached its ceiling restarts with a higher one.
  std::optional<std::uint32_t> map_size_gib;
  // --idempotency-retention: seconds a key's stored answer is replayed (unset: a day).
  std::optional<std::int64_t> idempotency_retention_s;
  // --webhook-event-retention: seconds a processed webhook event's id is kept, so that a
  // redelivery is recognised (unset: 30 days).
  std::optional<std::int64_t> webhook_event_retention_s;
  // --processor-search-lag: how far the processor's search may lag its writes (unset: an
  // hour with --processor-url, as Stripe documents for outages; 0 for the bundled simulator).
  std::optional<std::int64_t> processor_search_lag_s;
};

// --idempotency-retention's range: a minute (shorter outlives no client's retry) to a year.
inline constexpr std::int64_t idempotency_retention_s_min = 60;
inline constexpr std::int64_t idempotency_retention_s_max = 365 * 24 * 3600;

// --webhook-event-retention's range: Stripe's 3 days of redeliveries to ten years.
inline constexpr std::int64_t webhook_event_retention_s_min = 3 * 24 * 3600;
inline constexpr std::int64_t webhook_event_retention_s_max = 10 * 365 * 24 * 3600;

// The most --processor-search-lag accepts: a day (the processor's keys outlive no more).
inline constexpr std::int64_t processor_search_lag_s_max = 24 * 3600;

// The most --map-size-gib accepts: 16 TiB, beyond any disk these servers are given.
inline constexpr std::uint32_t map_size_gib_max = 16 * 1024;

// The most --reconcile-every accepts: a week (a longer wait leaves a failed payout
// unreversed for longer than any operator would accept).
inline constexpr std::uint32_t reconcile_every_s_max = 7 * 24 * 3600;

struct parse_outcome {
  std::optional<command_line> parsed;
  std::string problem;  // set when parsed is empty
};

[[nodiscard]] parse_outcome parse_command_line(const std::vector<std::string>& arguments);

std::string usage_text();

}  // namespace escrowd
