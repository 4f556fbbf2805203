// Command-line configuration of escrowd-processor-sim. Pure parsing: any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "api.hpp"
#include "limits.hpp"

namespace escrowd::processor_sim {

struct sim_config {
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 12111;
  std::string webhook_url;  // empty: no webhooks
  std::string webhook_secret = "whsec_test";
  std::int64_t webhook_retry_delay_ms = 0;
  // A keep-alive connection idle this long is closed (a client must notice and reconnect).
  std::int64_t connection_idle_timeout_ms = connection_idle_timeout_ms_default;
  std::string state_file;  // empty: records in memory only
  api_options api;
};

struct config_result {
  std::optional<sim_config> config;
  bool help = false;
  std::string error;
};

// The documented defaults (README "Flags"), with a seed drawn now: what a start without
// flags runs with, the embedded simulator of `escrowd serve` included.
[[nodiscard]] sim_config default_config();

[[nodiscard]] config_result parse_command_line(const std::vector<std::string>& args);
[[nodiscard]] std::string usage_text();

}  // namespace escrowd::processor_sim
