// Plain request and reply values exchanged between the network layer (server.cpp) and the
// API logic (api.cpp), so that the logic is testable without sockets or Beast. Values only:
// no thread affinity.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace escrowd::processor_sim {

struct api_request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query, as received
  std::string authorization;
  bool has_idempotency_key = false;
  std::string idempotency_key;
  std::string stripe_version;
  std::string body;
};

// How the network layer hands a reply to the client. The faults that lose a response after
// its effect was applied use reset or hang instead of send.
enum class delivery { send, reset, hang };

struct api_reply {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  delivery how = delivery::send;
  std::int64_t hang_ms = 0;  // with delivery::hang: how long to hold the connection open

  void set_header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
  }
};

}  // namespace escrowd::processor_sim
