// stripe_client: the processor port over HTTP/1.1 with Boost.Beast, speaking Stripe's API
// (stripe_wire.hpp) to Stripe itself (https, OpenSSL through Beast's ssl_stream, the
// system's trust store, host name verification) or to escrowd-processor-sim (http).
// A bounded pool of keep-alive connections carries one request each at a time; requests
// beyond the pool wait in a bounded queue (beyond which they fail at once as retryable);
// every request has a deadline covering resolve, connect, TLS, write and read.
// Thread affinity: the port methods may be called from any thread; everything else runs
// on the client's own I/O thread, where callbacks are called. Lifetime: stop() (or the
// destructor) joins the thread; callbacks not yet called are then never called.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "actors/processor_port.hpp"
#include "engine/result.hpp"

namespace escrowd::processor_client {

class object_scan;

// Connections open at once to the processor (each carries one request at a time).
inline constexpr std::size_t connections_max_default = 8;
// Requests waiting for a connection; more fail at once as retryable ("client queue full").
inline constexpr std::size_t queued_requests_max = 10'000;
// Stripe's own libraries give up after 80 s; the gateway retries sooner with the same key.
inline constexpr auto request_timeout_default = std::chrono::milliseconds(30'000);
// A list page of 100 objects is about 200 KiB; anything far larger is not Stripe.
inline constexpr std::size_t response_body_bytes_max = 8 * 1024 * 1024;
// Stripe: searchable "in less than a minute" normally, "up to an hour behind during
// outages", which is when an operation's fate is in doubt.
inline constexpr auto search_lag_default = std::chrono::seconds(3600);

struct stripe_client_config {
  std::string url = "https://api.stripe.com";  // or the simulator's http://127.0.0.1:PORT
  std::string api_key;                         // STRIPE_API_KEY
  std::string stripe_version;                  // empty: the account's default
  std::size_t connections_max = connections_max_default;
  std::chrono::milliseconds request_timeout = request_timeout_default;
  // https only: verify the server's certificate against the system's trust store (off
  // only for a test server with a self-signed certificate).
  bool verify_certificates = true;
  // How far Stripe's Search API may lag its writes (stripe_find.hpp): a top-up's search
  // that finds nothing, where the current list is too long to read, says so only for one
  // created longer ago. 0 for a processor whose search is current (the bundled simulator).
  std::chrono::seconds search_lag = search_lag_default;
};

class stripe_client final : public actors::processor_port {
 public:
  // parameter_invalid for a bad URL or an empty API key; internal if TLS cannot be set up.
  [[nodiscard]] static result<std::shared_ptr<stripe_client>> start(stripe_client_config config);
  ~stripe_client() override;
  stripe_client(const stripe_client&) = delete;
  stripe_client& operator=(const stripe_client&) = delete;

  void send(const actors::processor_request& request, reply_callback done) override;
  void retrieve(processor_kind kind, const std::string& object_id, lookup_callback done) override;
  void find(processor_kind kind, const std::string& operation_id, std::int64_t created_at,
            lookup_callback done) override;
  void list(processor_kind kind, std::int64_t created_since, const std::string& starting_after,
            std::size_t limit, page_callback done) override;

  // Stops the I/O thread; idempotent.
  void stop();

  struct impl;

 private:
  explicit stripe_client(std::unique_ptr<impl> state);
  // Asks for the scan's next page until it is over, then calls `done`.
  static void scan_objects(impl* state, std::shared_ptr<object_scan> scan, lookup_callback done);
  std::unique_ptr<impl> impl_;
};

}  // namespace escrowd::processor_client
