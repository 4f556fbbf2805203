#include "actors/ledger.hpp"

#include <algorithm>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <future>
#include <mutex>
#include <thread>

#include "actors/account_identities.hpp"
#include "actors/bridge.hpp"
#include "actors/clock_checkpoint.hpp"
#include "actors/directory.hpp"
#include "actors/idempotency_gate.hpp"
#include "actors/key_registrar.hpp"
#include "actors/limits.hpp"
#include "actors/principal_cache.hpp"
#include "actors/processor_boundary.hpp"
#include "actors/review_timer.hpp"
#include "actors/sharing_scheduler.hpp"
#include "actors/storage_writer.hpp"
#include "actors/store_reads.hpp"
#include "actors/telemetry/commit_observer.hpp"
#include "actors/telemetry/metrics.hpp"
#include "engine/id.hpp"
#include "storage/verify.hpp"

namespace escrowd::actors {

struct ledger::impl {
  // First, so they outlive every actor that records into them (null with metrics off).
  std::unique_ptr<telemetry::metrics> metrics;
  std::unique_ptr<telemetry::commit_observer> observer;
  std::unique_ptr<storage::ledger_store> store;
  std::unique_ptr<caf::actor_system_config> system_config;
  std::unique_ptr<caf::actor_system> system;
  storage_writer_ref writer;
  directory_actor directory;
  std::unique_ptr<bridge> front;  // the facade's way in to the directory
  key_registrar_actor keys;
  review_timer_actor timer;
  caf::actor clock_keeper;  // saves the ledger's clock in the data directory
  std::filesystem::path data_dir;
  idempotency_gate gate;
  struct {
    std::mutex mutex;
    std::shared_ptr<const std::string> text;  // guarded by mutex
    std::chrono::steady_clock::time_point rendered_at;
  } recent_exposition;
  principal_cache principals{authenticated_secrets_max};
  account_identities identities{account_identities_max};
  std::unique_ptr<processor_boundary> processor;  // the gateway, webhooks, reconciliation

  // Applies the request's Idempotency-Key: answers at once (replay, 409, 422) and returns
  // false, or claims the key, wraps `done` to release it, and returns true.
  bool admit(const request_context& context, completion& done);
  // Creates the metrics and loads the money gauges from storage; before the writer starts.
  status start_telemetry();
  // The scrape hook: values read from cheap counts when /metrics is rendered.
  void refresh_scrape_values();
};

status ledger::impl::start_telemetry() {
  metrics = std::make_unique<telemetry::metrics>();
  observer = std::make_unique<telemetry::commit_observer>(*metrics);
  {
    auto snapshot = store->snapshot();
    if (!snapshot) return snapshot.failure();
    if (auto loaded = observer->load(*snapshot); !loaded) return loaded;
  }
  metrics->set_scrape_hook([this] { refresh_scrape_values(); });
  return {};
}

void ledger::impl::refresh_scrape_values() {
  metrics->set_ledger_clock_offset(double(process_ledger_clock().offset_ns()) / 1e9);
  metrics->observe_storage_stats(store->stats());
  metrics->set_idempotency_keys_in_flight(gate.claims_in_flight());
  auto snapshot = store->snapshot();
  if (!snapshot) return;
  if (auto counts = snapshot->counts()) metrics->observe_table_counts(*counts);
}

bool ledger::impl::admit(const request_context& context, completion& done) {
  if (!context.idempotency) return true;
  const auto& claim = *context.idempotency;
  auto refuse = [&](error_code code) {
    done(context.render(operation_result{escrowd::error{code, {}}, {}, false}));
    return false;
  };
  if (!gate.try_claim(claim.scope, claim.key)) {
    if (metrics) metrics->record_idempotency_conflict(telemetry::idempotency_conflict::in_use);
    return refuse(error_code::idempotency_key_in_use);
  }
  auto stored = optional_row(store->get_idempotency(claim.scope, claim.key));
  if (!stored) {
    gate.release(claim.scope, claim.key);
    return refuse(stored.code());
  }
  if (*stored && (*stored)->expires_at > context.now) {
    gate.release(claim.scope, claim.key);
    const auto& record = **stored;
    auto decision = judge_stored(claim, record.fingerprint, record.endpoint,
                                 {record.status_code, record.response_body, record.request_id});
    if (decision.verdict == gate_verdict::reused) {
      if (metrics) metrics->record_idempotency_conflict(telemetry::idempotency_conflict::reused);
      return refuse(error_code::idempotency_key_reused);
    }
    if (metrics) metrics->record_idempotent_replay();
    done(rendered_response{decision.replay->status,
                           decision.replay->body,
                           true,
                           decision.replay->original_request_id,
                           {}});
    return false;
  }
  done = [this, scope = claim.scope, key = claim.key,
          next = std::move(done)](rendered_response response) {
    gate.release(scope, key);
    next(std::move(response));
  };
  return true;
}

namespace {

// One core is left to the threads outside the scheduler: the storage writer, which every
// commit passes through, and the HTTP I/O thread. On 2 cores one scheduler thread ran the
// in-process benchmarks 8-30% faster than two, with less CPU per transition
// (bench/RESULTS.md, "One scheduler thread on two cores").
unsigned default_scheduler_threads() {
  const unsigned cores = std::thread::hardware_concurrency();
  return cores > 2 ? cores - 1 : 1;
}

}  // namespace

result<std::unique_ptr<ledger>> ledger::open(const ledger_config& config) {
  storage::store_options options;
  options.data_dir = config.data_dir;
  if (config.map_size_bytes_max != 0) options.map_size_bytes_max = config.map_size_bytes_max;
  auto store = storage::ledger_store::open(options);
  if (!store) return store.failure();

  // Under the data directory's lock: this ledger alone resumes and saves its clock.
  resume_ledger_clock(config.data_dir);
  auto state = std::make_unique<impl>();
  state->store = std::move(*store);
  state->data_dir = config.data_dir;
  state->system_config = std::make_unique<caf::actor_system_config>();
  state->system_config->set("scheduler.max-threads", config.scheduler_threads != 0
                                                         ? config.scheduler_threads
                                                         : default_scheduler_threads());
  if (config.scheduler == scheduler_policy::sharing)
    use_sharing_scheduler(*state->system_config);
  else
    state->system_config->set("scheduler.policy", caf::atom("stealing"));
  state->system = std::make_unique<caf::actor_system>(*state->system_config);
  auto& system = *state->system;
  if (config.metrics_enabled) {
    if (auto started = state->start_telemetry(); !started) return started.failure();
  }
  state->writer.queue = std::make_shared<commit_queue>();
  storage_writer_settings writer_settings;
  if (config.webhook_event_retention.count() != 0)
    writer_settings.webhook_event_retention = config.webhook_event_retention;
  state->writer.actor =
      system.spawn<caf::detached>(storage_writer, state->store.get(), state->writer.queue,
                                  state->observer.get(), writer_settings);
  directory_config directory_settings;
  if (config.live_actors_max != 0) directory_settings.live_actors_max = config.live_actors_max;
  if (config.actor_idle_timeout.count() != 0)
    directory_settings.idle_timeout = config.actor_idle_timeout;
  if (config.directory_sweep_interval.count() != 0)
    directory_settings.sweep_interval = config.directory_sweep_interval;
  directory_settings.metrics = state->metrics.get();
  directory_settings.identities = &state->identities;
  state->directory = system.spawn(directory, state->store.get(), state->writer, directory_settings);
  state->front = std::make_unique<bridge>(system, state->directory,
                                          std::chrono::steady_clock::duration(request_deadline));
  state->processor = std::make_unique<processor_boundary>(
      system, state->store.get(), state->directory, state->front.get(),
      processor_boundary_config{config.processor, config.gateway, config.webhook_secrets,
                                config.webhook_tolerance_s, state->metrics.get()});
  state->keys = system.spawn(key_registrar, state->store.get(), state->writer);
  state->timer =
      system.spawn(review_timer, state->store.get(), state->directory,
                   config.review_scan_interval.count() != 0 ? config.review_scan_interval
                                                            : review_scan_interval_default,
                   state->metrics.get());
  state->clock_keeper = spawn_clock_keeper(system, state->data_dir);
  return std::unique_ptr<ledger>(new ledger(std::move(state)));
}

ledger::ledger(std::unique_ptr<impl> state) : impl_(std::move(state)) {}

ledger::~ledger() {
  // Entity actors answer everything in flight before the writer goes: stop the front
  // first, then the directory (its children follow), then the writer, then the system.
  impl_->processor->stop();  // first: late processor answers are dropped from here on
  caf::anon_send_exit(impl_->timer, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(impl_->clock_keeper, caf::exit_reason::user_shutdown);
  impl_->front->stop();
  caf::anon_send_exit(impl_->keys, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(impl_->directory, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(impl_->writer.actor, caf::exit_reason::user_shutdown);
  impl_->system->await_all_actors_done();
  // Records still queued hold their actors' handles: released while the system is there.
  impl_->writer.queue->clear();
  // A detached actor's thread ends only when its last handle is gone.
  impl_->timer = nullptr;
  impl_->clock_keeper = nullptr;
  (void)save_ledger_clock(impl_->data_dir);  // the last reading, for the next start
  impl_->keys = nullptr;
  impl_->directory = nullptr;
  impl_->writer.actor = nullptr;
  impl_->processor.reset();
  impl_->front.reset();  // after the processor boundary, which calls it; before the system
  impl_->system.reset();
  impl_->store.reset();
}

void ledger::submit(task_command&& command, completion done) {
  if (!impl_->admit(command.context, done)) return;
  impl_->front->submit(std::move(command), std::move(done));
}

void ledger::submit(account_command&& command, completion done) {
  if (!impl_->admit(command.context, done)) return;
  done = impl_->processor->kick_after(command, std::move(done));
  impl_->front->submit(std::move(command), std::move(done));
}

void ledger::submit(key_command command, completion done) {
  if (!impl_->admit(command.context, done)) return;
  if (command.kind == key_command_kind::revoke) {
    // Answered once durable (or refused): no kept principal outlives the answer.
    done = [principals = &impl_->principals, done = std::move(done)](rendered_response answer) {
      principals->forget_all();
      done(std::move(answer));
    };
  }
  caf::anon_send(impl_->keys, std::move(command), completion_handle{std::move(done)});
}

void ledger::submit_composite(request_context context, std::function<void(composite_finish)> run,
                              completion done) {
  if (!impl_->admit(context, done)) return;
  run([keys = impl_->keys, context = std::move(context), done = std::move(done)](
          rendered_response answer, bool keep) mutable {
    if (!keep || !context.idempotency) {
      done(std::move(answer));
      return;
    }
    caf::anon_send(keys, stored_answer{std::move(context), std::move(answer)},
                   completion_handle{std::move(done)});
  });
}

result<std::optional<principal>> ledger::authenticate(std::string_view secret) const {
  auto& principals = impl_->principals;
  if (auto kept = principals.find(secret)) return kept;
  const auto generation = principals.generation();
  auto stored = optional_row(impl_->store->get_api_key(storage::hash_api_key_secret(secret)));
  if (!stored) return stored.failure();
  if (!*stored || (*stored)->revoked) return std::optional<principal>{};
  principal found{(*stored)->role, std::move((*stored)->key_id), std::move((*stored)->account_id)};
  principals.keep(secret, found, generation);
  return std::optional<principal>(std::move(found));
}

std::uint64_t ledger::revocations_generation() const {
  return impl_->principals.generation();
}

result<bool> ledger::key_is_active(const std::string& key_id) const {
  auto snapshot = impl_->store->snapshot();
  if (!snapshot) return snapshot.failure();
  auto stored = optional_row(snapshot->get_api_key_by_id(key_id));
  if (!stored) return stored.failure();
  return *stored && !(*stored)->revoked;
}

// Derived from the secret's hash, so two processes bootstrapping the same secret race into
// one already_exists instead of two keys, and the operator can be told the id.
std::string ledger::bootstrap_key_id(std::string_view secret) {
  const auto hash = storage::hash_api_key_secret(secret);
  std::uint64_t high = 0;
  std::uint64_t low = 0;
  for (std::size_t i = 0; i < 8; ++i) {
    high = (high << 8) | hash[i];
    low = (low << 8) | hash[8 + i];
  }
  return make_id(key_id_prefix, high, low);
}

result<ledger::admin_bootstrap> ledger::bootstrap_admin_key(const std::string& secret,
                                                            std::int64_t now) {
  auto stored = optional_row(impl_->store->get_api_key(storage::hash_api_key_secret(secret)));
  if (!stored) return stored.failure();
  if (*stored) return admin_bootstrap::already_a_key;
  auto snapshot = impl_->store->snapshot();
  if (!snapshot) return snapshot.failure();
  auto counts = snapshot->counts();
  if (!counts) return counts.failure();
  if (counts->api_keys > 0) return admin_bootstrap::not_first_start;
  key_command command;
  command.kind = key_command_kind::create;
  command.key_id = bootstrap_key_id(secret);
  command.secret = secret;
  command.role = principal_role::admin;
  command.context.principal = principal{principal_role::admin, "bootstrap", {}};
  command.context.actor = "bootstrap";
  command.context.now = now;
  command.context.render = [](const operation_result& outcome) {
    return rendered_response{
        static_cast<std::uint16_t>(outcome.outcome.ok() ? 201 : 500),
        outcome.outcome.ok() ? std::string{} : std::string(describe(outcome.outcome.code()).code),
        false,
        {},
        {}};
  };
  std::promise<rendered_response> answered;
  auto answer = answered.get_future();
  submit(std::move(command),
         [&answered](rendered_response response) { answered.set_value(std::move(response)); });
  auto response = answer.get();
  if (response.status == 201) return admin_bootstrap::stored;
  return error{error_code::storage_failed, response.body};
}

void ledger::handle_webhook(std::string payload, const std::string& signature, std::int64_t now,
                            completion done) {
  impl_->processor->handle_webhook(std::move(payload), signature, now, std::move(done));
}

void ledger::reconcile(completion done) {
  impl_->processor->reconcile(std::move(done));
}

void ledger::submit(operation_admin_command command, completion done) {
  if (!impl_->admit(command.context, done)) return;
  impl_->processor->submit(std::move(command), std::move(done));
}

result<gateway_stats> ledger::processor_gateway_stats() const {
  return impl_->processor->stats();
}

bool ledger::accepting_writes() const {
  return !impl_->store->failed();
}

storage::storage_stats ledger::storage_statistics() const {
  return impl_->store->stats();
}

std::string ledger::metrics_exposition() const {
  return impl_->metrics ? impl_->metrics->exposition() : std::string{};
}

std::shared_ptr<const std::string> ledger::recent_metrics_exposition(
    std::chrono::milliseconds max_age) const {
  auto& recent = impl_->recent_exposition;
  const auto now = std::chrono::steady_clock::now();
  // Held while rendering: scrapes that arrive meanwhile wait for this rendering, not their own.
  std::lock_guard lock(recent.mutex);
  if (!recent.text || now - recent.rendered_at >= max_age) {
    recent.text = std::make_shared<const std::string>(metrics_exposition());
    recent.rendered_at = now;
  }
  return recent.text;
}

void ledger::record_http_request(std::string_view route, unsigned status, double seconds) {
  if (impl_->metrics) impl_->metrics->record_http_request(route, status, seconds);
}

result<std::optional<processor_operation>> ledger::read_operation(processor_kind kind,
                                                                  const std::string& id) const {
  return optional_row(impl_->store->get_operation(kind, id));
}

result<entry_page> ledger::list_entries(const std::string& account_id, std::size_t limit,
                                        std::optional<std::uint64_t> starting_after) const {
  auto snapshot = impl_->store->snapshot();
  if (!snapshot) return snapshot.failure();
  auto page = snapshot->list_account_entries(account_id, limit, starting_after);
  if (!page) return page.failure();
  entry_page listed;
  listed.has_more = page->has_more;
  listed.data.reserve(page->data.size());
  for (auto& sequenced : page->data)
    listed.data.push_back({sequenced.sequence, std::move(sequenced.entry)});
  return listed;
}

result<std::optional<account>> ledger::read_account(const std::string& id) const {
  return optional_row(impl_->store->get_account(id));
}

result<std::optional<task>> ledger::read_task(const std::string& id) const {
  return optional_row(impl_->store->get_task(id));
}

result<ledger_verification> ledger::verify() const {
  auto report = storage::verify_ledger(*impl_->store);
  if (!report) return report.failure();
  return ledger_verification{report->ok, report->accounts_checked, report->entries_checked,
                             std::move(report->problems)};
}

}  // namespace escrowd::actors
