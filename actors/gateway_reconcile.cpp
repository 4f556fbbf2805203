// The gateway's reconciliation runs: list the processor's PaymentIntents and Payouts of the
// run's window (created in the last reconciliation_window, or since the oldest operation
// still open) page by page (through the gateway's call queue, so the rate limit holds),
// compare every engine operation with them (reconciliation.hpp), and then, by the run's mode,
//   - report: answer every waiting caller (GET /v1/reconciliation) with the differences,
//     each repairable one marked "repair_pending". A GET is safe: it never settles anything.
//   - repair: the background run, on the gateway's own timer. It settles the clear cases
//     through the account actors (outcome "repaired", "already_settled" when something else
//     settled it first, or "repair_refused: <code>"), counts and logs what it found and
//     did, and arms the timer for the next run once it is done, so background runs never
//     overlap.
// One run at a time of either mode: a GET while a report runs joins it; a GET while a
// repair runs waits for it to end (its report would speak of repairs the GET did not ask
// for) and then a report runs; a timer that fires during a report runs the repair after
// it. The engine side is read through operation_times from the window's start, in chunks
// of reconciliation_compare_chunk operations, each from its own snapshot and in its own
// message (a point read per operation, no fsync).
#include <optional>
#include <utility>

#include "actors/gateway.hpp"
#include "actors/processor_responses.hpp"
#include "actors/reconciliation.hpp"
#include "actors/telemetry/log.hpp"
#include "actors/wall_clock.hpp"
#include "engine/error_message.hpp"

namespace escrowd::actors {

enum class reconciliation_mode : std::uint8_t { report, repair };

struct reconciliation_run {
  reconciliation_mode mode = reconciliation_mode::report;
  std::vector<completion_handle> waiting;
  reconciliation_builder builder;
  reconciliation_window window;
  processor_kind listing = processor_kind::topup;
  std::string cursor;
  std::size_t listed = 0;  // objects of the kind being listed
  bool any_page_answered = false;
  std::optional<processor_operation> compared_last;  // where the next chunk of compare starts
  reconciliation_report report;
  std::size_t repairs_out = 0;
  std::size_t repairs_refused = 0;
};

namespace {

using self_pointer = gateway_actor::stateful_pointer<gateway_state>;
using telemetry::log_level;

void start_run(self_pointer self, reconciliation_mode mode, std::vector<completion_handle> waiting);

// Metrics and one log line per background run; a line per repair too, since each changes
// the ledger without a request that an access log would show.
void record_background_run(gateway_state& state, const reconciliation_run& run,
                           const rendered_response& response) {
  auto& log = telemetry::process_logger();
  const auto& report = run.report;
  const bool completed = response.status == 200;
  using telemetry::reconciliation_outcome;
  const auto outcome = !completed                        ? reconciliation_outcome::failed
                       : report.processor_lists_complete ? reconciliation_outcome::completed
                                                         : reconciliation_outcome::incomplete;
  if (state.metrics != nullptr)
    state.metrics->record_background_reconciliation(
        outcome, completed ? report.differences_total : 0, report.repaired, run.repairs_refused);
  if (!completed) {
    log.warn("background reconciliation failed",
             {{"status", response.status}, {"answer", response.body}});
    return;
  }
  for (const auto& difference : report.differences) {
    if (!difference.repair) continue;
    log.info("background reconciliation repair", {{"object", to_string(difference.operation_kind)},
                                                  {"id", difference.operation_id},
                                                  {"account", difference.account_id},
                                                  {"engine_status", difference.engine_status},
                                                  {"processor_status", difference.processor_status},
                                                  {"repair", to_string(difference.repair->status)},
                                                  {"outcome", difference.outcome}});
  }
  // Differences left for an operator, or a list cut short, deserve a warning every run.
  const bool settled_all =
      report.processor_lists_complete && report.differences_total == report.repaired;
  log.log(
      settled_all ? (report.repaired > 0 ? log_level::info : log_level::debug) : log_level::warn,
      "background reconciliation",
      {{"operations_checked", report.operations_checked},
       {"processor_objects_checked", report.processor_objects_checked},
       {"processor_lists_complete", report.processor_lists_complete},
       {"differences", report.differences_total},
       {"repaired", report.repaired},
       {"repairs_refused", run.repairs_refused}});
}

// Ends the current run with `response` for everyone waiting, then starts what queued up.
void finish(self_pointer self, const rendered_response& response) {
  auto& state = self->state;
  auto run = std::exchange(state.reconciliation, nullptr);
  if (!run) return;
  for (auto& done : run->waiting) done.call(response);
  if (run->mode == reconciliation_mode::repair) {
    record_background_run(state, *run, response);
    ++state.stats.background_reconciliations_finished;
    schedule_background_reconciliation(self);
  }
  if (state.background_reconciliation_due) {
    state.background_reconciliation_due = false;
    return start_run(self, reconciliation_mode::repair, {});
  }
  if (!state.reports_waiting.empty())
    start_run(self, reconciliation_mode::report, std::exchange(state.reports_waiting, {}));
}

// A repair's answer: "changed", "unchanged", or the error code with its status. Unchanged
// means the gateway's own answer or a webhook settled the operation the same way after the
// comparison: not a repair, so not counted as one.
rendered_response render_repair(const operation_result& result) {
  if (result.outcome.ok()) return {200, result.changed ? "changed" : "unchanged", false, {}, {}};
  const auto& description = describe(result.outcome.code());
  return {description.http_status, std::string(description.code), false, {}, {}};
}

void repair_done(self_pointer self, const std::shared_ptr<reconciliation_run>& run,
                 std::size_t index, const rendered_response& response) {
  auto& difference = run->report.differences[index];
  if (response.status < 300 && response.body == "unchanged") {
    difference.outcome = "already_settled";
  } else if (response.status < 300) {
    difference.outcome = "repaired";
    ++run->report.repaired;
    ++self->state.stats.reconciliation_repairs_applied;
  } else {
    difference.outcome = "repair_refused: " + response.body;
    ++run->repairs_refused;
  }
  if (--run->repairs_out == 0) finish(self, reconciliation_rendered(run->report));
}

void repair(self_pointer self, const std::shared_ptr<reconciliation_run>& run) {
  auto& differences = run->report.differences;
  for (std::size_t index = 0; index < differences.size(); ++index) {
    if (!differences[index].repair) continue;
    ++run->repairs_out;
  }
  if (run->repairs_out == 0) return finish(self, reconciliation_rendered(run->report));
  for (std::size_t index = 0; index < differences.size(); ++index) {
    const auto& difference = differences[index];
    if (!difference.repair) continue;
    account_command command;
    // Pending: a parked operation the processor has not finished, driven again under its
    // key (as an admin's retry), and then by the gateway like any other.
    const bool retry = difference.repair->status == processor_status::pending;
    command.kind =
        retry ? account_command_kind::retry_operation : account_command_kind::settle_operation;
    command.account_id = difference.account_id;
    command.operation_kind = difference.operation_kind;
    command.operation_id = difference.operation_id;
    if (!retry) command.settlement = *difference.repair;
    command.context = gateway_context();
    command.context.render = render_repair;
    auto key = retry ? processor_idempotency_key(difference.operation_kind, difference.operation_id)
                     : std::string();
    self->request(self->state.directory, gateway_command_timeout, std::move(command))
        .then(
            [self, run, index, key](const rendered_response& response) {
              if (!key.empty() && response.status < 300 && response.body == "changed")
                self->send(self, kick_atom::value, key);
              repair_done(self, run, index, response);
            },
            [self, run, index](const caf::error&) {
              repair_done(self, run, index, rendered_response{504, "timeout", false, {}, {}});
            });
  }
}

void report_or_repair(self_pointer self, const std::shared_ptr<reconciliation_run>& run) {
  run->report = run->builder.finish();
  if (run->mode == reconciliation_mode::repair) return repair(self, run);
  for (auto& difference : run->report.differences)
    if (difference.repair) difference.outcome = "repair_pending";
  finish(self, reconciliation_rendered(run->report));
}

// Asks the processor, one at a time, for the objects of each operation no list showed.
void look_up_unlisted(self_pointer self, const std::shared_ptr<reconciliation_run>& run) {
  auto operation = run->builder.next_unlisted();
  if (!operation) return report_or_repair(self, run);
  const auto kind = operation->kind;
  const auto id = operation->id;
  const auto created_at = operation->created_at;
  request_find(
      self, kind, id, created_at,
      [self, run, operation = std::move(*operation)](const processor_lookup& lookup) {
        run->builder.judge_unlisted(operation, lookup);
        look_up_unlisted(self, run);
      },
      call_lane::prompt);
}

// Compares up to reconciliation_compare_chunk operations of the window from one snapshot,
// then yields to the gateway's other messages (outbox scans, webhooks, calls' answers) and
// goes on after the last one compared. The objects no operation of the window claimed are
// looked up at the end.
void compare_engine(self_pointer self, const std::shared_ptr<reconciliation_run>& run) {
  status scanned;
  {
    auto snapshot = self->state.store->snapshot();
    if (!snapshot) return finish(self, error_rendered(snapshot.failure()));
    std::size_t compared = 0;
    std::optional<processor_operation> stopped_at;
    scanned = snapshot->for_each_operation_created_since(
        run->window.judged_from,
        [&](const processor_operation& operation) {
          run->builder.compare(operation);
          if (++compared < self->state.config.reconciliation_compare_chunk) return true;
          stopped_at = operation;
          return false;
        },
        run->compared_last ? &*run->compared_last : nullptr);
    if (scanned && stopped_at) {
      run->compared_last = std::move(stopped_at);
      self->send(self, gateway_task{[self, run] { compare_engine(self, run); }});
      return;
    }
    // Objects listed within the clock margin name operations made before the window.
    for (const auto& [kind, id] : run->builder.unclaimed_operations()) {
      if (!scanned) break;
      auto operation = snapshot->get_operation(kind, id);
      if (operation)
        run->builder.compare(*operation);
      else if (operation.failure().code != error_code::not_found)
        scanned = operation.failure();
    }
  }
  if (!scanned) return finish(self, error_rendered(scanned.failure()));
  look_up_unlisted(self, run);
}

void list_next_page(self_pointer self, const std::shared_ptr<reconciliation_run>& run);

void next_kind_or_compare(self_pointer self, const std::shared_ptr<reconciliation_run>& run) {
  if (run->listing == processor_kind::topup) {
    run->listing = processor_kind::withdrawal;
    run->cursor.clear();
    run->listed = 0;
    return list_next_page(self, run);
  }
  // Nothing to compare with: a report would list no difference and read as all clear.
  if (!run->any_page_answered)
    return finish(
        self, error_rendered(rejection(error_code::processor_error, {},
                                       "The processor could not be reached to list its objects; "
                                       "nothing was compared. Retry later.")));
  compare_engine(self, run);
}

void list_next_page(self_pointer self, const std::shared_ptr<reconciliation_run>& run) {
  const auto kind = run->listing;
  const auto cursor = run->cursor;
  if (cursor.empty()) run->builder.listing_started(kind, unix_now());
  request_processor_call(
      self, "list " + std::string(to_string(kind)) + " " + cursor,
      processor_call_of(kind, port_method::list),
      [kind, cursor, since = run->window.listed_from](processor_port& port,
                                                      std::function<void(call_result)> done) {
        port.list(kind, since, cursor, reconciliation_page_size,
                  [done](processor_page page) { done(std::move(page)); });
      },
      [self, run](const call_result& result) {
        const auto& page = std::get<processor_page>(result);
        if (!page.answered) {
          run->builder.mark_lists_incomplete();
          return next_kind_or_compare(self, run);
        }
        run->any_page_answered = true;
        for (const auto& object : page.objects) run->builder.add_processor_object(object);
        run->listed += page.objects.size();
        if (page.has_more && !page.objects.empty() && run->listed < reconciliation_objects_max) {
          run->cursor = page.objects.back().id;
          return list_next_page(self, run);
        }
        if (page.has_more) run->builder.mark_lists_incomplete();
        next_kind_or_compare(self, run);
      },
      call_lane::prompt);
}

result<std::optional<std::int64_t>> oldest_open_operation(const storage::ledger_store& store) {
  auto snapshot = store.snapshot();
  if (!snapshot) return snapshot.failure();
  return snapshot->oldest_open_operation_created_at();
}

void start_run(self_pointer self, reconciliation_mode mode,
               std::vector<completion_handle> waiting) {
  auto& state = self->state;
  auto run = std::make_shared<reconciliation_run>();
  run->mode = mode;
  run->waiting = std::move(waiting);
  if (mode == reconciliation_mode::repair)
    ++state.stats.background_reconciliations_started;
  else
    ++state.stats.report_reconciliations_started;
  state.reconciliation = run;
  auto oldest_open = oldest_open_operation(*state.store);
  if (!oldest_open) return finish(self, error_rendered(oldest_open.failure()));
  run->window =
      reconciliation_window_at(unix_now(), state.config.reconciliation_window, *oldest_open);
  run->builder.use_window(run->window);
  run->builder.retry_parked_requested_since(unix_now() - state.config.key_resend_horizon.count());
  list_next_page(self, run);
}

}  // namespace

void reconcile(self_pointer self, completion_handle done) {
  auto& state = self->state;
  if (!state.reconciliation) return start_run(self, reconciliation_mode::report, {std::move(done)});
  if (state.reconciliation->mode == reconciliation_mode::report)
    return state.reconciliation->waiting.push_back(std::move(done));
  state.reports_waiting.push_back(std::move(done));
}

void reconcile_in_background(self_pointer self) {
  auto& state = self->state;
  if (state.reconciliation) {
    state.background_reconciliation_due = true;
    return;
  }
  start_run(self, reconciliation_mode::repair, {});
}

void schedule_background_reconciliation(self_pointer self) {
  const auto interval = self->state.config.reconciliation_interval;
  if (interval.count() <= 0) return;  // off
  self->delayed_send(self, interval, reconcile_atom::value);
}

}  // namespace escrowd::actors
