// A deliberately dumb HTTP/1.1 client over a raw POSIX socket, for the server tests: it sends
// exactly the bytes a test gives it (pipelined, partial, malformed) and parses responses by
// Content-Length only. Every wait is bounded so a broken server fails a test, never hangs it.
// Thread affinity: one thread per client. Lifetimes: owns its socket.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace escrowd::http::testing {

using namespace std::chrono_literals;

struct parsed_response {
  unsigned status = 0;
  std::string status_line;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // The first header with this name (ASCII case-insensitive), or nullopt.
  std::optional<std::string> header(std::string_view name) const;
};

class test_client {
 public:
  explicit test_client(std::uint16_t port);  // connects to 127.0.0.1:port
  ~test_client();

  test_client(const test_client&) = delete;
  test_client& operator=(const test_client&) = delete;

  bool connected() const { return fd_ >= 0; }
  bool send(std::string_view bytes);
  void shutdown_write();
  void close();

  // One response, or nullopt if the connection closed or the timeout passed first.
  std::optional<parsed_response> read_response(std::chrono::milliseconds timeout = 5s);
  // Exactly `size` bytes (e.g. an interim "100 Continue"), or what arrived before the timeout.
  std::string read_bytes(std::size_t size, std::chrono::milliseconds timeout = 5s);
  // true if the server closes the connection (EOF or reset) before the timeout, discarding
  // whatever it sends first; `received` gets those bytes.
  bool wait_closed(std::chrono::milliseconds timeout = 5s, std::string* received = nullptr);

 private:
  // Appends what arrives within the deadline; false on EOF, error or timeout.
  bool receive_more(std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  std::string pending_;  // received, not yet consumed
  bool peer_closed_ = false;
};

// "GET <target> HTTP/1.1" with Host and optional extra header lines (each ending in \r\n).
std::string get_request(std::string_view target, std::string_view extra_headers = {});
std::string post_request(std::string_view target, std::string_view body,
                         std::string_view extra_headers = {});

}  // namespace escrowd::http::testing
