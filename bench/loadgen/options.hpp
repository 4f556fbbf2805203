// escrowd-loadgen's command line: the target, the load's shape (mix, loop, rate,
// concurrency, connections, duration or count) and the run's size. Environment fallback:
// ESCROWD_ADMIN_KEY for --admin-key.
// Thread affinity: main thread, before anything starts.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace escrowd::loadgen {

struct options {
  std::string target = "http://127.0.0.1:8080";
  std::string admin_key;  // for postgres targets, defaults to the principal name "admin"
  std::string mix = "escrow";
  bool open_loop = false;
  double rate = 0;  // open loop: requests per second in total
  std::size_t concurrency = 256;
  std::size_t connections = 64;
  std::size_t pipeline = 1;
  std::chrono::milliseconds duration{10'000};
  std::chrono::milliseconds warmup{1'000};
  std::uint64_t requests = 0;  // > 0: run for this many requests instead of a duration
  std::size_t accounts = 1'000;
  std::size_t hot_accounts = 4;            // never more than accounts
  std::int64_t funding = 20'000'000;       // 0: no top-ups at all (and hot_funding 0 by default)
  std::int64_t hot_funding = 500'000'000;  // per hot account, instead of funding
  std::size_t batch_size = 64;             // operations per POST /v1/batch (mix "batch")
  unsigned threads = 1;
  std::uint64_t seed = 0;  // 0: drawn at random (and printed)
  std::chrono::milliseconds timeout{10'000};
  std::chrono::milliseconds settle_timeout{60'000};
  bool json = false;
  std::optional<bool> progress;  // default: when stderr is a terminal
  bool audit = true;
  std::string label;  // a name for this run in the report
};

struct options_outcome {
  std::optional<options> parsed;
  bool help = false;
  std::string problem;
};

[[nodiscard]] options_outcome parse_options(const std::vector<std::string>& arguments);
std::string usage_text();

}  // namespace escrowd::loadgen
