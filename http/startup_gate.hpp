// startup_gate: what the server answers while the ledger recovers (opening the store and
// verifying it take a while on a large store, ~20 s for 3 GB): GET /healthz is 200, since
// the process is alive, and everything else 503 not_ready with Retry-After, as /readyz
// says. Once open(api) is called every request goes to the API. Listening from the start
// keeps a liveness probe from killing a server that is only recovering.
// Thread affinity: handle() from any thread; open() once, from any thread. Lifetime: the
// handler given to open() outlives the gate's use (the server stops first).
#pragma once

#include <atomic>
#include <string_view>

#include "http/request.hpp"

namespace escrowd::http {

class startup_gate final : public request_handler {
 public:
  void open(request_handler& api) { api_.store(&api, std::memory_order_release); }

  void handle(request incoming, responder respond) override;
  void answered_by_transport(std::string_view method, std::string_view target,
                             unsigned status) override;

 private:
  std::atomic<request_handler*> api_{nullptr};
};

}  // namespace escrowd::http
