// A scripted HTTP/1.1 server for the client library's tests: it records every request (with the
// connection it came on) and answers each as the test's script says: any status, headers and
// body, late, without an answer (the connection dropped), or with Connection: close.
// Thread affinity: a thread per connection plus an accept thread; the script runs on those
// threads, the accessors are safe from the test thread. Lifetimes: the destructor stops
// accepting, shuts every connection down and joins all threads.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace escrowd::client::testing {

struct seen_request {
  std::string method;
  std::string target;
  std::string body;
  std::string idempotency_key;  // empty when absent
  std::string authorization;
  std::size_t connection = 0;  // 1 for the first connection accepted
  // How many requests with this (target, idempotency key) arrived before and including this
  // one: 1 on a first attempt, 2 on its first retry. Reads count by target alone.
  std::size_t attempt = 0;
};

struct scripted_reply {
  unsigned status = 200;
  std::string body = "{}";
  std::vector<std::pair<std::string, std::string>> headers;
  std::chrono::milliseconds delay{0};  // wait this long before answering
  bool drop = false;                   // close the connection instead of answering
  bool close_after = false;            // answer with Connection: close, then close
};

// `{"error": {"type": ..., "code": <code>, "message": "..."}}` with the given status.
scripted_reply error_reply(unsigned status, const std::string& code);

class fake_server {
 public:
  using script = std::function<scripted_reply(const seen_request&)>;

  explicit fake_server(script answer);
  ~fake_server();

  fake_server(const fake_server&) = delete;
  fake_server& operator=(const fake_server&) = delete;

  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] std::vector<seen_request> requests() const;
  [[nodiscard]] std::size_t connections_accepted() const;

 private:
  struct state;
  std::shared_ptr<state> state_;
  std::uint16_t port_ = 0;
  std::thread accept_thread_;
};

}  // namespace escrowd::client::testing
