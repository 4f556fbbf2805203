// Composition root of escrowd-processor-sim: parse flags, wire the api, the webhook sender
// and the server onto one io_context, announce the bound address on stdout (tests start us
// on port 0 and read it), run until SIGINT or SIGTERM.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <iostream>
#include <memory>

#include "api.hpp"
#include "config.hpp"
#include "server.hpp"
#include "sim_clock.hpp"
#include "webhook_sender.hpp"

namespace sim = escrowd::processor_sim;

namespace {

int run(const sim::sim_config& config) {
  sim::sim_clock clock;
  sim::api logic(config.api, clock);
  // After the api, so destroyed before it: a handler still queued at exit holds a call
  // whose key claim releases the key in the api's store (pending_call).
  boost::asio::io_context io(1);
  if (!config.state_file.empty()) {
    if (auto problem = logic.open_state_file(config.state_file)) {
      std::cerr << "escrowd-processor-sim: cannot use --state-file: " << *problem << "\n";
      return 1;
    }
  }
  std::unique_ptr<sim::webhook_sender> webhooks;
  if (!config.webhook_url.empty()) {
    auto target = sim::parse_webhook_url(config.webhook_url);
    if (!target) {
      std::cerr << "escrowd-processor-sim: unusable --webhook-url " << config.webhook_url << "\n";
      return 2;
    }
    webhooks = std::make_unique<sim::webhook_sender>(io, *target, config.webhook_secret,
                                                     config.webhook_retry_delay_ms);
  }
  sim::server http(io, logic, webhooks.get(), config.connection_idle_timeout_ms);
  std::string error;
  if (!http.listen(config.listen_host, config.listen_port, error)) {
    std::cerr << "escrowd-processor-sim: " << error << "\n";
    return 1;
  }
  auto bound = http.local_endpoint();
  std::cout << "escrowd-processor-sim listening on " << bound.address().to_string() << ":"
            << bound.port() << std::endl;
  http.start();
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) {
    http.stop();
    io.stop();
  });
  io.run();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  auto parsed = sim::parse_command_line(std::vector<std::string>(argv + 1, argv + argc));
  if (parsed.help) {
    std::cout << sim::usage_text();
    return 0;
  }
  if (!parsed.config) {
    std::cerr << "escrowd-processor-sim: " << parsed.error << "\n" << sim::usage_text();
    return 2;
  }
  try {
    return run(*parsed.config);
  } catch (const std::exception& e) {
    std::cerr << "escrowd-processor-sim: fatal: " << e.what() << "\n";
    return 1;
  }
}
