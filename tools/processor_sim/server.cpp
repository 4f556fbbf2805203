// Listener and session. A session handles one request at a time (no pipelining: a client
// that pipelines simply waits), which keeps responses in request order for free.
#include "server.hpp"

#include <boost/asio/socket_base.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <chrono>

#include "limits.hpp"
#include "stripe_error.hpp"

namespace escrowd::processor_sim {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

api_request to_api_request(const http::request<http::string_body>& request) {
  api_request out;
  out.method = std::string(request.method_string());
  out.target = std::string(request.target());
  out.authorization = std::string(request[http::field::authorization]);
  auto key = request.find("Idempotency-Key");
  out.has_idempotency_key = key != request.end();
  if (out.has_idempotency_key) out.idempotency_key = std::string(key->value());
  out.stripe_version = std::string(request["Stripe-Version"]);
  out.body = request.body();
  return out;
}

class session : public std::enable_shared_from_this<session> {
 public:
  session(tcp::socket socket, std::shared_ptr<server_shared> shared)
      : stream_(std::move(socket)), timer_(stream_.get_executor()), shared_(std::move(shared)) {
    ++shared_->connections;
  }
  ~session() { --shared_->connections; }

  void read() {
    parser_.emplace();
    parser_->body_limit(request_body_bytes_max);
    parser_->header_limit(static_cast<std::uint32_t>(request_header_bytes_max));
    stream_.expires_after(std::chrono::milliseconds(shared_->idle_timeout_ms));
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

 private:
  void on_read(beast::error_code ec) {
    if (ec == http::error::body_limit || ec == http::error::header_limit) {
      keep_alive_ = false;
      return send(shared_->logic.network_error_reply(errors::malformed_body("request too large")));
    }
    if (ec) return close();  // end of stream, timeout or garbage: nothing to answer
    stream_.expires_never();
    http::request<http::string_body> request = parser_->release();
    keep_alive_ = request.keep_alive();
    prepared_call prepared;
    try {
      prepared = shared_->logic.prepare(to_api_request(request));
    } catch (const std::exception& e) {
      return send(shared_->logic.network_error_reply(errors::api_error(e.what())));
    }
    shared_->forward_events();
    if (prepared.reply) return deliver(std::move(*prepared.reply));
    if (prepared.delay_ms <= 0) return execute(std::move(*prepared.call));
    timer_.expires_after(std::chrono::milliseconds(prepared.delay_ms));
    timer_.async_wait([self = shared_from_this(), call = std::move(*prepared.call)](
                          beast::error_code) mutable { self->execute(std::move(call)); });
  }

  void execute(pending_call call) {
    api_reply reply;
    try {
      reply = shared_->logic.execute(std::move(call));
    } catch (const std::exception& e) {
      reply = shared_->logic.network_error_reply(errors::api_error(e.what()));
    }
    shared_->forward_events();
    deliver(std::move(reply));
  }

  void deliver(api_reply reply) {
    switch (reply.how) {
      case delivery::send:
        return send(std::move(reply));
      case delivery::reset:
        return reset();
      case delivery::hang:
        return hang(reply.hang_ms);
    }
  }

  void send(api_reply reply) {
    auto response = std::make_shared<http::response<http::string_body>>();
    response->version(11);
    response->result(static_cast<unsigned>(reply.status));
    for (auto& [name, value] : reply.headers) response->set(name, value);
    response->set(http::field::server, "escrowd-processor-sim");
    response->body() = std::move(reply.body);
    response->keep_alive(keep_alive_);
    response->prepare_payload();
    stream_.expires_after(std::chrono::milliseconds(shared_->idle_timeout_ms));
    http::async_write(stream_, *response,
                      [self = shared_from_this(), response](beast::error_code ec, std::size_t) {
                        if (ec || !self->keep_alive_) return self->close();
                        self->read();
                      });
  }

  // The response is lost: the client sees ECONNRESET, as when a load balancer dies.
  void reset() {
    beast::error_code ignored;
    stream_.socket().set_option(asio::socket_base::linger(true, 0), ignored);
    stream_.socket().close(ignored);
  }

  // The response never comes: hold the connection until the client gives up (we notice its
  // close through a read) or hang_ms passes, then reset.
  void hang(std::int64_t hang_ms) {
    stream_.expires_never();
    timer_.expires_after(std::chrono::milliseconds(hang_ms));
    timer_.async_wait([self = shared_from_this()](beast::error_code) { self->reset(); });
    stream_.socket().async_wait(
        tcp::socket::wait_read,
        [self = shared_from_this()](beast::error_code) { self->timer_.cancel(); });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.close();
  }

  beast::tcp_stream stream_;
  asio::steady_timer timer_;
  std::shared_ptr<server_shared> shared_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  bool keep_alive_ = true;
};

}  // namespace

server::server(asio::io_context& io, api& logic, webhook_sender* webhooks,
               std::int64_t idle_timeout_ms)
    : io_(io),
      acceptor_(io),
      sweep_timer_(io),
      accept_retry_timer_(io),
      shared_(std::make_shared<server_shared>(server_shared{logic, webhooks, 0, idle_timeout_ms})) {
  if (webhooks != nullptr) {
    logic.set_webhook_stats([webhooks] { return webhooks->stats_json(); });
    webhooks->on_settled([&logic](std::uint64_t delivery) { logic.webhook_settled(delivery); });
    logic.track_webhook_deliveries();
  }
}

bool server::listen(const std::string& host, std::uint16_t port, std::string& error) {
  beast::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec) {
    error = "invalid listen address '" + host + "': " + ec.message();
    return false;
  }
  tcp::endpoint endpoint(address, port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    error = "cannot listen on " + host + ":" + std::to_string(port) + ": " + ec.message();
    return false;
  }
  return true;
}

tcp::endpoint server::local_endpoint() const {
  beast::error_code ec;
  return acceptor_.local_endpoint(ec);
}

void server::start() {
  accept();
  schedule_sweep();
}

void server::stop() {
  stopped_ = true;
  beast::error_code ignored;
  acceptor_.close(ignored);
  sweep_timer_.cancel();
  accept_retry_timer_.cancel();
}

void server::accept() {
  acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (stopped_) return;
    if (ec) {
      accept_retry_timer_.expires_after(std::chrono::milliseconds(accept_retry_delay_ms));
      accept_retry_timer_.async_wait([this](beast::error_code timer_ec) {
        if (!timer_ec && !stopped_) accept();
      });
      return;
    }
    if (shared_->connections >= connections_max) {
      beast::error_code ignored;
      socket.close(ignored);  // over the bound: refuse rather than queue without limit
    } else {
      std::make_shared<session>(std::move(socket), shared_)->read();
    }
    accept();
  });
}

void server::schedule_sweep() {
  sweep_timer_.expires_after(std::chrono::milliseconds(sweep_interval_ms));
  sweep_timer_.async_wait([this](beast::error_code ec) {
    if (ec || stopped_) return;
    shared_->logic.tick();
    shared_->forward_events();
    schedule_sweep();
  });
}

}  // namespace escrowd::processor_sim
