#include "tests/http/processor_client/webhook_forwarder.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <memory>

namespace escrowd::processor_client::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct exchange {
  explicit exchange(tcp::socket socket) : stream(std::move(socket)) {}
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  http::request<http::string_body> request;
  http::response<http::string_body> response;
};

tcp::acceptor bind_acceptor(asio::io_context& io, std::uint16_t port) {
  tcp::acceptor acceptor(io);
  const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port);
  acceptor.open(endpoint.protocol());
  acceptor.set_option(asio::socket_base::reuse_address(true));
  acceptor.bind(endpoint);
  acceptor.listen();
  return acceptor;
}

}  // namespace

webhook_forwarder::webhook_forwarder(handler handle, std::uint16_t port)
    : handle_(std::move(handle)), acceptor_(bind_acceptor(io_, port)) {
  port_ = acceptor_.local_endpoint().port();
  accept();
  thread_ = std::thread([this] { io_.run(); });
}

webhook_forwarder::~webhook_forwarder() {
  io_.stop();
  thread_.join();
}

std::string webhook_forwarder::url() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/v1/processor/webhooks";
}

std::vector<delivery> webhook_forwarder::deliveries() {
  std::lock_guard lock(mutex_);
  return deliveries_;
}

void webhook_forwarder::accept() {
  acceptor_.async_accept([this](beast::error_code failure, tcp::socket socket) {
    if (failure) return;
    auto ex = std::make_shared<exchange>(std::move(socket));
    http::async_read(
        ex->stream, ex->buffer, ex->request,
        [this, ex](beast::error_code read_failure, std::size_t) {
          if (read_failure) return;
          delivery received{std::string(ex->request["Stripe-Signature"]), ex->request.body()};
          {
            std::lock_guard lock(mutex_);
            deliveries_.push_back(received);
          }
          auto [status, body] = handle_(received);
          ex->response.result(static_cast<unsigned>(status));
          ex->response.version(11);
          ex->response.keep_alive(false);
          ex->response.set(http::field::content_type, "application/json");
          ex->response.body() = std::move(body);
          ex->response.prepare_payload();
          http::async_write(ex->stream, ex->response, [ex](beast::error_code, std::size_t) {
            beast::error_code ignored;
            ex->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
          });
        });
    accept();
  });
}

}  // namespace escrowd::processor_client::testing
