#include "tools/escrowd/embedded_processor.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <thread>

#include "tools/processor_sim/api.hpp"
#include "tools/processor_sim/config.hpp"
#include "tools/processor_sim/server.hpp"
#include "tools/processor_sim/sim_clock.hpp"
#include "tools/processor_sim/webhook_sender.hpp"

namespace escrowd {

namespace sim = processor_sim;

struct embedded_processor::impl {
  // The simulator's documented defaults: a 24 h idempotency window (a zero-initialized
  // config forgot every key at once, so a retried charge would have charged twice),
  // payouts that settle, authorizations that expire after a week, a fresh seed.
  const sim::sim_config defaults = sim::default_config();
  sim::sim_clock clock;
  sim::api logic{defaults.api, clock};
  // After the api, so destroyed before it: a handler still queued at exit holds a call
  // whose key claim releases the key in the api's store (pending_call).
  boost::asio::io_context io{1};
  std::unique_ptr<sim::webhook_sender> webhooks;
  std::unique_ptr<sim::server> server;
  std::thread thread;
};

embedded_processor::embedded_processor() : impl_(std::make_unique<impl>()) {}

embedded_processor::~embedded_processor() {
  stop();
}

std::optional<std::string> embedded_processor::listen(const embedded_processor_options& options,
                                                      std::string& problem) {
  if (!options.webhook_url.empty()) {
    auto target = sim::parse_webhook_url(options.webhook_url);
    if (!target) {
      problem = "unusable webhook URL " + options.webhook_url;
      return std::nullopt;
    }
    impl_->webhooks = std::make_unique<sim::webhook_sender>(
        impl_->io, *target,
        options.webhook_secret.empty() ? impl_->defaults.webhook_secret : options.webhook_secret,
        impl_->defaults.webhook_retry_delay_ms);
  }
  impl_->server = std::make_unique<sim::server>(impl_->io, impl_->logic, impl_->webhooks.get());
  if (!impl_->server->listen("127.0.0.1", 0, problem)) return std::nullopt;
  return "http://127.0.0.1:" + std::to_string(impl_->server->local_endpoint().port());
}

bool embedded_processor::start(const std::string& state_file, std::string& problem) {
  if (!state_file.empty()) {
    if (auto refused = impl_->logic.open_state_file(state_file)) {
      problem = *refused;
      return false;
    }
  }
  impl_->server->start();
  impl_->thread = std::thread([this] { impl_->io.run(); });
  return true;
}

void embedded_processor::stop() {
  if (!impl_->thread.joinable()) return;
  boost::asio::post(impl_->io, [this] {
    impl_->server->stop();
    impl_->io.stop();
  });
  impl_->thread.join();
}

}  // namespace escrowd
