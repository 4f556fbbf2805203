#include "actors/telemetry/metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <array>
#include <chrono>
#include <mutex>
#include <unordered_map>

#include "actors/telemetry/http_series.hpp"
#include "actors/telemetry/reconciliation_series.hpp"
#include "actors/telemetry/series_slots.hpp"
#include "storage/read_snapshot.hpp"

#ifndef ESCROWD_VERSION
#define ESCROWD_VERSION "unknown"
#endif

namespace escrowd::actors::telemetry {
namespace {

using prometheus::Counter;
using prometheus::Family;
using prometheus::Gauge;
using prometheus::Histogram;

// Task states plus "none" (before creation) as `from`; the engine numbers states 1..7.
constexpr std::size_t task_state_slots = 8;
constexpr std::size_t task_transition_slots = task_state_slots * task_state_slots;

std::size_t state_slot(std::optional<task_state> state) {
  return state ? static_cast<std::size_t>(*state) % task_state_slots : 0;
}

std::string state_label(std::optional<task_state> state) {
  return state ? std::string(to_string(*state)) : std::string("none");
}

// The transitions the engine makes (task.hpp's diagram; assign keeps the state): created
// up front so dashboards see zeros rather than missing series.
constexpr std::pair<std::optional<task_state>, task_state> known_transitions[] = {
    {std::nullopt, task_state::open},
    {task_state::open, task_state::open},
    {task_state::open, task_state::funded},
    {task_state::open, task_state::cancelled},
    {task_state::funded, task_state::funded},
    {task_state::funded, task_state::submitted},
    {task_state::funded, task_state::cancelled},
    {task_state::submitted, task_state::released},
    {task_state::submitted, task_state::disputed},
    {task_state::disputed, task_state::resolved},
};

// Batches of 1 .. storage::batch_records_max (4096) records in powers of two.
const std::vector<double>& batch_records_buckets() {
  static const std::vector<double> buckets{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096};
  return buckets;
}

// One fsync is ~200 us here; a commit of a big batch a few ms; past a second is trouble.
const std::vector<double>& commit_duration_buckets() {
  static const std::vector<double> buckets{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                           0.025,  0.05,    0.1,    0.25,  0.5,    1,     2.5};
  return buckets;
}

// The processor answers in tens of milliseconds; the client timeout is tens of seconds.
const std::vector<double>& processor_duration_buckets() {
  static const std::vector<double> buckets{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                           1,     2.5,  5,     10,   30,  80};
  return buckets;
}

Family<Counter>& counter_family(prometheus::Registry& registry, const std::string& name,
                                const std::string& help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(registry);
}

Family<Gauge>& gauge_family(prometheus::Registry& registry, const std::string& name,
                            const std::string& help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(registry);
}

Family<Histogram>& histogram_family(prometheus::Registry& registry, const std::string& name,
                                    const std::string& help) {
  return prometheus::BuildHistogram().Name(name).Help(help).Register(registry);
}

// Moves a prometheus counter forward to a cumulative count kept elsewhere.
void advance(Counter& counter, std::uint64_t now, std::uint64_t& last) {
  if (now > last) counter.Increment(static_cast<double>(now - last));
  last = now;
}

}  // namespace

struct metrics::families {
  families();

  prometheus::Registry registry;

  // Default member initializers run in declaration order: each family registers right
  // after the registry exists, in the order of docs/metrics.md.
  Family<Counter>& http_requests =
      counter_family(registry, "escrowd_http_requests_total",
                     "HTTP requests answered, by route template and status code.");
  Family<Histogram>& http_duration =
      histogram_family(registry, "escrowd_http_request_duration_seconds",
                       "Time from a request's arrival to its response, by route template.");
  http_series http{http_requests, http_duration};

  Family<Counter>& replays_family =
      counter_family(registry, "escrowd_idempotency_replays_total",
                     "Requests answered with the stored response of their Idempotency-Key.");
  Counter& idempotent_replays = replays_family.Add({});
  Family<Counter>& conflicts_family =
      counter_family(registry, "escrowd_idempotency_conflicts_total",
                     "Requests refused for their Idempotency-Key: in_use (409) or reused (422).");
  std::array<Counter*, idempotency_conflict_count> idempotency_conflicts{};
  Family<Gauge>& keys_in_flight_family =
      gauge_family(registry, "escrowd_idempotency_keys_in_flight",
                   "Idempotency keys claimed by requests that have not been answered yet.");
  Gauge& idempotency_keys_in_flight = keys_in_flight_family.Add({});

  Family<Counter>& transitions_family =
      counter_family(registry, "escrowd_task_transitions_total",
                     "Durable task transitions, by state before (none: created) and after.");
  series_slots<Counter, task_transition_slots> task_transitions{transitions_family};
  Family<Counter>& review_releases_family =
      counter_family(registry, "escrowd_review_window_releases_total",
                     "Submitted tasks released to their worker because the review window lapsed.");
  Counter& review_window_releases = review_releases_family.Add({});
  Family<Gauge>& review_overdue_family = gauge_family(
      registry, "escrowd_review_window_overdue_seconds",
      "How long past its deadline the earliest submitted task awaiting release is (0: none).");
  Gauge& review_window_overdue = review_overdue_family.Add({});
  Family<Gauge>& clock_offset_family = gauge_family(
      registry, "escrowd_ledger_clock_offset_seconds",
      "The ledger's clock minus the system clock: nonzero while a step of the system clock "
      "is absorbed.");
  Gauge& ledger_clock_offset = clock_offset_family.Add({});

  Family<Gauge>& escrow =
      gauge_family(registry, "escrowd_escrow_minor_units",
                   "Money held in escrow by funded, submitted and disputed tasks, in minor units.");
  Family<Gauge>& in_flight = gauge_family(
      registry, "escrowd_processor_in_flight_minor_units",
      "Money on its way to the processor (held withdrawals) or from it (pending top-ups).");
  std::mutex money_mutex;  // guards money
  std::unordered_map<std::uint32_t, std::array<Gauge*, money_gauge_count>> money;
  Family<Gauge>& reconciliation_family =
      gauge_family(registry, "escrowd_processor_operations_awaiting_reconciliation",
                   "Top-ups and withdrawals in requires_reconciliation: their outcome is unknown.");
  std::array<Gauge*, 2> awaiting_reconciliation{};  // by processor_kind - 1

  Family<Histogram>& batch_records_family =
      histogram_family(registry, "escrowd_storage_commit_batch_records",
                       "Records per group commit (one write transaction, one sync).");
  Histogram& batch_records = batch_records_family.Add({}, batch_records_buckets());
  Family<Histogram>& commit_duration_family = histogram_family(
      registry, "escrowd_storage_commit_duration_seconds", "Time to commit and sync one batch.");
  Histogram& commit_duration = commit_duration_family.Add({}, commit_duration_buckets());
  Family<Counter>& syncs_family = counter_family(registry, "escrowd_storage_syncs_total",
                                                 "Durable syncs (fdatasync plus meta page).");
  Counter& syncs = syncs_family.Add({});
  Family<Counter>& records_family =
      counter_family(registry, "escrowd_storage_records_total",
                     "Commit records written (applied) or refused by storage's checks.");
  Counter& records_applied = records_family.Add({{"outcome", "applied"}});
  Counter& records_rejected = records_family.Add({{"outcome", "rejected"}});
  Family<Counter>& batches_failed_family =
      counter_family(registry, "escrowd_storage_batches_failed_total",
                     "Batches lost to a failed commit (storage_full, storage_failed).");
  Counter& batches_failed = batches_failed_family.Add({});
  Family<Counter>& recoveries_family = counter_family(
      registry, "escrowd_storage_recoveries_total",
      "Sticky storage failures cleared by reopening the store (a full disk with room again).");
  Counter& recoveries = recoveries_family.Add({});
  Family<Gauge>& storage_failed_family =
      gauge_family(registry, "escrowd_storage_failed",
                   "1 while storage is sticky-failed and refuses writes, else 0.");
  Gauge& storage_failed = storage_failed_family.Add({});
  Family<Gauge>& map_size_family =
      gauge_family(registry, "escrowd_storage_map_size_bytes", "Size of the LMDB memory map.");
  Gauge& map_size = map_size_family.Add({});
  Family<Gauge>& map_used_family =
      gauge_family(registry, "escrowd_storage_map_used_bytes", "Bytes of the LMDB map in use.");
  Gauge& map_used = map_used_family.Add({});
  Family<Counter>& map_growths_family = counter_family(
      registry, "escrowd_storage_map_growths_total", "Times the LMDB map was grown.");
  Counter& map_growths = map_growths_family.Add({});
  Family<Counter>& reaped_family = counter_family(
      registry, "escrowd_storage_idempotency_reaped_total", "Expired idempotency records deleted.");
  Counter& idempotency_reaped = reaped_family.Add({});
  Family<Counter>& events_reaped_family =
      counter_family(registry, "escrowd_storage_webhook_events_reaped_total",
                     "Processed webhook events deleted after their retention.");
  Counter& webhook_events_reaped = events_reaped_family.Add({});
  std::mutex stats_mutex;  // guards last_stats
  storage::storage_stats last_stats;
  Family<Gauge>& rows_family =
      gauge_family(registry, "escrowd_ledger_rows", "Rows stored, by table.");
  Gauge& rows_accounts = rows_family.Add({{"table", "accounts"}});
  Gauge& rows_tasks = rows_family.Add({{"table", "tasks"}});
  Gauge& rows_entries = rows_family.Add({{"table", "entries"}});
  Gauge& rows_operations = rows_family.Add({{"table", "operations"}});
  Gauge& rows_idempotency = rows_family.Add({{"table", "idempotency_records"}});
  Gauge& rows_api_keys = rows_family.Add({{"table", "api_keys"}});
  Gauge& rows_webhook_events = rows_family.Add({{"table", "webhook_events"}});

  Family<Gauge>& live_family =
      gauge_family(registry, "escrowd_actors_live", "Live entity actors, by kind.");
  std::array<Gauge*, live_actor_kind_count> live_actors{};
  Family<Gauge>& vacant_family = gauge_family(
      registry, "escrowd_actors_vacant", "Retired entity actors waiting for a new id, by kind.");
  std::array<Gauge*, live_actor_kind_count> vacant_actors{};
  Family<Counter>& spawned_family = counter_family(
      registry, "escrowd_actors_spawned_total",
      "Entity actors spawned, by kind (a retired actor is reused for a new id when one waits).");
  std::array<Counter*, live_actor_kind_count> actors_spawned{};
  Family<Gauge>& backlog_family =
      gauge_family(registry, "escrowd_actor_mailbox_backlog",
                   "Messages waiting in an actor's mailbox, sampled by the actor itself.");
  std::array<Gauge*, mailbox_owner_count> mailbox_backlog{};

  Family<Counter>& calls_family = counter_family(registry, "escrowd_processor_calls_total",
                                                 "Processor API calls, by call and outcome.");
  std::array<Counter*, processor_call_count * processor_call_outcome_count> processor_calls{};
  Family<Histogram>& call_duration_family = histogram_family(
      registry, "escrowd_processor_call_duration_seconds", "Processor API call latency.");
  std::array<Histogram*, processor_call_count> processor_duration{};
  Family<Counter>& retries_family =
      counter_family(registry, "escrowd_processor_retries_total",
                     "Processor calls repeated with the same idempotency key.");
  std::array<Counter*, processor_call_count> processor_retries{};
  Family<Counter>& coalesced_family =
      counter_family(registry, "escrowd_processor_coalesced_keys_total",
                     "Calls not made because a call with the same key was in flight.");
  Counter& coalesced_keys = coalesced_family.Add({});
  Family<Counter>& contradictions_family = counter_family(
      registry, "escrowd_processor_contradictions_total",
      "Processor answers whose object was not the operation's: the operation parked.");
  Counter& contradictions = contradictions_family.Add({});
  Family<Gauge>& outbox_depth_family = gauge_family(registry, "escrowd_processor_outbox_depth",
                                                    "Outbox rows: processor calls still owed.");
  Gauge& outbox_depth = outbox_depth_family.Add({});
  Family<Gauge>& outbox_age_family =
      gauge_family(registry, "escrowd_processor_outbox_oldest_age_seconds",
                   "Age of the oldest outbox row (0 when empty).");
  Gauge& outbox_oldest_age = outbox_age_family.Add({});
  Family<Counter>& webhooks_family = counter_family(registry, "escrowd_processor_webhooks_total",
                                                    "Processor webhook deliveries, by outcome.");
  std::array<Counter*, webhook_outcome_count> webhooks{};
  reconciliation_series reconciliation{registry};

  Family<Gauge>& build_family =
      gauge_family(registry, "escrowd_build_info", "Always 1; the version label names the build.");
  Family<Gauge>& start_family = gauge_family(registry, "escrowd_start_time_seconds",
                                             "Unix time at which the metrics were created.");

  std::mutex scrape_mutex;  // one exposition at a time; guards scrape_hook
  std::function<void()> scrape_hook;
};

metrics::families::families() {
  for (std::size_t i = 0; i < idempotency_conflict_count; ++i)
    idempotency_conflicts[i] = &conflicts_family.Add(
        {{"reason", std::string(label_of(static_cast<idempotency_conflict>(i)))}});
  for (const auto& [from, to] : known_transitions)
    task_transitions.at(state_slot(from) * task_state_slots + state_slot(to), [&] {
      return prometheus::Labels{{"from", state_label(from)}, {"to", state_label(to)}};
    });
  for (auto kind : {processor_kind::topup, processor_kind::withdrawal})
    awaiting_reconciliation[static_cast<std::size_t>(kind) - 1] =
        &reconciliation_family.Add({{"kind", std::string(to_string(kind))}});
  for (std::size_t i = 0; i < live_actor_kind_count; ++i) {
    const prometheus::Labels kind{{"kind", std::string(label_of(static_cast<live_actor_kind>(i)))}};
    live_actors[i] = &live_family.Add(kind);
    vacant_actors[i] = &vacant_family.Add(kind);
    actors_spawned[i] = &spawned_family.Add(kind);
  }
  for (std::size_t i = 0; i < mailbox_owner_count; ++i)
    mailbox_backlog[i] =
        &backlog_family.Add({{"actor", std::string(label_of(static_cast<mailbox_owner>(i)))}});
  for (std::size_t i = 0; i < processor_call_count; ++i) {
    const std::string call(label_of(static_cast<processor_call>(i)));
    for (std::size_t j = 0; j < processor_call_outcome_count; ++j)
      processor_calls[i * processor_call_outcome_count + j] = &calls_family.Add(
          {{"call", call},
           {"outcome", std::string(label_of(static_cast<processor_call_outcome>(j)))}});
    processor_duration[i] =
        &call_duration_family.Add({{"call", call}}, processor_duration_buckets());
    processor_retries[i] = &retries_family.Add({{"call", call}});
  }
  for (std::size_t i = 0; i < webhook_outcome_count; ++i)
    webhooks[i] =
        &webhooks_family.Add({{"outcome", std::string(label_of(static_cast<webhook_outcome>(i)))}});
  build_family.Add({{"version", ESCROWD_VERSION}}).Set(1);
  start_family.Add({}).Set(
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count());
}

metrics::metrics() : families_(std::make_unique<families>()) {}
metrics::~metrics() = default;

void metrics::record_http_request(std::string_view route, unsigned status, double seconds) {
  families_->http.record(route, status, seconds);
}

void metrics::record_idempotent_replay() {
  families_->idempotent_replays.Increment();
}

void metrics::record_idempotency_conflict(idempotency_conflict reason) {
  families_->idempotency_conflicts[static_cast<std::size_t>(reason)]->Increment();
}

void metrics::record_task_transition(std::optional<task_state> from, task_state to) {
  families_->task_transitions
      .at(state_slot(from) * task_state_slots + state_slot(to),
          [&] {
            return prometheus::Labels{{"from", state_label(from)}, {"to", state_label(to)}};
          })
      .Increment();
}

void metrics::record_review_window_release() {
  families_->review_window_releases.Increment();
}

void metrics::set_review_window_overdue(double seconds) {
  families_->review_window_overdue.Set(seconds);
}

void metrics::set_ledger_clock_offset(double seconds) {
  families_->ledger_clock_offset.Set(seconds);
}

void metrics::set_money(const currency& which, money_gauge gauge, std::int64_t minor_units) {
  auto& state = *families_;
  std::lock_guard lock(state.money_mutex);
  auto [found, inserted] = state.money.try_emplace(which.packed());
  if (inserted) {
    const std::string code = which.str();
    found->second[static_cast<std::size_t>(money_gauge::escrow)] =
        &state.escrow.Add({{"currency", code}});
    found->second[static_cast<std::size_t>(money_gauge::to_processor)] =
        &state.in_flight.Add({{"currency", code}, {"direction", "to_processor"}});
    found->second[static_cast<std::size_t>(money_gauge::from_processor)] =
        &state.in_flight.Add({{"currency", code}, {"direction", "from_processor"}});
  }
  found->second[static_cast<std::size_t>(gauge)]->Set(static_cast<double>(minor_units));
}

void metrics::set_operations_awaiting_reconciliation(processor_kind kind, std::size_t operations) {
  const auto slot = static_cast<std::size_t>(kind) - 1;
  if (slot < families_->awaiting_reconciliation.size())
    families_->awaiting_reconciliation[slot]->Set(static_cast<double>(operations));
}

void metrics::record_commit_batch(std::size_t records, double seconds) {
  families_->batch_records.Observe(static_cast<double>(records));
  families_->commit_duration.Observe(seconds);
}

void metrics::set_live_actors(live_actor_kind kind, std::size_t live, std::size_t vacant) {
  const auto slot = static_cast<std::size_t>(kind);
  families_->live_actors[slot]->Set(static_cast<double>(live));
  families_->vacant_actors[slot]->Set(static_cast<double>(vacant));
}

void metrics::count_actor_spawned(live_actor_kind kind) {
  families_->actors_spawned[static_cast<std::size_t>(kind)]->Increment();
}

void metrics::set_mailbox_backlog(mailbox_owner owner, std::size_t messages) {
  families_->mailbox_backlog[static_cast<std::size_t>(owner)]->Set(static_cast<double>(messages));
}

void metrics::record_processor_call(processor_call call, processor_call_outcome outcome,
                                    double seconds) {
  const auto call_slot = static_cast<std::size_t>(call);
  const auto outcome_slot = static_cast<std::size_t>(outcome);
  families_->processor_calls[call_slot * processor_call_outcome_count + outcome_slot]->Increment();
  families_->processor_duration[call_slot]->Observe(seconds);
}

void metrics::record_processor_retry(processor_call call) {
  families_->processor_retries[static_cast<std::size_t>(call)]->Increment();
}

void metrics::record_coalesced_key() {
  families_->coalesced_keys.Increment();
}

void metrics::record_processor_contradiction() {
  families_->contradictions.Increment();
}

void metrics::set_outbox_oldest_age(double seconds) {
  families_->outbox_oldest_age.Set(seconds);
}

void metrics::record_webhook(webhook_outcome outcome) {
  families_->webhooks[static_cast<std::size_t>(outcome)]->Increment();
}

void metrics::record_background_reconciliation(reconciliation_outcome outcome,
                                               std::uint64_t differences,
                                               std::uint64_t repairs_applied,
                                               std::uint64_t repairs_refused) {
  families_->reconciliation.record(outcome, differences, repairs_applied, repairs_refused);
}

void metrics::observe_storage_stats(const storage::storage_stats& stats) {
  auto& state = *families_;
  std::lock_guard lock(state.stats_mutex);
  auto& last = state.last_stats;
  advance(state.syncs, stats.syncs, last.syncs);
  advance(state.records_applied, stats.records_applied, last.records_applied);
  advance(state.records_rejected, stats.records_rejected, last.records_rejected);
  advance(state.batches_failed, stats.batches_failed, last.batches_failed);
  advance(state.recoveries, stats.recoveries, last.recoveries);
  advance(state.map_growths, stats.map_growths, last.map_growths);
  advance(state.idempotency_reaped, stats.idempotency_reaped, last.idempotency_reaped);
  advance(state.webhook_events_reaped, stats.webhook_events_reaped, last.webhook_events_reaped);
  state.map_size.Set(static_cast<double>(stats.map_size_bytes));
  state.map_used.Set(static_cast<double>(stats.map_used_bytes));
  state.storage_failed.Set(stats.failed ? 1 : 0);
}

void metrics::observe_table_counts(const storage::table_counts& counts) {
  auto& state = *families_;
  state.rows_accounts.Set(static_cast<double>(counts.accounts));
  state.rows_tasks.Set(static_cast<double>(counts.tasks));
  state.rows_entries.Set(static_cast<double>(counts.entries));
  state.rows_operations.Set(static_cast<double>(counts.operations));
  state.rows_idempotency.Set(static_cast<double>(counts.idempotency_records));
  state.rows_api_keys.Set(static_cast<double>(counts.api_keys));
  state.rows_webhook_events.Set(static_cast<double>(counts.webhook_events));
  state.outbox_depth.Set(static_cast<double>(counts.outbox_rows));
}

void metrics::set_idempotency_keys_in_flight(std::size_t keys) {
  families_->idempotency_keys_in_flight.Set(static_cast<double>(keys));
}

void metrics::set_scrape_hook(std::function<void()> hook) {
  std::lock_guard lock(families_->scrape_mutex);
  families_->scrape_hook = std::move(hook);
}

std::string metrics::exposition() {
  auto& state = *families_;
  std::lock_guard lock(state.scrape_mutex);
  if (state.scrape_hook) state.scrape_hook();
  return prometheus::TextSerializer().Serialize(state.registry.Collect());
}

}  // namespace escrowd::actors::telemetry
