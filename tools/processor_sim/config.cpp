// Flag parsing: `--name value` or `--name=value`; every value is range-checked so that a typo
// fails loudly at start instead of silently disabling a fault.
#include "config.hpp"

#include <charconv>
#include <cstdlib>
#include <functional>
#include <map>
#include <random>

#include "limits.hpp"

namespace escrowd::processor_sim {
namespace {

bool parse_probability(const std::string& text, double& out) {
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !(value >= 0.0 && value <= 1.0)) {
    return false;
  }
  out = value;
  return true;
}

template <typename integer>
bool parse_integer(const std::string& text, integer& out, integer min, integer max) {
  integer value{};
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc{} || end != text.data() + text.size() || value < min ||
      value > max) {
    return false;
  }
  out = value;
  return true;
}

bool parse_listen(const std::string& text, sim_config& config) {
  std::size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  config.listen_host = text.substr(0, colon);
  return parse_integer<std::uint16_t>(text.substr(colon + 1), config.listen_port, 0, 65535);
}

using setter = std::function<bool(const std::string&, sim_config&)>;

std::map<std::string, setter> setters() {
  auto probability = [](double fault_options::*field) {
    return setter([field](const std::string& v, sim_config& c) {
      return parse_probability(v, c.api.faults.*field);
    });
  };
  // An integer flag 0..max (milliseconds or seconds, as the flag's name says).
  auto bounded = [](std::int64_t max, auto field) {
    return setter([max, field](const std::string& v, sim_config& c) {
      return parse_integer<std::int64_t>(v, field(c), 0, max);
    });
  };
  constexpr std::int64_t day_ms = 24 * 3600 * 1000;
  return {
      {"--listen", parse_listen},
      {"--webhook-url",
       [](const std::string& v, sim_config& c) {
         c.webhook_url = v;
         return v.starts_with("http://");
       }},
      {"--state-file",
       [](const std::string& v, sim_config& c) {
         c.state_file = v;
         return !v.empty();
       }},
      {"--webhook-secret",
       [](const std::string& v, sim_config& c) {
         c.webhook_secret = v;
         return !v.empty();
       }},
      {"--fail-before-effect", probability(&fault_options::fail_before_effect)},
      {"--fail-after-effect", probability(&fault_options::fail_after_effect)},
      {"--drop-after-effect", probability(&fault_options::drop_after_effect)},
      {"--slow", probability(&fault_options::slow)},
      {"--rate-limit", probability(&fault_options::rate_limit)},
      {"--lock-timeout", probability(&fault_options::lock_timeout)},
      {"--webhook-duplicate", probability(&fault_options::webhook_duplicate)},
      {"--drop-mode",
       [](const std::string& v, sim_config& c) {
         c.api.faults.drop = v == "hang" ? drop_mode::hang : drop_mode::reset;
         return v == "hang" || v == "reset";
       }},
      {"--slow-ms", bounded(
                        slow_ms_max, [](sim_config & c) -> auto& { return c.api.faults.slow_ms; })},
      {"--hang-ms", bounded(
                        hang_ms_max, [](sim_config & c) -> auto& { return c.api.faults.hang_ms; })},
      {"--payout-settle-ms",
       bounded(
           day_ms, [](sim_config & c) -> auto& { return c.api.settings.payout_settle_ms; })},
      {"--search-lag-ms", bounded(
                              search_lag_ms_max, [](sim_config & c) -> auto& {
                                return c.api.settings.search_lag_ms;
                              })},
      // At least 1: the delay doubles per attempt, and 0 doubled stays 0, so the 10,000
      // attempts meant to span three days would all go out within a second.
      {"--webhook-retry-delay-ms",
       [](const std::string& v, sim_config& c) {
         return parse_integer<std::int64_t>(v, c.webhook_retry_delay_ms, 1,
                                            webhook_retry_delay_ms_max);
       }},
      {"--connection-idle-timeout-ms",
       bounded(
           connection_idle_timeout_ms_default,
           [](sim_config & c) -> auto& { return c.connection_idle_timeout_ms; })},
      {"--idempotency-ttl-s",
       bounded(
           365 * day_ms / 1000, [](sim_config & c) -> auto& { return c.api.idempotency_ttl_s; })},
      {"--authorization-expiry-s", bounded(
                                       365 * day_ms / 1000, [](sim_config & c) -> auto& {
                                         return c.api.settings.authorization_expiry_s;
                                       })},
      {"--seed",
       [](const std::string& v, sim_config& c) {
         return parse_integer<std::uint64_t>(v, c.api.seed, 0, UINT64_MAX);
       }},
      {"--state-file-compaction-floor-bytes",
       [](const std::string& v, sim_config& c) {
         return parse_integer<std::uint64_t>(v, c.api.state_file_compaction.floor_bytes, 0,
                                             UINT64_MAX);
       }},
      {"--state-file-compaction-growth",
       [](const std::string& v, sim_config& c) {
         return parse_integer<std::uint64_t>(v, c.api.state_file_compaction.growth_factor, 1, 1000);
       }},
  };
}

}  // namespace

std::string usage_text() {
  return R"(usage: escrowd-processor-sim [flags]
A Stripe-compatible payment processor simulator for tests (see tools/processor_sim/README.md).

  --listen HOST:PORT            address to listen on (default 127.0.0.1:12111; port 0 = any)
  --webhook-url URL             POST signed events to this http:// URL (default: none)
  --webhook-secret S            signing secret for Stripe-Signature (default whsec_test)
  --webhook-retry-delay-ms N    first webhook retry delay, doubled per attempt (default 100)
  --payout-settle-ms N          pending payouts settle after N ms (default 200)
  --connection-idle-timeout-ms N  close keep-alive connections idle N ms (default 120000)
  --idempotency-ttl-s N         how long idempotency keys are kept (default 86400)
  --authorization-expiry-s N    uncaptured authorizations are canceled after N s (default 7 d)
  --search-lag-ms N             search finds a new PaymentIntent N ms after its creation, as
                                Stripe's index lags writes (default 0, at most 3600000)
  --seed N                      seed for fault draws and ids (default: drawn at start)
  --state-file PATH             keep the records in PATH across restarts, kill -9 included
                                (default: none, in memory only; see README "State file")
  --state-file-compaction-floor-bytes N, --state-file-compaction-growth F
                                compact the state file while running once it is larger than
                                max(N, F x its size after the last compaction) (default
                                4194304 and 4; smaller values are for tests)
Faults, each a probability 0..1 drawn per POST /v1 request (and GET with --fault-reads):
  --rate-limit P                429 rate_limit with Retry-After, nothing applied or stored
  --lock-timeout P              429 lock_timeout, nothing applied or stored
  --fail-before-effect P        500 api_error, nothing applied (stored under the key)
  --fail-after-effect P         effect applied, then 500 api_error (stored under the key)
  --drop-after-effect P         effect applied and stored, response lost (see --drop-mode)
  --drop-mode reset|hang        reset the connection (default) or hang for --hang-ms
  --hang-ms N                   how long a hung response holds the connection (default 100000)
  --slow P                      execution delayed by --slow-ms (default 2000); key in flight
  --fault-reads                 also inject rate limits, 500s, drops and slowness into GETs
  --webhook-duplicate P         deliver an event twice
  --help                        print this text
)";
}

sim_config default_config() {
  sim_config config;
  config.webhook_retry_delay_ms = webhook_retry_delay_ms_default;
  config.api.idempotency_ttl_s = idempotency_ttl_s_default;
  config.api.settings.payout_settle_ms = payout_settle_ms_default;
  config.api.settings.authorization_expiry_s = authorization_expiry_s_default;
  config.api.faults.slow_ms = slow_ms_default;
  config.api.faults.hang_ms = hang_ms_default;
  // Without --seed, a fresh seed per start: ids then never repeat across restarts (as
  // Stripe's never do), and a run is repeatable only when asked for.
  std::random_device entropy;
  config.api.seed = (std::uint64_t{entropy()} << 32) | entropy();
  return config;
}

config_result parse_command_line(const std::vector<std::string>& args) {
  sim_config config = default_config();
  const auto table = setters();
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string name = args[i];
    if (name == "--help" || name == "-h") return {std::nullopt, true, {}};
    if (name == "--fault-reads") {
      config.api.faults.fault_reads = true;
      continue;
    }
    std::optional<std::string> value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    }
    auto it = table.find(name);
    if (it == table.end()) return {std::nullopt, false, "unknown flag " + name};
    if (!value) {
      if (i + 1 == args.size()) return {std::nullopt, false, name + " needs a value"};
      value = args[++i];
    }
    if (!it->second(*value, config)) {
      return {std::nullopt, false, "invalid value '" + *value + "' for " + name};
    }
  }
  return {std::move(config), false, {}};
}

}  // namespace escrowd::processor_sim
