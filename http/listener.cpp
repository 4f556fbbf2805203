// listener: asynchronous accept loop with the connection cap.
#include "http/listener.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <future>
#include <optional>
#include <string_view>

#include "engine/error_message.hpp"

namespace escrowd::http {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;

// Accept errors are mostly descriptor exhaustion; retrying at once would spin.
constexpr std::chrono::milliseconds accept_retry_delay_ms{50};

error listen_failure(std::string_view param, const error_code& failure) {
  return rejection(escrowd::error_code::internal, param, failure.message() + ".");
}

}  // namespace

listener::listener(asio::io_context& io, session_context& context)
    : io_(io),
      context_(context),
      acceptor_(asio::make_strand(io)),
      retry_timer_(acceptor_.get_executor()) {}

status listener::open(const asio::ip::tcp::endpoint& endpoint) {
  error_code failure;
  acceptor_.open(endpoint.protocol(), failure);
  if (failure) return listen_failure("listen_address", failure);
  acceptor_.set_option(asio::socket_base::reuse_address(true), failure);
  acceptor_.bind(endpoint, failure);
  if (failure) return listen_failure("port", failure);
  acceptor_.listen(static_cast<int>(context_.config.listen_backlog_max), failure);
  if (failure) return listen_failure("port", failure);
  port_ = acceptor_.local_endpoint(failure).port();
  return {};
}

std::uint16_t listener::port() const {
  return port_;
}

void listener::start() {
  asio::dispatch(acceptor_.get_executor(), [self = shared_from_this()] { self->accept_next(); });
}

void listener::stop() {
  // Waits for the close, so no session can be added after the caller lists them to drain.
  std::promise<void> closed;
  asio::post(acceptor_.get_executor(), [self = shared_from_this(), &closed] {
    error_code ignored;
    self->acceptor_.close(ignored);
    self->retry_timer_.cancel();
    closed.set_value();
  });
  closed.get_future().wait();
}

void listener::accept_next() {
  if (!acceptor_.is_open()) return;
  acceptor_.async_accept(
      asio::make_strand(io_),
      [self = shared_from_this()](error_code failure, asio::ip::tcp::socket socket) {
        self->on_accept(failure, std::move(socket));
      });
}

// Only this strand adds sessions, so counting then adding overshoots a cap only where said.
std::optional<session::kind> listener::admission() {
  const auto& config = context_.config;
  const auto served = context_.registry.count(session::kind::served);
  if (served < config.connections_max) return session::kind::served;
  // At the cap, the connection that has owed nothing longest while waiting on its client
  // (idle, or a header or body trickling in) gives its place. The count passes the cap until
  // it has closed, and by one for good if it turns busy first: bounded by this margin.
  if (served < config.connections_max + config.rejected_connections_max) {
    const auto waited_since =
        steady_now_ns() - std::chrono::nanoseconds(config.waiting_evictable_after_ms).count();
    if (auto waiting = context_.registry.longest_waiting(waited_since)) {
      waiting->evict_if_waiting();
      return session::kind::served;
    }
  }
  if (context_.registry.count(session::kind::rejected) < config.rejected_connections_max)
    return session::kind::rejected;
  return std::nullopt;
}

void listener::on_accept(error_code failure, asio::ip::tcp::socket socket) {
  if (failure == asio::error::operation_aborted || !acceptor_.is_open()) return;
  if (failure) {
    retry_timer_.expires_after(accept_retry_delay_ms);
    retry_timer_.async_wait([self = shared_from_this()](error_code timer_failure) {
      if (!timer_failure) self->accept_next();
    });
    return;
  }
  const auto admitted = admission();
  if (admitted) std::make_shared<session>(std::move(socket), context_, *admitted)->start();
  // else: the socket closes as it goes out of scope.
  accept_next();
}

}  // namespace escrowd::http
