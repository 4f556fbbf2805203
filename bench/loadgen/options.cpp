// options: every flag takes one value except the booleans; numbers are checked against the
// limits the client library and the shards work within.
#include "bench/loadgen/options.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <map>

#include "bench/loadgen/story.hpp"
#include "tools/client/client_config.hpp"

namespace escrowd::loadgen {
namespace {

// Named bounds of the command line (style.md "Limits").
constexpr std::size_t concurrency_max = 100'000;
constexpr std::size_t accounts_max = 10'000'000;
constexpr std::size_t batch_size_max = 8'190;  // api.md "Batch"
constexpr unsigned threads_max = 64;
constexpr double duration_s_max = 24 * 3600;
constexpr double rate_max = 10'000'000;

template <typename integer>
bool parse_integer(const std::string& text, integer& out, integer low, integer high) {
  integer value{};
  const auto [stop, problem] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (problem != std::errc{} || stop != text.data() + text.size()) return false;
  if (value < low || value > high) return false;
  out = value;
  return true;
}

bool parse_seconds(const std::string& text, std::chrono::milliseconds& out) {
  char* end = nullptr;
  const double seconds = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end != '\0' || !std::isfinite(seconds) || seconds < 0 ||
      seconds > duration_s_max) {
    return false;
  }
  out = std::chrono::milliseconds{static_cast<std::int64_t>(std::llround(seconds * 1000))};
  return true;
}

}  // namespace

std::string usage_text() {
  return R"(escrowd-loadgen: drives escrowd (or the PostgreSQL baseline) with escrow workloads.

usage: escrowd-loadgen [flags]
  --target URL          http://HOST:PORT (escrowd, default http://127.0.0.1:8080) or
                        postgres://USER@HOST:PORT/DB (the baseline of bench/pg, over libpq)
  --admin-key KEY       escrowd admin key (default: $ESCROWD_ADMIN_KEY)
  --mix NAME            escrow (default) | hot | read | fund | batch
  --open-loop --rate N  open loop at N requests/s (latency from the scheduled time)
  --concurrency N       closed loop: virtual users; open loop: stories in flight (256)
  --connections N       keep-alive connections (HTTP) or database connections (64)
  --pipeline N          HTTP requests written ahead per connection (1)
  --duration S          seconds to measure (10); --warmup S before it (1)
  --requests N          stop after N requests instead (no warmup)
  --accounts N          accounts, each payer and worker (1000)
  --hot-accounts N      of those, the payers of --mix hot (4; at most --accounts)
  --funding N           top-up per account in minor units (20000000); 0: no top-ups at all
                        (setup funds no account, the escrow mix's top-up story is left
                        out), so every funding is refused: a smoke test without a processor
  --hot-funding N       per hot account, instead of --funding (500000000; 0 when
                        --funding is 0 unless given)
  --batch-size N        operations per POST /v1/batch with --mix batch (64)
  --threads N           load generator threads, each with its own connections (1)
  --timeout S           per-request timeout before a retry (10)
  --settle-timeout S    how long setup and audit wait for a processor settlement that
                        makes no progress (60)
  --seed N              workload seed (random by default; printed)
  --label TEXT          a name for the run in the report
  --json                print the final report as JSON on stdout
  --progress | --no-progress   the live progress line (default: on a terminal)
  --no-audit            skip the ledger verification and money check at the end
)";
}

options_outcome parse_options(const std::vector<std::string>& arguments) {
  options parsed;
  options_outcome outcome;
  bool hot_accounts_given = false;
  bool hot_funding_given = false;
  if (const char* key = std::getenv("ESCROWD_ADMIN_KEY")) parsed.admin_key = key;
  using client::defaults::connections_max;
  using client::defaults::pipeline_depth_max;
  const std::map<std::string, std::function<bool(const std::string&)>> valued{
      {"--target", [&](const std::string& v) { return !(parsed.target = v).empty(); }},
      {"--admin-key", [&](const std::string& v) { return !(parsed.admin_key = v).empty(); }},
      {"--mix", [&](const std::string& v) { return mix_named(parsed.mix = v).has_value(); }},
      {"--rate",
       [&](const std::string& v) {
         parsed.open_loop = true;
         char* end = nullptr;
         parsed.rate = std::strtod(v.c_str(), &end);
         return end != v.c_str() && *end == '\0' && parsed.rate > 0 && parsed.rate <= rate_max;
       }},
      {"--concurrency",
       [&](const std::string& v) {
         return parse_integer<std::size_t>(v, parsed.concurrency, 1, concurrency_max);
       }},
      {"--connections",
       [&](const std::string& v) {
         return parse_integer<std::size_t>(v, parsed.connections, 1, connections_max);
       }},
      {"--pipeline",
       [&](const std::string& v) {
         return parse_integer<std::size_t>(v, parsed.pipeline, 1, pipeline_depth_max);
       }},
      {"--duration", [&](const std::string& v) { return parse_seconds(v, parsed.duration); }},
      {"--warmup", [&](const std::string& v) { return parse_seconds(v, parsed.warmup); }},
      {"--requests",
       [&](const std::string& v) {
         return parse_integer<std::uint64_t>(v, parsed.requests, 1, UINT64_MAX);
       }},
      {"--accounts",
       [&](const std::string& v) {
         return parse_integer<std::size_t>(v, parsed.accounts, 2, accounts_max);
       }},
      {"--hot-accounts",
       [&](const std::string& v) {
         hot_accounts_given = true;
         return parse_integer<std::size_t>(v, parsed.hot_accounts, 1, accounts_max);
       }},
      {"--funding",
       [&](const std::string& v) {
         return parse_integer<std::int64_t>(v, parsed.funding, 0, 1'000'000'000'000);
       }},
      {"--hot-funding",
       [&](const std::string& v) {
         hot_funding_given = true;
         return parse_integer<std::int64_t>(v, parsed.hot_funding, 0, 1'000'000'000'000);
       }},
      {"--batch-size",
       [&](const std::string& v) {
         return parse_integer<std::size_t>(v, parsed.batch_size, 1, batch_size_max);
       }},
      {"--threads",
       [&](const std::string& v) {
         return parse_integer<unsigned>(v, parsed.threads, 1, threads_max);
       }},
      {"--timeout", [&](const std::string& v) { return parse_seconds(v, parsed.timeout); }},
      {"--settle-timeout",
       [&](const std::string& v) { return parse_seconds(v, parsed.settle_timeout); }},
      {"--seed",
       [&](const std::string& v) {
         return parse_integer<std::uint64_t>(v, parsed.seed, 1, UINT64_MAX);
       }},
      {"--label", [&](const std::string& v) { return !(parsed.label = v).empty(); }},
  };
  const std::map<std::string, std::function<void()>> flags{
      {"--open-loop", [&] { parsed.open_loop = true; }},
      {"--json", [&] { parsed.json = true; }},
      {"--progress", [&] { parsed.progress = true; }},
      {"--no-progress", [&] { parsed.progress = false; }},
      {"--no-audit", [&] { parsed.audit = false; }},
  };
  for (std::size_t index = 0; index < arguments.size(); ++index) {
    const auto& argument = arguments[index];
    if (argument == "--help" || argument == "-h") {
      outcome.help = true;
      return outcome;
    }
    if (auto flag = flags.find(argument); flag != flags.end()) {
      flag->second();
      continue;
    }
    auto taking = valued.find(argument);
    if (taking == valued.end()) {
      outcome.problem = "unknown argument " + argument;
      return outcome;
    }
    if (index + 1 >= arguments.size()) {
      outcome.problem = argument + " needs a value";
      return outcome;
    }
    if (!taking->second(arguments[++index])) {
      outcome.problem = "bad value for " + argument + ": " + arguments[index];
      return outcome;
    }
  }
  if (parsed.open_loop && parsed.rate <= 0) {
    outcome.problem = "--open-loop needs --rate";
    return outcome;
  }
  if (parsed.mix == "batch" && parsed.open_loop) {
    outcome.problem = "--mix batch runs closed loop only";
    return outcome;
  }
  if (parsed.threads > parsed.concurrency) {
    outcome.problem = "--threads may not exceed --concurrency";
    return outcome;
  }
  if (hot_accounts_given && parsed.hot_accounts > parsed.accounts) {
    outcome.problem = "--hot-accounts may not exceed --accounts";
    return outcome;
  }
  // Only the default may be larger than a small --accounts: then every account is hot.
  parsed.hot_accounts = std::min(parsed.hot_accounts, parsed.accounts);
  if (parsed.funding == 0 && !hot_funding_given) parsed.hot_funding = 0;
  if (parsed.admin_key.empty() && parsed.target.starts_with("postgres")) parsed.admin_key = "admin";
  if (parsed.admin_key.empty()) {
    outcome.problem = "no admin key: pass --admin-key or set ESCROWD_ADMIN_KEY";
    return outcome;
  }
  outcome.parsed = std::move(parsed);
  return outcome;
}

}  // namespace escrowd::loadgen
