// Accepts connections and starts a session for each, applying the connection cap: under
// connections_max a connection is served; over it, up to rejected_connections_max more are
// answered 503 `overloaded` (see server_config.hpp); beyond that they are closed at once.
// Thread affinity: accepting runs on the listener's own strand; each accepted socket gets a
// fresh strand for its session. open() runs on the server's thread before the I/O threads.
// Lifetimes: owned by shared_ptr (pending accepts hold it); the session_context outlives it.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <memory>
#include <optional>

#include "engine/result.hpp"
#include "http/session.hpp"

namespace escrowd::http {

class listener final : public std::enable_shared_from_this<listener> {
 public:
  listener(boost::asio::io_context& io, session_context& context);

  // Binds and listens; the failure's param names the field to blame.
  [[nodiscard]] status open(const boost::asio::ip::tcp::endpoint& endpoint);
  std::uint16_t port() const;

  void start();  // from any thread
  // From a thread that is not an I/O thread (it waits for one): closes the acceptor and
  // returns once no more connections can be accepted. Sessions are not touched.
  void stop();

 private:
  void accept_next();
  void on_accept(boost::system::error_code failure, boost::asio::ip::tcp::socket socket);
  // How a new connection is taken: served, answered 503 (rejected), or closed (nothing).
  [[nodiscard]] std::optional<session::kind> admission();

  boost::asio::io_context& io_;
  session_context& context_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_timer_;  // backs off after accept errors such as EMFILE
  std::uint16_t port_ = 0;
};

}  // namespace escrowd::http
