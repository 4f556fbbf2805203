// Test support: an HTTPS server on 127.0.0.1 with a self-signed certificate made at start
// (RSA 2048, CN=localhost), answering every request with the same JSON body, keep-alive.
// It lets the processor client's TLS path (handshake, SNI, certificate checks, reuse of a
// TLS connection) run without the network. Counts connections and requests.
// Thread affinity: its own I/O thread; the counters may be read from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

namespace escrowd::processor_client::testing {

class tls_test_server {
 public:
  explicit tls_test_server(std::string answer_body);
  ~tls_test_server();
  tls_test_server(const tls_test_server&) = delete;
  tls_test_server& operator=(const tls_test_server&) = delete;

  [[nodiscard]] std::uint16_t port() const;
  [[nodiscard]] std::size_t connections() const;
  [[nodiscard]] std::size_t requests() const;

  struct impl;

 private:
  std::unique_ptr<impl> impl_;
};

}  // namespace escrowd::processor_client::testing
