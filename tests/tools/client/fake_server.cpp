// fake_server: blocking Beast reads and writes, a thread per connection. Stopping shuts the
// sockets down at the OS level (shutdown(2) is safe against a thread blocked in a read), then
// joins the threads.
#include "tests/tools/client/fake_server.hpp"

#include <sys/socket.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace escrowd::client::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct fake_server::state {
  explicit state(script scripted)
      : answer(std::move(scripted)),
        acceptor(io, tcp::endpoint{asio::ip::make_address("127.0.0.1"), 0}) {}

  void serve(tcp::socket socket, std::size_t connection);
  seen_request record(const http::request<http::string_body>& incoming, std::size_t connection);

  script answer;
  asio::io_context io;
  tcp::acceptor acceptor;
  std::atomic<bool> stopping{false};
  mutable std::mutex mutex;
  std::vector<seen_request> seen;                                       // guarded by mutex
  std::map<std::pair<std::string, std::string>, std::size_t> attempts;  // guarded by mutex
  std::vector<int> open_sockets;                                        // guarded by mutex
  std::vector<std::thread> threads;                                     // guarded by mutex
  std::size_t accepted = 0;                                             // guarded by mutex
};

scripted_reply error_reply(unsigned status, const std::string& code) {
  scripted_reply reply;
  reply.status = status;
  reply.body =
      R"({"error":{"type":"invalid_request_error","code":")" + code + R"(","message":"scripted"}})";
  return reply;
}

seen_request fake_server::state::record(const http::request<http::string_body>& incoming,
                                        std::size_t connection) {
  seen_request seen_now;
  seen_now.method = std::string{incoming.method_string()};
  seen_now.target = std::string{incoming.target()};
  seen_now.body = incoming.body();
  if (auto field = incoming.find("Idempotency-Key"); field != incoming.end()) {
    seen_now.idempotency_key = std::string{field->value()};
  }
  if (auto field = incoming.find(http::field::authorization); field != incoming.end()) {
    seen_now.authorization = std::string{field->value()};
  }
  seen_now.connection = connection;
  std::lock_guard lock{mutex};
  seen_now.attempt = ++attempts[{seen_now.target, seen_now.idempotency_key}];
  seen.push_back(seen_now);
  return seen_now;
}

void fake_server::state::serve(tcp::socket socket, std::size_t connection) {
  beast::flat_buffer buffer;
  for (;;) {
    http::request<http::string_body> incoming;
    beast::error_code failure;
    http::read(socket, buffer, incoming, failure);
    if (failure || stopping) break;
    const auto reply = answer(record(incoming, connection));
    if (reply.delay.count() > 0) std::this_thread::sleep_for(reply.delay);
    if (reply.drop || stopping) break;
    http::response<http::string_body> outgoing{static_cast<http::status>(reply.status), 11};
    outgoing.set("Request-Id", "req_fake");
    outgoing.set(http::field::content_type, "application/json");
    for (const auto& [name, value] : reply.headers) outgoing.set(name, value);
    outgoing.body() = reply.body;
    outgoing.keep_alive(!reply.close_after);
    outgoing.prepare_payload();
    http::write(socket, outgoing, failure);
    if (failure || reply.close_after) break;
  }
  beast::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  // Forget the descriptor before it closes: the number may be reused at once (by the client
  // under test, in this same process), and the destructor must never shut that one down.
  std::lock_guard lock{mutex};
  std::erase(open_sockets, socket.native_handle());
}

fake_server::fake_server(script answer) : state_(std::make_shared<state>(std::move(answer))) {
  port_ = state_->acceptor.local_endpoint().port();
  accept_thread_ = std::thread{[shared = state_] {
    for (;;) {
      beast::error_code failure;
      tcp::socket socket{shared->io};
      shared->acceptor.accept(socket, failure);
      if (failure || shared->stopping) break;
      std::lock_guard lock{shared->mutex};
      const auto number = ++shared->accepted;
      shared->open_sockets.push_back(socket.native_handle());
      shared->threads.emplace_back([shared, moved = std::move(socket), number]() mutable {
        shared->serve(std::move(moved), number);
      });
    }
  }};
}

fake_server::~fake_server() {
  state_->stopping = true;
  ::shutdown(state_->acceptor.native_handle(), SHUT_RDWR);
  accept_thread_.join();
  std::vector<std::thread> threads;
  {
    std::lock_guard lock{state_->mutex};
    for (int socket : state_->open_sockets) ::shutdown(socket, SHUT_RDWR);
    threads.swap(state_->threads);
  }
  for (auto& thread : threads) thread.join();
}

std::vector<seen_request> fake_server::requests() const {
  std::lock_guard lock{state_->mutex};
  return state_->seen;
}

std::size_t fake_server::connections_accepted() const {
  std::lock_guard lock{state_->mutex};
  return state_->accepted;
}

}  // namespace escrowd::client::testing
