// processor_boundary: the facade's half that faces the payment processor. It owns the
// gateway actor (when a processor port is configured) and implements the ledger methods
// for webhooks, reconciliation and admin retry/cancel, plus the kick that lets the gateway
// send a new top-up or withdrawal at once instead of at its next outbox scan.
// Thread affinity: every method is thread-safe (called from the facade's callers).
// Lifetime: created by ledger::open after the directory and bridge; stop() before the
// actor system shuts down, destroyed with the facade.
#pragma once

#include <caf/actor_system.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "actors/actors.hpp"
#include "actors/bridge.hpp"
#include "actors/gateway_config.hpp"
#include "actors/gateway_inbox.hpp"
#include "actors/processor_port.hpp"
#include "actors/telemetry/metrics.hpp"
#include "storage/ledger_store.hpp"

namespace escrowd::actors {

struct processor_boundary_config {
  std::shared_ptr<processor_port> port;  // null: no gateway
  gateway_config gateway;
  std::vector<std::string> webhook_secrets;  // empty: every webhook is refused
  std::int64_t webhook_tolerance_s = 0;      // 0: the default (300 s)
  telemetry::metrics* metrics = nullptr;     // null: metrics off; outlives the boundary
};

class processor_boundary {
 public:
  processor_boundary(caf::actor_system& system, storage::ledger_store* store,
                     directory_actor directory, bridge* front, processor_boundary_config config);
  ~processor_boundary();
  processor_boundary(const processor_boundary&) = delete;
  processor_boundary& operator=(const processor_boundary&) = delete;

  // Closes the inbox (late port answers are dropped) and stops the gateway.
  void stop();

  // `done`, wrapped so that a durable new top-up or withdrawal kicks the gateway.
  [[nodiscard]] completion kick_after(const account_command& command, completion done);

  void handle_webhook(std::string payload, const std::string& signature, std::int64_t now,
                      completion done);
  void reconcile(completion done);
  void submit(operation_admin_command command, completion done);
  [[nodiscard]] result<gateway_stats> stats();

 private:
  // Through the bridge; after stop(), answered `timeout` at once.
  void submit_to_front(account_command command, completion done);

  storage::ledger_store* store_;
  bridge* front_;  // the facade's; null after stop()
  processor_boundary_config config_;
  std::shared_ptr<gateway_inbox> inbox_;
  gateway_actor gateway_;  // null without a port
  caf::actor_system& system_;
};

}  // namespace escrowd::actors
