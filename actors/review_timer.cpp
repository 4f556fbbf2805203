#include "actors/review_timer.hpp"

#include <algorithm>

#include "actors/limits.hpp"
#include "actors/reply.hpp"
#include "actors/telemetry/metrics.hpp"
#include "actors/wall_clock.hpp"
#include "storage/ledger_store.hpp"

namespace escrowd::actors {
namespace {

using self_pointer = review_timer_actor::stateful_pointer<review_timer_state>;

// Nobody reads the answer to an internal command but the timer, which only needs to know
// that it came back.
rendered_response render_internal(const operation_result& result) {
  return {describe(result.outcome.code()).http_status, {}, false, {}, {}};
}

task_command lapse_command(const std::string& task_id, std::int64_t now) {
  task_command command;
  command.kind = task_command_kind::lapse_review_window;
  command.task_id = task_id;
  command.context.principal = {principal_role::admin, "system", {}};
  command.context.actor = "system";
  command.context.now = now;
  command.context.render = render_internal;
  return command;
}

void scan(self_pointer self) {
  auto& state = self->state;
  const std::int64_t now = unix_now();
  auto snapshot = state.store->snapshot();
  if (!snapshot) return;
  auto due = snapshot->list_review_deadlines(now, review_releases_per_scan_max);
  if (!due) return;
  // Earliest first: a deadline passed longer ago than a scan or two means the releases lag.
  if (state.metrics != nullptr)
    state.metrics->set_review_window_overdue(
        due->empty() ? 0.0 : double(std::max<std::int64_t>(0, now - due->front().deadline)));
  for (const auto& deadline : *due) {
    if (!state.lapsing.insert(deadline.task_id).second) continue;
    self->request(state.directory, commit_timeout * 2, lapse_command(deadline.task_id, now))
        .then([self,
               id = deadline.task_id](const rendered_response&) { self->state.lapsing.erase(id); },
              [self, id = deadline.task_id](const caf::error&) { self->state.lapsing.erase(id); });
  }
}

}  // namespace

review_timer_actor::behavior_type review_timer(
    review_timer_actor::stateful_pointer<review_timer_state> self, storage::ledger_store* store,
    directory_actor directory, std::chrono::milliseconds interval, telemetry::metrics* metrics) {
  self->state.store = store;
  self->state.metrics = metrics;
  self->state.directory = std::move(directory);
  self->state.interval = interval;
  self->send(self, sweep_atom::value);
  return {
      [=](sweep_atom) {
        scan(self);
        self->delayed_send(self, self->state.interval, sweep_atom::value);
      },
  };
}

}  // namespace escrowd::actors
