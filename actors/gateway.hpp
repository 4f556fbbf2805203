// gateway: drives the durable outbox to the payment processor (protocol: gateway_actor in
// actors.hpp). A top-up or withdrawal commits its operation and its outbox row together
// before anything is sent; the gateway then
//   - scans the outbox for due rows (and is kicked for new ones), so after a restart every
//     pending or in-flight row is driven again with its own derived key;
//   - sends each with that key through the processor port, under a concurrency bound and
//     a token-bucket rate limit; identical calls in flight are coalesced into one;
//   - settles a verdict (success, decline) through the operation's account actor, which
//     deletes the row in the same commit; a webhook may have settled it first, then the
//     settlement is a no-op;
//   - on a retryable failure stores attempts and next_attempt_at (backoff with full jitter)
//     in the row through the account actor, so a restart keeps the schedule; a decline is
//     never retried; an uncertain answer (a replayed 500) is looked up in the processor's
//     records; a replayed 500 whose operation the records keep not showing fails it (the
//     key is finished there: nothing can happen under it any more); after attempts_max,
//     or when the records do not tell, the operation is parked as requires_reconciliation;
//   - polls accepted payouts until they are paid or failed;
//   - answers admin cancels after looking the operation up at the processor, runs
//     reconciliation (gateway_reconcile.cpp): report-only for the GET, repairing on its
//     own timer every reconciliation_interval; and settles webhooks from the object the
//     processor shows when asked, not from the event (gateway_webhook.cpp).
// Every state change of an operation goes through its account actor, so balances and the
// outbox stay serialized there; the gateway holds only what is in flight.
// Thread affinity: its own handlers; port callbacks come back through the gateway_inbox.
// Lifetime: one per actor system, owned by the facade; the store and port outlive it.
#pragma once

#include <array>
#include <caf/typed_event_based_actor.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <variant>
#include <vector>

#include "actors/actors.hpp"
#include "actors/gateway_inbox.hpp"
#include "actors/gateway_policy.hpp"
#include "actors/processor_port.hpp"
#include "actors/telemetry/mailbox_backlog.hpp"
#include "actors/telemetry/metrics.hpp"
#include "storage/ledger_store.hpp"

namespace escrowd::actors {

// A row the gateway is working on (queued, in flight, waiting for its timer, settling).
struct tracked_row {
  storage::outbox_row row;
  std::string account_id;
  std::string object_id;  // the processor's object, once an answer named it
  // What was sent: an answer's object must carry the same (object_contradiction).
  std::int64_t amount = 0;
  std::string currency;
  std::chrono::milliseconds poll_delay{0};
  // Answered lookups that found nothing, while tracked (a restart counts again from 0,
  // which only asks more): send failures must not stand in for them (after_lookup).
  std::uint32_t empty_lookups = 0;
  // When the last send that could have run at the processor was answered (Unix seconds;
  // tracking starts it, as a restart cannot tell): a lagging search's empty answer means
  // nothing until its lag has passed since (wait_for_search).
  std::int64_t last_answered_at = 0;
  // The verdict being applied from the processor's own answer (settle_row), until the row
  // is forgotten: a webhook naming the same one only repeats it (confirm_webhook).
  std::optional<processor_status> settling_as;
  // A verified event confirm_webhook answered without asking the processor (the row's send
  // was under way): if the row would park or settle otherwise, that object is asked for
  // first (heed_skipped_event), so the event's word is not lost.
  struct skipped_event {
    std::string object_id;
    processor_status status = processor_status::pending;
  };
  std::optional<skipped_event> skipped;
};

using call_result = std::variant<processor_reply, processor_lookup, processor_page>;
using call_continuation = std::function<void(const call_result&)>;
// Starts one port call; the port's answer goes to the function it is given.
using call_issuer = std::function<void(processor_port&, std::function<void(call_result)>)>;

// The port method a call uses; with the operation kind it names the processor API call.
enum class port_method : std::uint8_t { send, retrieve, find, list };

[[nodiscard]] telemetry::processor_call processor_call_of(processor_kind kind, port_method method);

// Which queue a call waits in. The outbox's sends and lookups go first come first served; a
// call someone waits for, a reconciliation's pages and lookups or an admin's cancel, starts
// before any of them, so a backlog of thousands of sends after an outage (80 a second) does
// not hold it for minutes. The follow-ups of what the processor already has (polls of an
// object, webhook confirmations) take turns with the sends: behind such a backlog a paid
// payout waited for minutes to be confirmed (settled by the background reconciliation
// instead), while given the first turn they slowed the sends' drain.
enum class call_lane : std::uint8_t { outbox, follow_up, prompt };

struct queued_call {
  std::string identity;  // equal identities are one call: "send <key>", "find <kind> <id>"
  telemetry::processor_call call = telemetry::processor_call::create_payment_intent;
  call_issuer issue;
};

struct reconciliation_run;

struct gateway_state {
  std::shared_ptr<processor_port> port;
  std::shared_ptr<gateway_inbox> inbox;
  storage::ledger_store* store = nullptr;
  directory_actor directory;
  gateway_config config;
  std::unordered_map<std::string, tracked_row> rows;  // by outbox key
  std::array<std::size_t, 2> rows_of_kind{};          // rows' count by kind (rows_index)
  std::unordered_set<std::string> blocked;  // keys an admin cancel is checking; not driven
  std::unordered_map<std::string, std::vector<call_continuation>> calls;  // queued or in flight
  std::deque<queued_call> queue;                                          // call_lane::outbox
  std::deque<queued_call> prompt_queue;     // call_lane::prompt, started first
  std::deque<queued_call> follow_up_queue;  // call_lane::follow_up, in turn with `queue`
  bool follow_up_turn = false;              // both waiting: which of the two starts next
  std::size_t calls_in_flight = 0;
  std::optional<token_bucket> bucket;
  std::chrono::steady_clock::time_point paused_until{};  // after a rate-limit answer
  bool pump_timer_set = false;
  std::string scan_cursor;  // the outbox is scanned in chunks, round robin
  std::mt19937_64 random;
  gateway_stats stats;
  std::shared_ptr<reconciliation_run> reconciliation;  // the run in progress, if any
  std::vector<completion_handle> reports_waiting;      // GETs that came while a repair ran
  bool background_reconciliation_due = false;          // its timer fired while a report ran
  telemetry::metrics* metrics = nullptr;               // null: metrics off; outlives the gateway
  telemetry::mailbox_backlog_estimator backlog;
  std::int64_t outbox_oldest_created_at = 0;  // over the current pass of the scan; 0: none
  static inline const char* name = "gateway";
};

gateway_actor::behavior_type gateway(gateway_actor::stateful_pointer<gateway_state> self,
                                     std::shared_ptr<processor_port> port,
                                     std::shared_ptr<gateway_inbox> inbox,
                                     storage::ledger_store* store, directory_actor directory,
                                     gateway_config config, telemetry::metrics* metrics);

// For gateway_reconcile.cpp: queue one port call (coalesced with an identical one queued
// or in flight, in whichever lane that waits); `then` runs on the gateway when it answered.
void request_processor_call(gateway_actor::stateful_pointer<gateway_state> self,
                            std::string identity, telemetry::processor_call call, call_issuer issue,
                            call_continuation then, call_lane lane = call_lane::outbox);

// Queues a find of the objects whose metadata names the operation (coalesced with the same
// find, whoever asked); `then` runs on the gateway with the answer.
void request_find(gateway_actor::stateful_pointer<gateway_state> self, processor_kind kind,
                  const std::string& operation_id, std::int64_t created_at,
                  std::function<void(const processor_lookup&)> then,
                  call_lane lane = call_lane::outbox);

// The identity of a send of the outbox row `key` (request_processor_call).
[[nodiscard]] inline std::string send_call_identity(const std::string& key) {
  return "send " + key;
}

// Queues a retrieve of the processor's object (a poll or a webhook's confirmation, in the
// follow-up lane; coalesced with the same retrieve, whoever asked); `then` runs on the
// gateway with the answer.
void request_retrieve(gateway_actor::stateful_pointer<gateway_state> self, processor_kind kind,
                      const std::string& object_id,
                      std::function<void(const processor_lookup&)> then);

// Starts queued port calls while the concurrency bound and the token bucket allow; else
// sets a timer (resume_atom) to come back (gateway_calls.cpp).
void resume_processor_calls(gateway_actor::stateful_pointer<gateway_state> self);

// Runs a report-only reconciliation (it changes nothing) and answers `done` with its
// report; a request while a report runs joins it, one while a background run repairs
// waits for that run to end (gateway_reconcile.cpp).
void reconcile(gateway_actor::stateful_pointer<gateway_state> self, completion_handle done);

// Retrieves the object a verified webhook names and settles the operation from it
// (gateway_webhook.cpp); `done` gets the webhook's receipt.
void confirm_webhook(gateway_actor::stateful_pointer<gateway_state> self,
                     webhook_confirmation& confirmation, completion_handle& done);

// The background run's timer fired: runs a reconciliation that applies the repairs, at
// once or, when a report is running, right after it.
void reconcile_in_background(gateway_actor::stateful_pointer<gateway_state> self);

// Arms the timer of the next background run, one reconciliation_interval from now (unless
// background runs are off). Called at start and when a background run ends.
void schedule_background_reconciliation(gateway_actor::stateful_pointer<gateway_state> self);

// How long the gateway waits for an account actor's answer.
inline constexpr auto gateway_command_timeout = std::chrono::seconds(60);

// The context of the gateway's own commands: admin principal "gateway", the wall clock,
// answers rendered as the status and the error code only.
[[nodiscard]] request_context gateway_context();

}  // namespace escrowd::actors
