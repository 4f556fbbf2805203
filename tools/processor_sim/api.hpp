// The simulator's request pipeline, free of sockets: authentication, fault draws,
// Idempotency-Key handling, parameter checks, route execution, response headers, webhook
// events and the /_sim inspection endpoints. A request is answered in two phases so that the
// network layer can wait between them without blocking (the `--slow` fault): prepare() does
// everything that happens before execution begins; execute() applies the effect. Between the
// two, the request's idempotency key is in flight and a concurrent request with it gets 409.
//
// Thread affinity: not thread-safe. The simulator runs every call on its single I/O thread.
// Lifetime: one instance for the whole process; borrows the clock.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fault_plan.hpp"
#include "form_codec.hpp"
#include "http_types.hpp"
#include "idempotency_store.hpp"
#include "routes.hpp"
#include "sim_clock.hpp"
#include "sim_state.hpp"

namespace escrowd::processor_sim {

struct api_options {
  fault_options faults;
  std::int64_t idempotency_ttl_s = 0;
  sim_settings settings;
  std::uint64_t seed = 1;
};

// A signed-to-be webhook: the serialized Event. Duplicated events appear twice.
struct webhook_event {
  std::string id;
  std::string type;
  std::string body;
};

// A request whose execution began: its idempotency key (if any) is in flight.
struct pending_call {
  route_match route;
  form_params params;
  std::string request_id;
  std::string idempotency_key;    // as sent; empty: none
  std::string idempotency_scope;  // key scoped to the API key; empty: none
  std::string stripe_version;
  fault_draw faults;
};

struct prepared_call {
  std::optional<api_reply> reply;    // answer now ...
  std::optional<pending_call> call;  // ... or execute this after delay_ms
  std::int64_t delay_ms = 0;
};

struct api_stats {
  std::uint64_t requests = 0;
  std::map<int, std::uint64_t> responses_by_status;
  std::uint64_t idempotent_replays = 0;
  std::uint64_t idempotency_errors = 0;
  std::uint64_t idempotency_in_use = 0;
  std::uint64_t rate_limit = 0;
  std::uint64_t lock_timeout = 0;
  std::uint64_t fail_before_effect = 0;
  std::uint64_t fail_after_effect = 0;
  std::uint64_t drop_after_effect = 0;
  std::uint64_t slow = 0;
  std::uint64_t events_created = 0;
  std::uint64_t webhook_duplicates = 0;
};

class api {
 public:
  api(const api_options& options, sim_clock& clock);

  [[nodiscard]] prepared_call prepare(const api_request& request);
  [[nodiscard]] api_reply execute(const pending_call& call);

  // Settles due payouts and expires due authorizations; called periodically.
  void tick();
  // Events produced since the last call, for the webhook sender.
  [[nodiscard]] std::vector<webhook_event> take_events();
  // Lets /_sim/stats include the webhook sender's counters.
  void set_webhook_stats(std::function<boost::json::object()> provider);

  [[nodiscard]] const api_stats& stats() const { return stats_; }

 private:
  [[nodiscard]] prepared_call prepare_route(const api_request& request, route_match route,
                                            std::string_view query, const std::string& request_id);
  // Claims the request's Idempotency-Key for `call`; a reply when the key settles the request
  // instead (replay, mismatch, in use).
  [[nodiscard]] std::optional<api_reply> claim_key(const api_request& request,
                                                   const std::string& api_key, pending_call& call);
  [[nodiscard]] api_reply run_route(const pending_call& call);
  [[nodiscard]] api_reply inspect(const api_request& request, std::string_view path,
                                  std::string_view query, const std::string& request_id);
  [[nodiscard]] api_reply replay(const stored_response& stored);
  void queue_events(std::vector<pending_event> events, const event_origin& origin);
  [[nodiscard]] boost::json::object stats_json() const;
  // Adds the headers every answer carries and counts it.
  api_reply finish(api_reply reply, const std::string& request_id,
                   const std::string& idempotency_key, const std::string& stripe_version);

  api_options options_;
  sim_clock& clock_;
  sim_state state_;
  idempotency_store idempotency_;
  fault_plan faults_;
  api_stats stats_;
  std::vector<webhook_event> events_;
  std::function<boost::json::object()> webhook_stats_;
};

// A reply whose body is a Stripe error envelope.
[[nodiscard]] api_reply error_reply(const stripe_error& error);

}  // namespace escrowd::processor_sim
