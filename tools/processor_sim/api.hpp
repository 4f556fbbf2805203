// The simulator's request pipeline, free of sockets: authentication, fault draws,
// Idempotency-Key handling, parameter checks, route execution, response headers, webhook
// events and the /_sim inspection endpoints. A request is answered in two phases so that the
// network layer can wait between them without blocking (the `--slow` fault): prepare() does
// everything that happens before execution begins; execute() applies the effect. Between the
// two, the request's idempotency key is in flight and a concurrent request with it gets 409.
// With a state file (open_state_file), each call that changed records writes the changes
// there before it returns the answer, so the network layer never sends an unrecorded state.
//
// Thread affinity: not thread-safe. The simulator runs every call on its single I/O thread.
// Lifetime: one instance for the whole process; borrows the clock. Outlives every
// pending_call, so an io_context whose handlers may hold one is destroyed first.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "compaction_trigger.hpp"
#include "fault_plan.hpp"
#include "form_codec.hpp"
#include "http_types.hpp"
#include "idempotency_store.hpp"
#include "routes.hpp"
#include "sim_clock.hpp"
#include "sim_state.hpp"
#include "webhook_event.hpp"

namespace escrowd::processor_sim {

struct api_options {
  fault_options faults;
  std::int64_t idempotency_ttl_s = 0;
  sim_settings settings;
  std::uint64_t seed = 1;
  compaction_options state_file_compaction;
};

// A request whose execution began: its idempotency key (if any) is in flight until
// execute() saves the answer. Move-only: dropped unexecuted, on whatever path, it releases
// the key, so a retry runs afresh (nothing was applied). Must not outlive the api.
struct pending_call {
  route_match route;
  form_params params;
  std::string request_id;
  std::string idempotency_key;  // as sent; empty: none
  key_claim claim;              // not held without a key
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

// Points of a call's handling where a test may make it throw (api::set_stage_hook), as a
// failed allocation or a library error could there.
enum class call_stage {
  key_claimed,   // prepare: the Idempotency-Key (if any) is claimed, validation is next
  answer_ready,  // execute: the route ran, its answer is about to be saved under the key
  journal_line,  // commit: the changes are taken, their state-file line is being built
};

class sim_journal;

class api {
 public:
  api(const api_options& options, sim_clock& clock);
  ~api();
  api(const api&) = delete;
  api& operator=(const api&) = delete;

  // Keeps the records in `path` from now on (sim_journal.hpp), after loading what it holds:
  // call once, before the first request. The problem when the file cannot be used.
  [[nodiscard]] std::optional<std::string> open_state_file(const std::string& path);

  [[nodiscard]] prepared_call prepare(const api_request& request);
  // Saves the answer under the call's key whatever happens once the route may have run,
  // 500s included, as Stripe does: a retry replays it rather than applying the effect twice.
  [[nodiscard]] api_reply execute(pending_call call);
  // The answer the network layer gives itself, to a request it could not read whole (too
  // large, so it never reaches prepare()) or whose handling threw: `error` with the headers
  // every answer carries, Request-Id (a fresh one) above all, as every Stripe response has.
  // Counted under its status; not under requests, which counts what reached prepare().
  [[nodiscard]] api_reply network_error_reply(const stripe_error& error);

  // Settles due payouts and expires due authorizations; called periodically.
  void tick();
  // Events produced since the last call, for the webhook sender.
  [[nodiscard]] std::vector<webhook_event> take_events();
  // A delivery taken from take_events() is over (delivered, abandoned or dropped): the state
  // file forgets it. Until then a restart delivers it again (at least once, as Stripe does).
  void webhook_settled(std::uint64_t delivery);
  // There is a webhook sender that reports settled deliveries: only then does the state file
  // keep undelivered events (without one every event would cost two lines for nothing).
  void track_webhook_deliveries() { track_webhook_deliveries_ = true; }
  // Lets /_sim/stats include the webhook sender's counters.
  void set_webhook_stats(std::function<boost::json::object()> provider);

  [[nodiscard]] const api_stats& stats() const { return stats_; }

  // Test seam: `hook` runs at each call_stage and may throw. Nothing in the binary sets one.
  void set_stage_hook(std::function<void(call_stage)> hook) { stage_hook_ = std::move(hook); }

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
  // Writes what the current call changed to the state file, if there is one; every call
  // that may change records ends here, before its answer leaves.
  void commit();
  // Appends one line to the state file, then compacts the file if it has grown enough.
  void record(const boost::json::array& changes);
  // Rewrites the state file from the records in memory: the one rewrite both compaction and
  // the recovery from a failed append use.
  [[nodiscard]] bool rewrite_journal(std::string& problem);
  // True once the state file holds every record (rewriting it after a failed append).
  [[nodiscard]] bool journal_caught_up();
  [[nodiscard]] api_reply state_file_unwritable_reply() const;

  api_options options_;
  sim_clock& clock_;
  sim_state state_;
  idempotency_store idempotency_;
  fault_plan faults_;
  api_stats stats_;
  std::vector<webhook_event> events_;
  std::function<boost::json::object()> webhook_stats_;
  std::function<void(call_stage)> stage_hook_;
  // With a state file only.
  std::unique_ptr<sim_journal> journal_;
  // An append failed: memory holds records the file lacks. Until a rewrite puts them on
  // file, every request is 503, nothing runs in the background and no event goes out, so
  // nobody sees what a restart would forget.
  bool journal_behind_ = false;
  std::chrono::steady_clock::time_point journal_rewrite_tried_{};  // at most once a second
  std::uint64_t next_delivery_ = 1;
  std::vector<webhook_event> events_to_record_;         // queued since the last commit
  std::map<std::uint64_t, webhook_event> undelivered_;  // by delivery number
  std::int64_t recorded_clock_offset_ms_ = 0;
  bool track_webhook_deliveries_ = false;
};

// A reply whose body is a Stripe error envelope.
[[nodiscard]] api_reply error_reply(const stripe_error& error);

}  // namespace escrowd::processor_sim
