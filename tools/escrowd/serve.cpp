#include "tools/escrowd/serve.hpp"

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "actors/ledger.hpp"
#include "actors/wall_clock.hpp"
#include "http/api.hpp"
#include "http/processor_client/stripe_client.hpp"
#include "http/server.hpp"
#include "http/startup_gate.hpp"
#include "tools/escrowd/embedded_processor.hpp"
#include "tools/escrowd/storage_failure.hpp"

namespace escrowd {
namespace {

// An operator's admin secret shorter than this is refused: it would be guessable.
constexpr std::size_t admin_key_length_min = 16;

// The embedded simulator's webhook signing secret when the operator gives none: the
// simulator and escrowd are one process, so it protects nothing a secret could.
constexpr std::string_view embedded_webhook_secret = "whsec_escrowd_embedded";

// Blocks SIGTERM and SIGINT in every thread started after this, so that the main thread
// alone receives them with sigwait.
sigset_t block_shutdown_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

struct listen_endpoint {
  std::string address;
  std::uint16_t port = 0;
};

// "127.0.0.1:8080" or "[::1]:8080".
std::optional<listen_endpoint> parse_listen(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon + 1 == text.size()) return std::nullopt;
  std::string address = text.substr(0, colon);
  if (address.size() >= 2 && address.front() == '[' && address.back() == ']')
    address = address.substr(1, address.size() - 2);
  unsigned long port = 0;
  try {
    std::size_t used = 0;
    port = std::stoul(text.substr(colon + 1), &used);
    if (used != text.size() - colon - 1 || port > 65535) return std::nullopt;
  } catch (const std::exception&) {
    return std::nullopt;
  }
  return listen_endpoint{address, static_cast<std::uint16_t>(port)};
}

// The operator's first admin secret: ESCROWD_ADMIN_KEY, else the file's first line.
std::optional<std::string> admin_secret(const command_line& line, std::string& problem) {
  std::string secret;
  if (const char* from_environment = std::getenv("ESCROWD_ADMIN_KEY")) {
    secret = from_environment;
  } else if (!line.admin_key_file.empty()) {
    std::ifstream file(line.admin_key_file);
    if (!file) {
      problem = "cannot read --admin-key-file " + line.admin_key_file;
      return std::nullopt;
    }
    std::getline(file, secret);
    while (!secret.empty() && std::isspace(static_cast<unsigned char>(secret.back())))
      secret.pop_back();
  } else {
    return std::string{};
  }
  if (secret.size() < admin_key_length_min) {
    problem =
        "the admin key must have at least " + std::to_string(admin_key_length_min) + " characters";
    return std::nullopt;
  }
  return secret;
}

}  // namespace

int serve(const command_line& line) {
  const sigset_t signals = block_shutdown_signals();
  auto endpoint = parse_listen(line.listen);
  if (!endpoint) {
    std::cerr << "escrowd: --listen wants HOST:PORT, got " << line.listen << "\n";
    return 2;
  }
  std::string problem;
  auto secret = admin_secret(line, problem);
  if (!secret) {
    std::cerr << "escrowd: " << problem << "\n";
    return 2;
  }

  // Listening before the ledger is open: recovery (opening, verifying) takes a while on a
  // large store, and meanwhile /healthz says the process is alive and the rest 503.
  http::startup_gate gate;
  http::server_config server_settings;
  server_settings.listen_address = endpoint->address;
  server_settings.port = endpoint->port;
  http::server server(server_settings, gate);
  auto port = server.start();
  if (!port) {
    const auto& failure = port.failure();
    std::cerr << "escrowd: cannot listen on " << line.listen << ": "
              << (failure.message.empty() ? describe(failure.code).message : failure.message)
              << "\n";
    return 1;
  }
  std::ostringstream listening;
  if (endpoint->address.find(':') != std::string::npos) {
    listening << "[" << endpoint->address << "]:" << *port;
  } else {
    listening << endpoint->address << ":" << *port;
  }

  // Without --processor-url the bundled simulator stands in for Stripe; its webhooks go to
  // the address just bound.
  embedded_processor simulator;
  std::string processor_url = line.processor_url;
  // The embedded simulator signs with a secret of its own unless one is given.
  const std::string webhook_secret = !line.webhook_secret.empty() || !line.processor_url.empty()
                                         ? line.webhook_secret
                                         : std::string(embedded_webhook_secret);
  if (processor_url.empty()) {
    embedded_processor_options simulator_options;
    simulator_options.webhook_url = "http://" + listening.str() + "/v1/processor/webhooks";
    simulator_options.webhook_secret = webhook_secret;
    auto bound = simulator.listen(simulator_options, problem);
    if (!bound) {
      std::cerr << "escrowd: cannot start the bundled processor simulator: " << problem << "\n";
      return 1;
    }
    processor_url = *bound;
    // It keeps every PaymentIntent and Payout it ever created (kill -9 included, in
    // processor-sim.log) and refuses new ones past a million: say so where an operator looks.
    std::cerr << "escrowd: no --processor-url: top-ups and withdrawals go to the bundled "
                 "processor simulator, a stand-in for development and tests that keeps every "
                 "object it creates (up to 1,000,000 of each kind)\n";
  }

  // The simulator takes any sk_test_ key; a real processor needs STRIPE_API_KEY.
  const char* api_key = std::getenv("STRIPE_API_KEY");
  processor_client::stripe_client_config processor_settings;
  processor_settings.url = processor_url;
  processor_settings.api_key =
      api_key != nullptr ? api_key : (line.processor_url.empty() ? "sk_test_escrowd_embedded" : "");
  // The bundled simulator's search shows every object at once.
  processor_settings.search_lag = std::chrono::seconds(line.processor_search_lag_s.value_or(
      line.processor_url.empty() ? 0 : processor_client::search_lag_default.count()));
  auto processor = processor_client::stripe_client::start(processor_settings);
  if (!processor) {
    std::cerr << "escrowd: cannot use the processor at " << processor_url << ": "
              << describe(processor.code()).message
              << (processor_settings.api_key.empty() ? " (set STRIPE_API_KEY)" : "") << "\n";
    return 2;
  }

  actors::ledger_config config;
  config.data_dir = line.data_dir;
  config.scheduler_threads = line.threads;
  config.scheduler = line.scheduler_stealing ? actors::scheduler_policy::stealing
                                             : actors::scheduler_policy::sharing;
  config.processor = *processor;
  if (line.map_size_gib) config.map_size_bytes_max = std::uint64_t{*line.map_size_gib} << 30;
  if (line.reconcile_every_s)
    config.gateway.reconciliation_interval =
        *line.reconcile_every_s == 0
            ? actors::reconciliation_off
            : std::chrono::milliseconds(std::chrono::seconds(*line.reconcile_every_s));
  if (!webhook_secret.empty()) config.webhook_secrets.push_back(webhook_secret);
  if (line.webhook_event_retention_s)
    config.webhook_event_retention = std::chrono::seconds(*line.webhook_event_retention_s);
  auto ledger = actors::ledger::open(config);
  if (!ledger) {
    std::cerr << "escrowd: cannot open the ledger in " << line.data_dir << ": "
              << explain_storage_failure(ledger.failure()) << "\n";
    return 1;
  }
  auto verified = (*ledger)->verify();
  if (!verified || !verified->ok) {
    std::cerr << "escrowd: the ledger in " << line.data_dir << " does not verify\n";
    if (verified)
      for (const auto& found : verified->problems) std::cerr << "  " << found << "\n";
    return 1;
  }
  // Only now, with the data directory's lock held, may the simulator open its state file
  // there: a second escrowd refused above must not compact it under the running one.
  if (line.processor_url.empty()) {
    const auto state_file = std::filesystem::path(line.data_dir) / embedded_processor_state_file;
    if (!simulator.start(state_file.string(), problem)) {
      std::cerr << "escrowd: cannot start the bundled processor simulator: " << problem << "\n";
      return 1;
    }
  }
  if (!secret->empty()) {
    auto bootstrapped = (*ledger)->bootstrap_admin_key(*secret, actors::unix_now());
    if (!bootstrapped) {
      std::cerr << "escrowd: cannot store the admin key: " << describe(bootstrapped.code()).message
                << "\n";
      return 1;
    }
    if (*bootstrapped == actors::ledger::admin_bootstrap::not_first_start)
      std::cerr << "escrowd: warning: the admin key given (ESCROWD_ADMIN_KEY or "
                   "--admin-key-file) is not a key of this ledger and was not stored: it is "
                   "used only at first start; create further keys with POST /v1/keys\n";
    else
      std::cerr << "escrowd: the admin key given is key "
                << actors::ledger::bootstrap_key_id(*secret)
                << " (once other admin keys exist, DELETE /v1/keys/<id> revokes it)\n";
  }

  http::api_settings api_settings;
  if (line.idempotency_retention_s)
    api_settings.idempotency_retention_s = *line.idempotency_retention_s;
  http::api api(**ledger, api_settings);
  gate.open(api);
  std::cout << "escrowd ready listen=" << listening.str() << " data_dir=" << line.data_dir
            << " accounts=" << verified->accounts_checked
            << " entries=" << verified->entries_checked << " processor=" << processor_url
            << std::endl;

  int received = 0;
  sigwait(&signals, &received);
  std::cout << "escrowd stopping on signal " << received << std::endl;
  server.stop();    // no new requests; in-flight answers written or dropped
  api.stop();       // background jobs end before the ledger they read
  ledger->reset();  // answers what is in flight, then closes the store
  (*processor)->stop();
  simulator.stop();
  return 0;
}

}  // namespace escrowd
