// The synchronous client of escrowd's v1 API, for tests and tools: one keep-alive connection,
// reopened when it breaks, and Stripe's client-library behaviour on every call: an
// idempotency key made once per logical write and reused by each of its retries, retries with
// exponential backoff and full jitter on timeouts, connection errors, 5xx, 429 (honouring
// Retry-After) and 409 `idempotency_key_in_use`, never on any other 4xx.
//
// Thread affinity: one thread at a time (it blocks that thread, sleeping between retries).
// Lifetimes: owns its connection; Beast stays behind the pimpl.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "tools/client/api_call.hpp"
#include "tools/client/client_config.hpp"

namespace escrowd::client {

class client {
 public:
  // Resolves config.host at once (an IP literal needs no lookup); connects on first use.
  explicit client(client_config config);
  ~client();

  client(const client&) = delete;
  client& operator=(const client&) = delete;

  // Runs the request to its final answer: retried as the policy allows, then the last answer
  // or, if none came, answered == false with the reason.
  api_result send(api_request request);

  api_result get(std::string target);
  api_result post(std::string target, std::string body);

  // TCP connections opened so far (keep-alive reuse shows as a small number).
  [[nodiscard]] std::size_t connections_opened() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace escrowd::client
