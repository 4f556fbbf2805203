// server: io_context, I/O threads, and the two-phase stop (drain, then close).
#include "http/server.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <chrono>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "http/listener.hpp"
#include "http/session.hpp"

namespace escrowd::http {
namespace {

namespace asio = boost::asio;

// After the drain deadline, sockets are closed; their operations then complete at once, so
// this is only a guard against waiting forever on a bug.
constexpr std::chrono::milliseconds close_wait_ms{1'000};

}  // namespace

struct server::impl {
  impl(server_config config, request_handler& handler)
      : context(std::move(config), handler),
        io(static_cast<int>(context.config.io_threads_count)) {}

  // Declared before `io`, so it is destroyed after it: sessions destroyed along with the
  // io_context's pending handlers still reach the context and its registry.
  session_context context;
  asio::io_context io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::shared_ptr<listener> acceptor;
  std::vector<std::thread> threads;
  bool started = false;
  bool stopped = false;

  void run_io() {
    // Handlers do not throw (the session catches at the handler boundary); if something
    // does, keep the thread serving rather than terminating the process.
    for (;;) {
      try {
        io.run();
        return;
      } catch (...) {
      }
    }
  }
};

server::server(server_config config, request_handler& handler)
    : impl_(std::make_unique<impl>(std::move(config), handler)) {}

server::~server() {
  stop();
}

result<std::uint16_t> server::start() {
  auto& state = *impl_;
  if (state.started) return error{error_code::internal, "start"};
  if (auto valid = validate(state.context.config); !valid) return valid.failure();

  boost::system::error_code failure;
  const auto address = asio::ip::make_address(state.context.config.listen_address, failure);
  if (failure) return error{error_code::parameter_invalid, "listen_address"};

  state.acceptor = std::make_shared<listener>(state.io, state.context);
  if (auto opened = state.acceptor->open({address, state.context.config.port}); !opened) {
    return opened.failure();
  }
  state.started = true;
  state.work.emplace(state.io.get_executor());
  state.acceptor->start();
  for (std::size_t index = 0; index < state.context.config.io_threads_count; ++index) {
    state.threads.emplace_back([&state] { state.run_io(); });
  }
  return state.acceptor->port();
}

void server::stop() {
  auto& state = *impl_;
  if (!state.started || state.stopped) return;
  state.stopped = true;
  const auto now = std::chrono::steady_clock::now;

  state.acceptor->stop();
  for (const auto& connection : state.context.registry.snapshot()) connection->drain();
  const bool drained =
      state.context.registry.wait_until_empty(now() + state.context.config.stop_timeout_ms);

  // From here on responders do nothing: the io_context is about to stop.
  {
    std::unique_lock lock{state.context.gate->mutex};
    state.context.gate->open = false;
  }
  if (!drained) {
    for (const auto& connection : state.context.registry.snapshot()) connection->close_now();
    (void)state.context.registry.wait_until_empty(now() + close_wait_ms);
  }
  state.work.reset();
  state.io.stop();
  for (auto& thread : state.threads) thread.join();
  state.threads.clear();
  // Sessions whose close never ran (the io_context stopped first) go now, while the
  // io_context their sockets belong to still exists.
  state.context.registry.clear();
}

}  // namespace escrowd::http
