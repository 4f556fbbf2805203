// client: each attempt runs Beast's asynchronous operations on a private io_context until they
// finish, because tcp_stream's deadlines apply only to asynchronous operations.
#include "tools/client/client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <optional>
#include <random>
#include <stdexcept>
#include <thread>

#include "tools/client/retry_policy.hpp"
#include "tools/client/wire.hpp"

namespace escrowd::client {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct client::impl {
  explicit impl(client_config settings)
      : config(std::move(settings)),
        host_header(config.host + ":" + std::to_string(config.port)),
        stream(io),
        random(std::random_device{}()) {
    tcp::resolver resolver{io};
    endpoints = resolver.resolve(config.host, std::to_string(config.port));
    if (endpoints.empty()) throw std::runtime_error("cannot resolve " + config.host);
  }

  // One attempt: connect if needed, write, read one answer; `result` gets the answer.
  attempt_outcome attempt(const std::string& wire, api_result& result);
  void drop_connection() {
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream.close();
    connected = false;
  }

  client_config config;
  std::string host_header;
  asio::io_context io;
  tcp::resolver::results_type endpoints;
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  bool connected = false;
  std::size_t connections_opened = 0;
  std::mt19937_64 random;
};

attempt_outcome client::impl::attempt(const std::string& wire, api_result& result) {
  std::optional<http::response_parser<http::string_body>> parser;
  parser.emplace();
  parser->body_limit(config.response_body_bytes_max);
  parser->header_limit(static_cast<std::uint32_t>(defaults::response_header_bytes_max));
  beast::error_code failure;
  bool answered = false;

  auto read = [&] {
    stream.expires_after(config.request_timeout_ms);
    http::async_read(stream, buffer, *parser, [&](beast::error_code ec, std::size_t) {
      failure = ec;
      answered = !ec;
    });
  };
  auto write = [&] {
    stream.expires_after(config.request_timeout_ms);
    asio::async_write(stream, asio::buffer(wire), [&](beast::error_code ec, std::size_t) {
      if (ec) {
        failure = ec;
        return;
      }
      read();
    });
  };
  if (connected) {
    write();
  } else {
    buffer.clear();
    stream.expires_after(config.connect_timeout_ms);
    stream.async_connect(endpoints, [&](beast::error_code ec, const tcp::endpoint&) {
      if (ec) {
        failure = ec;
        return;
      }
      connected = true;
      ++connections_opened;
      stream.socket().set_option(tcp::no_delay{true});
      write();
    });
  }
  io.restart();
  io.run();

  if (!answered) {
    drop_connection();
    result.answered = false;
    result.status = 0;
    result.transport_error = failure ? failure.message() : "no answer";
    return attempt_outcome{.answered = false,
                           .timed_out = failure == beast::error::timeout,
                           .status = 0,
                           .body = {},
                           .retry_after = std::nullopt};
  }
  auto message = parser->release();
  const bool keep_alive = message.keep_alive();
  auto outcome = detail::take_response(message, result);
  if (!keep_alive) drop_connection();
  return outcome;
}

client::client(client_config config) : impl_(std::make_unique<impl>(std::move(config))) {}

client::~client() = default;

api_result client::send(api_request request) {
  if (request.is_write() && request.idempotency_key.empty()) {
    request.idempotency_key = new_idempotency_key();
  }
  const std::string wire =
      detail::render_request(request, impl_->host_header, impl_->config.api_key);
  for (unsigned attempt = 1;; ++attempt) {
    api_result result;
    const auto outcome = impl_->attempt(wire, result);
    result.attempts = attempt;
    result.idempotency_key = request.idempotency_key;
    const auto decision = decide_retry(outcome);
    if (!decision.retry || attempt > impl_->config.retries_max) return result;
    const auto delay = retry_delay(decision, attempt - 1, impl_->config, impl_->random());
    if (impl_->config.on_retry) {
      impl_->config.on_retry(retry_event{.attempt = attempt,
                                         .reason = decision.reason,
                                         .delay = delay,
                                         .idempotency_key = request.idempotency_key});
    }
    std::this_thread::sleep_for(delay);
  }
}

api_result client::get(std::string target) {
  api_request request;
  request.target = std::move(target);
  return send(std::move(request));
}

api_result client::post(std::string target, std::string body) {
  api_request request;
  request.method = "POST";
  request.target = std::move(target);
  request.body = std::move(body);
  return send(std::move(request));
}

std::size_t client::connections_opened() const {
  return impl_->connections_opened;
}

}  // namespace escrowd::client
