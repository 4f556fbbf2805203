// Fixtures for the server tests: a server on 127.0.0.1 with an OS-chosen port, and two
// handlers. echo_handler answers at once on the I/O thread with what it saw; deferred_handler
// parks every request so the test decides when, in which order and from which thread each
// one is answered (out-of-order completion, answers after disconnect or stop).
// Thread affinity: handlers are called on I/O threads; the deferred handler's accessors are
// safe from the test thread. Lifetimes: declare the handler before the server.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "http/request.hpp"
#include "http/server.hpp"
#include "http/server_config.hpp"

namespace escrowd::http::testing {

// Body: "<method> <target> <body>"; header Seen-Request-Id: the id the handler was given.
class echo_handler final : public request_handler {
 public:
  void handle(request incoming, responder respond) override {
    response answer;
    answer.content_type = "text/plain";
    answer.body = incoming.method + " " + incoming.target + " " + incoming.body;
    answer.headers.emplace_back("Seen-Request-Id", incoming.request_id);
    respond(std::move(answer));
  }
};

class deferred_handler final : public request_handler {
 public:
  struct parked {
    request incoming;
    responder respond;
  };

  void handle(request incoming, responder respond) override {
    std::lock_guard lock{mutex_};
    parked_.push_back(parked{std::move(incoming), std::move(respond)});
    arrived_.notify_all();
  }

  // Waits until at least `count` requests arrived; false on timeout.
  bool wait_for(std::size_t count, std::chrono::milliseconds timeout = std::chrono::seconds{5}) {
    std::unique_lock lock{mutex_};
    return arrived_.wait_for(lock, timeout, [&] { return parked_.size() >= count; });
  }

  std::size_t count() {
    std::lock_guard lock{mutex_};
    return parked_.size();
  }

  // Drops the handler's copy of a responder, as a buggy handler would.
  void forget(std::size_t index) {
    std::lock_guard lock{mutex_};
    parked_.at(index).respond = responder{nullptr};
  }

  parked take(std::size_t index) {
    std::lock_guard lock{mutex_};
    return parked_.at(index);
  }

 private:
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::vector<parked> parked_;  // guarded by mutex_
};

inline response text_response(std::string body) {
  response answer;
  answer.content_type = "text/plain";
  answer.body = std::move(body);
  return answer;
}

// Short deadlines so timeout tests are quick; the defaults otherwise.
inline server_config test_config() {
  server_config config;
  config.port = 0;
  config.io_threads_count = 2;  // two, so cross-thread races show up under TSan
  config.linger_timeout_ms = std::chrono::milliseconds{200};
  config.stop_timeout_ms = std::chrono::milliseconds{2'000};
  return config;
}

// Starts a server or fails the test.
inline std::uint16_t start_or_fail(server& instance) {
  auto port = instance.start();
  EXPECT_TRUE(port.has_value());
  return port.has_value() ? *port : std::uint16_t{0};
}

}  // namespace escrowd::http::testing
