#include "actors/gateway.hpp"

#include <algorithm>

#include "actors/store_reads.hpp"
#include "actors/telemetry/log.hpp"
#include "actors/wall_clock.hpp"

namespace escrowd::actors {
namespace {

using self_pointer = gateway_actor::stateful_pointer<gateway_state>;
using std::chrono::milliseconds;
using steady = std::chrono::steady_clock;

rendered_response render_internal(const operation_result& result) {
  const auto& description = describe(result.outcome.code());
  return {description.http_status, std::string(description.code), false, {}, {}};
}

double draw(gateway_state& state) {
  return std::uniform_real_distribution<double>(0.0, 1.0)(state.random);
}

// Whole seconds for the row's next_attempt_at, rounded up so a restart never drives a row
// earlier than its backoff said.
std::int64_t seconds_after(milliseconds delay) {
  return unix_seconds_after_ms(delay.count());
}

// ---- the life of a row --------------------------------------------------------------------

void follow(self_pointer self, const std::string& key, const gateway_step& step);

std::size_t rows_index(processor_kind kind) {
  return kind == processor_kind::topup ? 0 : 1;
}

void forget(self_pointer self, const std::string& key) {
  auto& state = self->state;
  auto found = state.rows.find(key);
  if (found == state.rows.end()) return;
  --state.rows_of_kind[rows_index(found->second.row.operation_kind)];
  state.rows.erase(found);
}

account_command command_for(account_command_kind kind, const tracked_row& tracked) {
  account_command command;
  command.kind = kind;
  command.account_id = tracked.account_id;
  command.operation_kind = tracked.row.operation_kind;
  command.operation_id = tracked.row.operation_id;
  command.context = gateway_context();
  return command;
}

// Sends a command about the row's operation to its account actor; `on_done(ok)` runs with
// whether it succeeded.
void tell_account(self_pointer self, account_command command, std::function<void(bool)> on_done) {
  self->request(self->state.directory, gateway_command_timeout, std::move(command))
      .then([on_done](const rendered_response& response) { on_done(response.status < 300); },
            [on_done](const caf::error&) { on_done(false); });
}

void look_up(self_pointer self, const std::string& key, const gateway_step& asked);
// `contradicted`: the processor answered with an object that is not the operation's.
void park_row(self_pointer self, const std::string& key, const std::string& reason,
              bool contradicted = false);

// An answer's object that is not the row's operation (object_contradiction) settles
// nothing: the operation parks for an operator. True when it did.
bool parked_on_contradiction(self_pointer self, const std::string& key,
                             const processor_object& object) {
  const auto& tracked = self->state.rows.at(key);
  auto why =
      object_contradiction(object, {tracked.row.operation_id, tracked.amount, tracked.currency});
  if (!why) return false;
  ++self->state.stats.contradictions;
  if (self->state.metrics != nullptr) self->state.metrics->record_processor_contradiction();
  telemetry::process_logger().warn("processor answer contradicts the operation",
                                   {{"key", key}, {"why", *why}});
  park_row(self, key, *why, true);
  return true;
}

void drive(self_pointer self, const std::string& key) {
  auto& state = self->state;
  const auto& tracked = state.rows.at(key);
  if (past_key_resend_horizon(tracked.row.created_at, unix_now(), state.config))
    return look_up(self, key, past_horizon_lookup());
  processor_request request{tracked.row.operation_kind, key, tracked.row.request_payload};
  ++state.stats.sends;
  request_processor_call(
      self, send_call_identity(key), processor_call_of(request.kind, port_method::send),
      [request](processor_port& port, std::function<void(call_result)> done) {
        port.send(request, [done](processor_reply reply) { done(std::move(reply)); });
      },
      [self, key](const call_result& result) {
        auto found = self->state.rows.find(key);
        if (found == self->state.rows.end()) return;
        const auto& reply = std::get<processor_reply>(result);
        auto& row = found->second;
        if (reply.kind == reply_kind::object && reply.object &&
            parked_on_contradiction(self, key, *reply.object))
          return;
        if (reply.object) row.object_id = reply.object->id;
        // A replayed failure ran nothing: the search lag counts from the request that did.
        if (!reply.failure_saved_under_key) row.last_answered_at = unix_now();
        const auto step =
            after_send(reply, row.row.attempts, self->state.config, draw(self->state));
        if (reply.kind == reply_kind::retryable) ++row.row.attempts;
        follow(self, key, step);
      });
}

void poll(self_pointer self, const std::string& key) {
  auto& state = self->state;
  const auto& tracked = state.rows.at(key);
  ++state.stats.polls;
  const auto kind = tracked.row.operation_kind;
  const auto object_id = tracked.object_id;
  request_retrieve(self, kind, object_id, [self, key, object_id](const processor_lookup& lookup) {
    if (!self->state.rows.contains(key)) return;
    if (lookup.answered && lookup.objects.size() == 1 &&
        parked_on_contradiction(self, key, lookup.objects.front()))
      return;
    follow(self, key, after_poll(lookup, object_id));
  });
}

void look_up(self_pointer self, const std::string& key, const gateway_step& asked) {
  auto& state = self->state;
  const auto& tracked = state.rows.at(key);
  ++state.stats.lookups;
  const auto kind = tracked.row.operation_kind;
  request_find(
      self, kind, tracked.row.operation_id, tracked.row.created_at,
      [self, key, asked](const processor_lookup& lookup) {
        auto found = self->state.rows.find(key);
        if (found == self->state.rows.end()) return;
        if (lookup.answered && lookup.objects.size() == 1 &&
            parked_on_contradiction(self, key, lookup.objects.front()))
          return;
        auto& looked_up = found->second;
        if (auto wait = wait_for_search(lookup, asked, looked_up.last_answered_at, unix_now()))
          return follow(self, key, *wait);
        const auto step =
            after_lookup(lookup, asked, looked_up.row.attempts, looked_up.empty_lookups,
                         self->state.config, draw(self->state));
        if (lookup.answered && lookup.objects.empty()) ++looked_up.empty_lookups;
        if (step.what == next_step::reschedule) ++looked_up.row.attempts;
        follow(self, key, step);
      });
}

void settle_row(self_pointer self, const std::string& key, const settlement& verdict) {
  auto& state = self->state;
  auto& tracked = state.rows.at(key);
  tracked.settling_as = verdict.status;
  auto command = command_for(account_command_kind::settle_operation, tracked);
  command.settlement = verdict;
  ++state.stats.settlements;
  // Whatever the answer: on success the row is gone; on a failed commit it is still in the
  // outbox and a later scan drives it again (the processor replays the same answer).
  tell_account(self, std::move(command), [self, key](bool) { forget(self, key); });
}

void park_row(self_pointer self, const std::string& key, const std::string& reason,
              bool contradicted) {
  auto& state = self->state;
  const auto& tracked = state.rows.at(key);
  auto command = command_for(account_command_kind::park_operation, tracked);
  command.reason = reason;
  command.processor_contradicted = contradicted;
  command.schedule = {tracked.row.attempts, unix_now(), false};
  ++state.stats.parked;
  tell_account(self, std::move(command), [self, key](bool) { forget(self, key); });
}

// Stores the row's schedule through the account actor, then arms the timer. A refusal
// means the operation is no longer pending (settled meanwhile): the row is done.
void persist_then_wait(self_pointer self, const std::string& key, operation_schedule schedule,
                       milliseconds delay) {
  auto& tracked = self->state.rows.at(key);
  tracked.row.next_attempt_at = schedule.next_attempt_at;
  tracked.row.state = schedule.awaiting_processor ? storage::outbox_state::in_flight
                                                  : storage::outbox_state::pending;
  auto command = command_for(account_command_kind::reschedule_operation, tracked);
  command.schedule = schedule;
  tell_account(self, std::move(command), [self, key, delay](bool stored) {
    if (!stored) return forget(self, key);
    ++self->state.stats.schedules_stored;
    self->delayed_send(self, delay, drive_atom::value, key);
  });
}

void reschedule_row(self_pointer self, const std::string& key, const gateway_step& step) {
  auto& state = self->state;
  if (step.rate_limited) {
    state.paused_until = std::max(state.paused_until, steady::now() + step.delay);
    ++state.stats.rate_limit_pauses;
  }
  ++state.stats.retries_scheduled;
  const auto& tracked = state.rows.at(key);
  if (state.metrics != nullptr)
    state.metrics->record_processor_retry(
        processor_call_of(tracked.row.operation_kind, port_method::send));
  persist_then_wait(self, key, {tracked.row.attempts, seconds_after(step.delay), false},
                    step.delay);
}

void poll_later(self_pointer self, const std::string& key, const std::string& object_id) {
  auto& tracked = self->state.rows.at(key);
  tracked.object_id = object_id;
  tracked.poll_delay = next_poll_delay(self->state.config, tracked.poll_delay);
  const auto delay = tracked.poll_delay;
  // Marked in_flight once, so a restart knows the processor has it; later polls only wait.
  if (tracked.row.state != storage::outbox_state::in_flight) {
    persist_then_wait(self, key, {tracked.row.attempts, seconds_after(delay), true}, delay);
    return;
  }
  self->delayed_send(self, delay, drive_atom::value, key);
}

// A skipped event (confirm_webhook) named an object in another final state than the row is
// about to take, or the row is about to park: the processor is asked for that object, whose
// word then decides; if it shows none, the step stands. True when it asked.
bool heed_skipped_event(self_pointer self, const std::string& key, const gateway_step& step) {
  auto& tracked = self->state.rows.at(key);
  if (!tracked.skipped) return false;
  if (step.what != next_step::park &&
      !(step.what == next_step::settle && step.verdict.status != tracked.skipped->status))
    return false;
  const auto object_id = tracked.skipped->object_id;
  tracked.skipped.reset();
  request_retrieve(self, tracked.row.operation_kind, object_id,
                   [self, key, step, object_id](const processor_lookup& lookup) {
                     if (!self->state.rows.contains(key)) return;
                     if (!lookup.answered || lookup.objects.size() != 1)
                       return follow(self, key, step);
                     if (parked_on_contradiction(self, key, lookup.objects.front())) return;
                     follow(self, key, after_poll(lookup, object_id));
                   });
  return true;
}

void follow(self_pointer self, const std::string& key, const gateway_step& step) {
  if (heed_skipped_event(self, key, step)) return;
  switch (step.what) {
    case next_step::settle:
      return settle_row(self, key, step.verdict);
    case next_step::poll:
      return poll_later(self, key, step.object_id);
    case next_step::reschedule:
      return reschedule_row(self, key, step);
    case next_step::look_up:
      return look_up(self, key, step);
    case next_step::park:
      return park_row(self, key, step.reason);
  }
}

// A backoff or poll timer fired. A webhook may have settled the operation meanwhile: the
// outbox says whether the row is still there.
void on_timer(self_pointer self, const std::string& key) {
  auto& state = self->state;
  auto found = state.rows.find(key);
  if (found == state.rows.end()) return;
  {
    auto snapshot = state.store->snapshot();
    if (!snapshot) return forget(self, key);  // a later scan finds it again
    auto stored = optional_row(snapshot->get_outbox(key));
    if (!stored || !*stored || (*stored)->state == storage::outbox_state::parked)
      return forget(self, key);
    found->second.row = std::move(**stored);
  }
  if (found->second.object_id.empty())
    drive(self, key);
  else
    poll(self, key);
}

// ---- finding rows to drive ----------------------------------------------------------------

bool may_track(const gateway_state& state, const std::string& key) {
  return !state.rows.contains(key) && !state.blocked.contains(key);
}

// Tracks the row if its operation is pending and its kind has room (half the rows each);
// returns whether it did.
bool track(gateway_state& state, const storage::read_snapshot& snapshot,
           const storage::outbox_row& row) {
  auto& of_kind = state.rows_of_kind[rows_index(row.operation_kind)];
  if (of_kind >= std::max<std::size_t>(1, state.config.rows_tracked_max / 2)) return false;
  auto operation = snapshot.get_operation(row.operation_kind, row.operation_id);
  if (!operation || operation->status != processor_status::pending) return false;
  auto& tracked = state.rows[row.key];
  tracked.row = row;
  tracked.account_id = operation->account_id;
  tracked.amount = operation->amount;
  tracked.currency = operation->currency.str();
  tracked.last_answered_at = unix_now();
  ++of_kind;
  return true;
}

// The outbox's oldest row, over a whole pass of the scan (parked rows too), reported when
// the pass ends: the scan reads every row anyway, so the gauge costs no extra read.
void note_oldest_row(gateway_state& state, const std::vector<storage::outbox_row>& rows,
                     bool pass_starts, bool pass_ends, std::int64_t now) {
  if (pass_starts) state.outbox_oldest_created_at = 0;
  for (const auto& row : rows) {
    if (state.outbox_oldest_created_at == 0 || row.created_at < state.outbox_oldest_created_at)
      state.outbox_oldest_created_at = row.created_at;
  }
  if (!pass_ends || state.metrics == nullptr) return;
  const auto oldest = state.outbox_oldest_created_at;
  state.metrics->set_outbox_oldest_age(
      oldest == 0 ? 0.0 : double(std::max<std::int64_t>(0, now - oldest)));
}

void scan(self_pointer self) {
  auto& state = self->state;
  const std::int64_t now = unix_now();
  std::vector<std::string> tracked;
  {
    auto snapshot = state.store->snapshot();
    if (!snapshot) return;
    auto page = snapshot->list_outbox(state.scan_cursor, outbox_rows_per_scan_max);
    if (!page) return;
    const bool pass_starts = state.scan_cursor.empty();
    state.scan_cursor = page->next_key;
    note_oldest_row(state, page->data, pass_starts, state.scan_cursor.empty(), now);
    for (const auto& row : page->data) {
      if (row.state == storage::outbox_state::parked || row.next_attempt_at > now) continue;
      if (!may_track(state, row.key)) continue;
      if (track(state, *snapshot, row)) tracked.push_back(row.key);
    }
  }
  for (const auto& key : tracked) drive(self, key);
}

void kick(self_pointer self, const std::string& key) {
  auto& state = self->state;
  if (!may_track(state, key)) return;
  bool tracked = false;
  {
    auto snapshot = state.store->snapshot();
    if (!snapshot) return;
    auto row = snapshot->get_outbox(key);
    if (!row || row->state == storage::outbox_state::parked) return;
    tracked = track(state, *snapshot, *row);
  }
  if (tracked) drive(self, key);
}

// ---- admin cancel ---------------------------------------------------------------------------

void cancel(self_pointer self, operation_cancel_request& request, completion_handle& done) {
  auto& state = self->state;
  auto stored = optional_row(state.store->get_operation(request.kind, request.operation_id));
  if (!stored) return done.call(request.context.render({stored.failure(), {}, false}));
  if (!*stored)
    return done.call(request.context.render({error{error_code::not_found, "id"}, {}, false}));
  const auto& operation = **stored;
  account_command command;
  command.kind = account_command_kind::cancel_operation;
  command.account_id = operation.account_id;
  command.operation_kind = operation.kind;
  command.operation_id = operation.id;
  command.context = std::move(request.context);
  auto answer = [self, done](account_command decided) {
    auto render = decided.context.render;
    self->request(self->state.directory, gateway_command_timeout, std::move(decided))
        .then([done](const rendered_response& response) { done.call(response); },
              [done, render](const caf::error&) {
                done.call(render({error{error_code::timeout, {}}, {}, false}));
              });
  };
  const auto key = processor_idempotency_key(operation);
  // Only a parked operation needs the processor's word; the account actor answers the rest
  // (unchanged for a cancelled one, invalid_state_transition otherwise).
  if (operation.status != processor_status::requires_reconciliation || state.rows.contains(key))
    return answer(std::move(command));
  state.blocked.insert(key);
  ++state.stats.lookups;
  request_find(
      self, operation.kind, operation.id, operation.created_at,
      [self, key, done, answer, command,
       parked_at = operation.updated_at](const processor_lookup& lookup) mutable {
        self->state.blocked.erase(key);
        if (!lookup.answered) {
          // Not stored under the request's key (a 5xx): the admin retries later.
          return done.call(
              command.context.render({error{error_code::processor_error, {}}, {}, false}));
        }
        // Parking ends its requests: a search lagging less than since then would show them.
        command.processor_shows_nothing =
            lookup.objects.empty() && absence_is_current(lookup, parked_at, unix_now());
        answer(std::move(command));
      },
      call_lane::prompt);
}

gateway_stats current_stats(const gateway_state& state) {
  auto stats = state.stats;
  stats.rows_tracked = state.rows.size();
  stats.calls_queued =
      state.queue.size() + state.prompt_queue.size() + state.follow_up_queue.size();
  stats.calls_in_flight = state.calls_in_flight;
  return stats;
}

}  // namespace

request_context gateway_context() {
  request_context context;
  context.principal = {principal_role::admin, "gateway", {}};
  context.actor = "gateway";
  context.now = unix_now();
  context.render = render_internal;
  return context;
}

gateway_actor::behavior_type gateway(self_pointer self, std::shared_ptr<processor_port> port,
                                     std::shared_ptr<gateway_inbox> inbox,
                                     storage::ledger_store* store, directory_actor directory,
                                     gateway_config config, telemetry::metrics* metrics) {
  auto& state = self->state;
  state.metrics = metrics;
  state.port = std::move(port);
  state.inbox = std::move(inbox);
  state.inbox->open(caf::actor_cast<gateway_actor>(self));
  state.store = store;
  state.directory = std::move(directory);
  state.config = with_defaults(config);
  state.bucket.emplace(state.config.calls_per_second, state.config.calls_burst, steady::now());
  state.random.seed(state.config.random_seed != 0
                        ? state.config.random_seed
                        : static_cast<std::uint64_t>(steady::now().time_since_epoch().count()));
  self->send(self, sweep_atom::value);
  schedule_background_reconciliation(self);
  return {
      [=](sweep_atom) {
        auto& current = self->state;
        const auto now = steady::now();
        const auto backlog = current.backlog.timer_fired(now);
        if (current.metrics != nullptr)
          current.metrics->set_mailbox_backlog(telemetry::mailbox_owner::gateway, backlog);
        scan(self);
        current.backlog.timer_armed(now, current.config.outbox_scan_interval);
        self->delayed_send(self, current.config.outbox_scan_interval, sweep_atom::value);
      },
      [=](kick_atom, const std::string& key) {
        self->state.backlog.handled();
        kick(self, key);
      },
      [=](drive_atom, const std::string& key) {
        self->state.backlog.handled();
        on_timer(self, key);
      },
      [=](resume_atom) {
        self->state.backlog.handled();
        self->state.pump_timer_set = false;
        resume_processor_calls(self);
      },
      [=](gateway_task& task) {
        self->state.backlog.handled();
        task.run();
      },
      [=](operation_cancel_request& request, completion_handle& done) {
        cancel(self, request, done);
      },
      [=](webhook_confirmation& confirmation, completion_handle& done) {
        confirm_webhook(self, confirmation, done);
      },
      [=](reconcile_atom, completion_handle& done) { reconcile(self, std::move(done)); },
      [=](reconcile_atom) { reconcile_in_background(self); },
      [=](stats_atom) { return current_stats(self->state); },
  };
}

}  // namespace escrowd::actors
