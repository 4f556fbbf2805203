// The simulator's HTTP/1.1 server: accepts keep-alive connections, turns each Beast request
// into an api_request, runs it through the api in two phases (waiting on a timer between
// them for the --slow fault), and delivers the reply normally, by resetting the connection,
// or by hanging, as the api decides. A periodic sweep settles payouts; events go to the
// webhook sender.
//
// Thread affinity: everything runs on the single thread that runs the io_context, which is
// why the api needs no lock. Lifetime: the server, api and sender outlive io_context::run();
// sessions own themselves and are destroyed with the io_context at the latest.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <memory>
#include <string>

#include "api.hpp"
#include "limits.hpp"
#include "webhook_sender.hpp"

namespace escrowd::processor_sim {

// What sessions share. Held by shared_ptr so that a session destroyed late (with the
// io_context) can still decrement the connection count.
struct server_shared {
  api& logic;
  webhook_sender* webhooks = nullptr;  // null: events are discarded
  std::size_t connections = 0;
  std::int64_t idle_timeout_ms = connection_idle_timeout_ms_default;

  void forward_events() {
    auto events = logic.take_events();
    if (events.empty()) return;
    if (webhooks != nullptr) return webhooks->enqueue(std::move(events));
    for (const auto& event : events) logic.webhook_settled(event.delivery);  // nowhere to go
  }
};

class server {
 public:
  server(boost::asio::io_context& io, api& logic, webhook_sender* webhooks,
         std::int64_t idle_timeout_ms = connection_idle_timeout_ms_default);

  // Binds and listens; false with a reason when the address is unusable.
  [[nodiscard]] bool listen(const std::string& host, std::uint16_t port, std::string& error);
  [[nodiscard]] boost::asio::ip::tcp::endpoint local_endpoint() const;
  // Starts accepting and sweeping.
  void start();
  // Stops accepting and sweeping; open sessions end when the io_context stops.
  void stop();

 private:
  void accept();
  void schedule_sweep();

  boost::asio::io_context& io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer sweep_timer_;
  boost::asio::steady_timer accept_retry_timer_;
  std::shared_ptr<server_shared> shared_;
  bool stopped_ = false;
};

}  // namespace escrowd::processor_sim
