// ledger: the facade of the actor system, the only door the HTTP layer uses. It owns the
// CAF actor system, the storage writer, the directory and the durable store, and hides
// all of them: callers submit commands and get a completion with the rendered response;
// reads are served from durable storage (never from actor memory, which may hold
// pipelined changes that are not yet durable).
// Thread affinity: every method is thread-safe; completions run on an actor thread and
// must be cheap (post the response to an I/O executor). Lifetime: the owner destroys it
// after the last submit; destruction stops the actors and closes the store.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/commands.hpp"
#include "actors/gateway_config.hpp"
#include "actors/processor_port.hpp"
#include "engine/result.hpp"
#include "storage/storage_stats.hpp"

namespace escrowd::actors {

// How the scheduler hands actors to its threads. `sharing` (one queue, idle threads sleep
// on a condition variable; escrowd's own, actors/sharing_scheduler.hpp) is the default:
// on 2 cores CAF's work stealing keeps idle threads polling other queues and yielding,
// CPU the storage writer and the I/O threads need (bench/RESULTS.md: 1.13-1.28x the
// durable transitions/s, with less CPU).
enum class scheduler_policy : std::uint8_t { sharing, stealing };

struct ledger_config {
  std::string data_dir = "./data";
  std::uint64_t map_size_bytes_max = 0;  // 0: storage's default ceiling
  unsigned scheduler_threads = 0;        // 0: one fewer than the cores, at least 1
  scheduler_policy scheduler = scheduler_policy::sharing;
  std::size_t live_actors_max = 0;                        // 0: the actors layer's default
  std::chrono::milliseconds actor_idle_timeout{0};        // 0: the actors layer's default
  std::chrono::milliseconds directory_sweep_interval{0};  // 0: the actors layer's default
  std::chrono::milliseconds review_scan_interval{0};      // 0: the actors layer's default
  std::chrono::seconds webhook_event_retention{0};        // 0: the actors layer's default
  // The payment processor (issue 6): the gateway drives top-ups and withdrawals through
  // it. Null: no gateway runs; operations stay pending, reconciliation answers 502.
  // Shared: the caller may keep it (the facade stops using it when destroyed).
  std::shared_ptr<processor_port> processor;
  gateway_config gateway;  // the gateway's bounds and timings; zeros are defaults
  // Endpoint secrets for the webhooks' Stripe-Signature (any one may match, for a secret
  // roll); empty: every webhook is refused.
  std::vector<std::string> webhook_secrets;
  std::int64_t webhook_tolerance_s = 0;  // 0: 300 s
  // Prometheus metrics (docs/metrics.md). Off: nothing is counted, the exposition is empty.
  bool metrics_enabled = true;
};

// GET /v1/ledger/verify: every balance recomputed from the journal.
struct ledger_verification {
  bool ok = true;
  std::uint64_t accounts_checked = 0;
  std::uint64_t entries_checked = 0;
  std::vector<std::string> problems;
};

// One page of an account's journal, newest first.
struct entry_page {
  struct item {
    std::uint64_t sequence = 0;  // the entry's position in the journal (its id derives from it)
    journal_entry entry;
  };
  std::vector<item> data;
  bool has_more = false;
};

class ledger {
 public:
  [[nodiscard]] static result<std::unique_ptr<ledger>> open(const ledger_config& config);
  ~ledger();
  ledger(const ledger&) = delete;
  ledger& operator=(const ledger&) = delete;

  // By rvalue reference: a command is ~500 instructions to move (strings, the principal,
  // the renderer), and it is moved once into the message to the directory, not per call.
  void submit(task_command&& command, completion done);
  void submit(account_command&& command, completion done);
  void submit(key_command command, completion done);
  // A request made of other requests (POST /v1/batch: each operation is decided by its own
  // actors, under a key derived from this request's): admitted like submit() (a replay of
  // the stored answer, 409 idempotency_key_in_use, 422 idempotency_key_reused), then `run`
  // gets the `finish` to call once with the whole answer. keep: stored under the request's
  // key in a commit of its own, and answered once durable (the operations' effects are
  // already durable under their own keys); else answered unstored, so a retry runs again.
  using composite_finish = std::function<void(rendered_response answer, bool keep)>;
  void submit_composite(request_context context, std::function<void(composite_finish)> run,
                        completion done);

  // The principal a bearer secret belongs to; nullopt for an unknown or revoked key.
  [[nodiscard]] result<std::optional<principal>> authenticate(std::string_view secret) const;
  // Moves on whenever a revocation becomes durable (before it is answered): a caller that
  // authenticated once and acts for a while (a batch) asks key_is_active only when it did.
  [[nodiscard]] std::uint64_t revocations_generation() const;
  // Whether the key `key_id` exists and is not revoked, read from the store.
  [[nodiscard]] result<bool> key_is_active(const std::string& key_id) const;
  // api.md: the first admin key comes from the operator's secret at first start. Stores
  // `secret` as an admin key only while the ledger holds no API key at all; a secret that
  // is already a key (revoked included: a revocation survives a restart with the same
  // environment) is left as it is; any other secret at a later start is not stored, so a
  // changed environment cannot mint an admin key. Blocks until durable.
  enum class admin_bootstrap : std::uint8_t { stored, already_a_key, not_first_start };
  // The id of the admin key bootstrap_admin_key stores for `secret` (for DELETE /v1/keys).
  [[nodiscard]] static std::string bootstrap_key_id(std::string_view secret);
  [[nodiscard]] result<admin_bootstrap> bootstrap_admin_key(const std::string& secret,
                                                            std::int64_t now);
  // Writable: storage has not failed (GET /readyz).
  [[nodiscard]] bool accepting_writes() const;
  // The durable store's counters (commit batches, syncs, records), for benchmarks and
  // metrics: a plain struct copied out, no storage handle.
  [[nodiscard]] storage::storage_stats storage_statistics() const;

  // GET /metrics: every metric in the Prometheus text format (empty with metrics off).
  // Reads cheap counts from storage; safe to call from any thread at any rate.
  [[nodiscard]] std::string metrics_exposition() const;
  // The same, rendered at most once per `max_age`: scrapes meanwhile share the last one (a
  // flood of unauthenticated scrapes costs one rendering per `max_age`, not one each).
  [[nodiscard]] std::shared_ptr<const std::string> recent_metrics_exposition(
      std::chrono::milliseconds max_age) const;
  // One answered HTTP request. `route` is the route template ("POST /v1/tasks/{id}/fund"),
  // never the raw path; `seconds` from the request's arrival to its response.
  void record_http_request(std::string_view route, unsigned status, double seconds);

  // ---- processor boundary (issue 6) ----
  // POST /v1/processor/webhooks (no API key; the signature authenticates). `payload` is
  // the raw body, byte for byte as received; `signature` the Stripe-Signature header
  // (empty if absent); `now` Unix seconds. Answers (never stored as idempotency records):
  //   400 webhook_signature_invalid: no/garbled header, timestamp outside the tolerance,
  //       no v1 matching a secret, or no secret configured;
  //   400 json_invalid / parameter_missing (param "id"/"type"): not a Stripe event;
  //   200 {"object":"webhook_receipt","received":true,"event":ID,"outcome":O} once
  //       handled: O is "settled" (the operation moved, the event id recorded in the same
  //       commit), "unchanged" (already in that state, e.g. the gateway's result came first),
  //       "duplicate" (event id seen before) or "ignored: <why>" (an event type that
  //       settles nothing, an object without escrowd metadata, an unknown operation, an
  //       an object that is not the operation's (amount, currency, id), a verdict contradicting a
  //       final state: reconcile);
  //   5xx (storage_failed, storage_full, timeout, ...): nothing recorded; the processor
  //       redelivers.
  void handle_webhook(std::string payload, const std::string& signature, std::int64_t now,
                      completion done);
  // GET /v1/reconciliation (admin; the caller authorizes action::reconcile). Lists the
  // processor's objects, compares them with every operation and changes nothing: the
  // clear cases (final at the processor, open here; a paid payout failed later) carry the
  // `repair` the gateway's background run applies (gateway_config::reconciliation_interval,
  // every 10 minutes by default) with outcome "repair_pending". Answers 200
  // {"object":"reconciliation","ok","operations_checked","processor_objects_checked",
  //  "processor_lists_complete","differences_total","repaired","has_more",
  //  "differences":[{"difference","object","id","account","engine_status",
  //  "processor_status","processor_id","repair","outcome"}]}; `difference` is one of
  // settled_at_processor, status_mismatch, missing_at_processor, in_progress_at_processor,
  // unknown_to_engine, duplicate_at_processor, amount_mismatch; `outcome`
  // "repair_pending" or "none" ("repaired" is always 0 here); "ok" is true only when the
  // lists were read whole and there is no difference. At most 1,000 differences, those
  // without a repair first; "has_more" when some were left out. 502 processor_error without a
  // processor, or when none of its lists could be read; 500/503 when storage cannot be
  // read. A call while a report is in progress joins it; one while a background run
  // repairs waits for that run to end, then compares.
  void reconcile(completion done);
  // POST /v1/topups/{id}/retry|cancel, POST /v1/withdrawals/{id}/retry|cancel (admin;
  // the caller authorizes action::manage_processor_operation). Idempotency as submit().
  // Answers with context.render: the operation (200) on success, or
  //   404 not_found (param "id"); 409 invalid_state_transition unless the operation is
  //   requires_reconciliation (a repeat of a done retry/cancel answers it unchanged);
  //   cancel: 409 processor_state_uncertain when the processor's records show an object
  //   for it (or no processor is configured), 502 processor_error when the processor
  //   could not be asked (not stored: retry later). A cancelled withdrawal returns its
  //   hold; a retried operation is driven again with its original processor key.
  void submit(operation_admin_command command, completion done);
  // The gateway's counters (all zero without a processor); blocks up to 10 s.
  [[nodiscard]] result<gateway_stats> processor_gateway_stats() const;

  [[nodiscard]] result<std::optional<account>> read_account(const std::string& id) const;
  [[nodiscard]] result<std::optional<task>> read_task(const std::string& id) const;
  [[nodiscard]] result<std::optional<processor_operation>> read_operation(
      processor_kind kind, const std::string& id) const;
  // `limit` is at most 100 (the API's bound); `starting_after` is a sequence.
  [[nodiscard]] result<entry_page> list_entries(const std::string& account_id, std::size_t limit,
                                                std::optional<std::uint64_t> starting_after) const;
  [[nodiscard]] result<ledger_verification> verify() const;

 private:
  struct impl;
  explicit ledger(std::unique_ptr<impl> state);
  std::unique_ptr<impl> impl_;
};

}  // namespace escrowd::actors
