// Test support: a tiny HTTP endpoint standing in for `POST /v1/processor/webhooks`. Every
// POST it receives (body byte for byte, Stripe-Signature) goes to `handle`, whose
// (status, body) is the answer; it also keeps every delivery so a test can replay one.
// Requests are handled one at a time on the forwarder's own thread (`handle` may block).
// Thread affinity: construct and destroy on one thread; deliveries() from any thread.
// Lifetime: `handle` must stay callable until the forwarder is destroyed.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace escrowd::processor_client::testing {

struct delivery {
  std::string signature;
  std::string body;
};

class webhook_forwarder {
 public:
  using handler = std::function<std::pair<int, std::string>(const delivery&)>;

  // Binds 127.0.0.1:`port` (0: any free port; otherwise with SO_REUSEADDR).
  explicit webhook_forwarder(handler handle, std::uint16_t port = 0);
  ~webhook_forwarder();
  webhook_forwarder(const webhook_forwarder&) = delete;
  webhook_forwarder& operator=(const webhook_forwarder&) = delete;

  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] std::string url() const;
  [[nodiscard]] std::vector<delivery> deliveries();

 private:
  void accept();

  handler handle_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::mutex mutex_;
  std::vector<delivery> deliveries_;
  std::thread thread_;
};

}  // namespace escrowd::processor_client::testing
