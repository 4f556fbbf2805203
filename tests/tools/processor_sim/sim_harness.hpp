// Test support for the processor simulator's integration tests: start the real binary on
// port 0 and read its port (killed on destruction, even when a test fails), a small HTTP
// client with timeouts over Beast, and a webhook receiver that records what it is sent.
// Thread affinity: sim_process and http_client belong to the test thread; webhook_receiver
// runs its own thread and is safe to query from the test thread.
#pragma once

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace escrowd::processor_sim::testing {

class sim_process {
 public:
  explicit sim_process(const std::vector<std::string>& args);
  ~sim_process();
  sim_process(const sim_process&) = delete;
  sim_process& operator=(const sim_process&) = delete;

  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] pid_t pid() const { return pid_; }
  // SIGTERM and wait; the exit status (0 for a clean, leak-free exit), or -1 if killed.
  int stop();
  // SIGKILL and reap: a crash at an arbitrary point.
  void kill_hard();

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::uint16_t port_ = 0;
  std::optional<int> exit_status_;
};

struct http_result {
  bool answered = false;  // false: the connection failed, was reset or timed out
  std::string error;
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;

  [[nodiscard]] std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
  [[nodiscard]] boost::json::value json() const;
};

// One keep-alive connection, reopened after any failure.
class http_client {
 public:
  explicit http_client(std::uint16_t port) : port_(port), stream_(io_) {}

  http_result request(const std::string& method, const std::string& target,
                      const std::string& body = {},
                      const std::vector<std::pair<std::string, std::string>>& headers = {},
                      std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // POST a form with the test API key and, when given, an Idempotency-Key.
  http_result post(const std::string& target, const std::string& form,
                   const std::string& idempotency_key = {});
  http_result get(const std::string& target);

 private:
  std::uint16_t port_;
  boost::asio::io_context io_;
  boost::beast::tcp_stream stream_;
  bool connected_ = false;
};

struct received_webhook {
  std::string signature;
  std::string body;
};

// Answers each webhook with respond(n) (n counts from 0), 200 by default.
class webhook_receiver {
 public:
  explicit webhook_receiver(std::function<int(std::size_t)> respond = {});
  ~webhook_receiver();

  [[nodiscard]] std::uint16_t port() const { return port_; }
  // Waits until at least `count` webhooks arrived (or the timeout passed) and returns them all.
  std::vector<received_webhook> wait_for(std::size_t count, std::chrono::milliseconds timeout);

 private:
  void accept();

  std::function<int(std::size_t)> respond_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::vector<received_webhook> received_;
  std::size_t attempts_ = 0;
  std::thread thread_;
};

}  // namespace escrowd::processor_sim::testing
