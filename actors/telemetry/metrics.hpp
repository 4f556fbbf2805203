// metrics: escrowd's Prometheus registry and every metric family of the catalogue
// (docs/metrics.md), with typed recording methods. Label values come only from fixed
// enums, route templates and currency codes (never ids), so every label set is bounded.
// The fixed label children are resolved once (at construction or on first use, then
// cached behind an atomic pointer), so a recording call never builds a label map: a
// counter increment is one atomic add.
// Thread affinity: every method is thread-safe. Lifetime: owned by the ledger facade; the
// actors that record hold a raw pointer and stop before it is destroyed. No prometheus type
// appears in this header, so the HTTP layer can include it without prometheus-cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "engine/money.hpp"
#include "engine/processor_operation.hpp"
#include "engine/task.hpp"
#include "storage/storage_stats.hpp"

namespace escrowd::storage {
struct table_counts;
}

namespace escrowd::actors::telemetry {

// Distinct HTTP route labels kept; later ones are counted under route="other", so a caller
// that passes raw paths by mistake cannot blow up the series count.
inline constexpr std::size_t http_route_labels_max = 64;

enum class live_actor_kind : std::uint8_t { account, task };
inline constexpr std::size_t live_actor_kind_count = 2;

enum class mailbox_owner : std::uint8_t { storage_writer, directory, gateway };
inline constexpr std::size_t mailbox_owner_count = 3;

enum class idempotency_conflict : std::uint8_t {
  in_use,  // 409 idempotency_key_in_use: the first request is still in flight
  reused,  // 422 idempotency_key_reused: same key, other parameters or endpoint
};
inline constexpr std::size_t idempotency_conflict_count = 2;

// The processor API calls the gateway makes.
enum class processor_call : std::uint8_t {
  create_payment_intent,
  retrieve_payment_intent,
  list_payment_intents,
  create_payout,
  retrieve_payout,
  list_payouts,
  search_payment_intents,  // a top-up's objects by its metadata (payouts have no search)
};
inline constexpr std::size_t processor_call_count = 7;

// How one processor call ended (one attempt; a retry is another call).
enum class processor_call_outcome : std::uint8_t {
  succeeded,         // 2xx
  declined,          // 402 card_error: a definite no, never retried
  rejected,          // other 4xx except 409/429: a definite no (bad request, auth)
  conflict,          // 409 (idempotency key in use at the processor): retried
  rate_limited,      // 429: retried after Retry-After
  server_error,      // 5xx: retried, or reconciled when replayed
  timeout,           // no answer in time: outcome unknown, retried with the same key
  connection_error,  // connect/reset before an answer: retried with the same key
};
inline constexpr std::size_t processor_call_outcome_count = 8;

// The outcome label of one processor answer: `http_status` 0 means no answer arrived, then
// `timed_out` tells a timeout from a connection error.
[[nodiscard]] processor_call_outcome processor_call_outcome_of(int http_status, bool timed_out);

// The answer to one webhook delivery (ledger::handle_webhook's outcomes).
// A background reconciliation run compared everything (completed), answered with a list
// cut short so some objects went unchecked (incomplete), or could not compare at all.
enum class reconciliation_outcome : std::uint8_t { completed, incomplete, failed };

enum class webhook_outcome : std::uint8_t {
  settled,    // the operation moved, the event id recorded in the same commit
  unchanged,  // already in that state (the gateway's result came first)
  duplicate,  // an event id seen before
  ignored,    // an event that settles nothing (type, metadata, unknown operation, mismatch)
  rejected,   // 400: bad signature, stale timestamp or not a Stripe event
};
inline constexpr std::size_t webhook_outcome_count = 5;

// The money gauges of one currency, in minor units.
enum class money_gauge : std::uint8_t {
  escrow,          // held by funded, submitted and disputed tasks
  to_processor,    // withdrawals held, not yet paid out (pending_withdrawal)
  from_processor,  // top-ups requested, not yet settled (pending_topup)
};
inline constexpr std::size_t money_gauge_count = 3;

std::string_view label_of(live_actor_kind kind);
std::string_view label_of(mailbox_owner owner);
std::string_view label_of(idempotency_conflict reason);
std::string_view label_of(processor_call call);
std::string_view label_of(processor_call_outcome outcome);
std::string_view label_of(webhook_outcome outcome);

class metrics {
 public:
  metrics();
  ~metrics();
  metrics(const metrics&) = delete;
  metrics& operator=(const metrics&) = delete;

  // HTTP (the router, once per answered request). `route` is a route template such as
  // "POST /v1/tasks/{id}/fund", never a raw path.
  void record_http_request(std::string_view route, unsigned status, double seconds);

  // Idempotency-Key outcomes decided by the facade before a request runs.
  void record_idempotent_replay();
  void record_idempotency_conflict(idempotency_conflict reason);

  // A durable task transition; `from` is empty for the creation.
  void record_task_transition(std::optional<task_state> from, task_state to);
  // A durable release by a lapsed review window (also counted as a transition above).
  void record_review_window_release();
  // Set by the review timer at each scan: how long past its deadline the earliest submitted
  // task still waiting for release is (0 when none).
  void set_review_window_overdue(double seconds);
  // The ledger's clock minus the system clock (actors/ledger_clock.hpp), set at scrape.
  void set_ledger_clock_offset(double seconds);

  // Money per currency, set to the exact sum by the commit observer.
  void set_money(const currency& which, money_gauge gauge, std::int64_t minor_units);
  void set_operations_awaiting_reconciliation(processor_kind kind, std::size_t operations);

  // The storage writer, once per committed (or failed) batch.
  void record_commit_batch(std::size_t records, double seconds);

  // Actors.
  void set_live_actors(live_actor_kind kind, std::size_t live, std::size_t vacant);
  void count_actor_spawned(live_actor_kind kind);
  void set_mailbox_backlog(mailbox_owner owner, std::size_t messages);

  // The processor gateway.
  void record_processor_call(processor_call call, processor_call_outcome outcome, double seconds);
  void record_processor_retry(processor_call call);
  void record_coalesced_key();
  // An answer whose object was not the operation's (gateway_policy object_contradiction).
  void record_processor_contradiction();
  void set_outbox_oldest_age(double seconds);
  void record_webhook(webhook_outcome outcome);
  // One background reconciliation run (a GET's report-only run is not counted): how far it
  // compared, the differences it found, the repairs it applied and those refused.
  void record_background_reconciliation(reconciliation_outcome outcome, std::uint64_t differences,
                                        std::uint64_t repairs_applied,
                                        std::uint64_t repairs_refused);

  // Scrape-time values, read from cheap counts when the exposition is rendered (called by
  // the scrape hook). Cumulative storage counters advance by the difference since the
  // last scrape.
  void observe_storage_stats(const storage::storage_stats& stats);
  void observe_table_counts(const storage::table_counts& counts);
  void set_idempotency_keys_in_flight(std::size_t keys);

  // Called at the start of every exposition() to refresh the scrape-time values.
  void set_scrape_hook(std::function<void()> hook);

  // Every family in the Prometheus text format (version 0.0.4).
  [[nodiscard]] std::string exposition();

 private:
  struct families;
  std::unique_ptr<families> families_;
};

}  // namespace escrowd::actors::telemetry
