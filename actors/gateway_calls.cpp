// The gateway's processor calls: a queue under the concurrency bound and the token bucket,
// identical calls coalesced, answers brought back through the gateway's inbox.
#include <algorithm>

#include "actors/gateway.hpp"

namespace escrowd::actors {
namespace {

using self_pointer = gateway_actor::stateful_pointer<gateway_state>;
using std::chrono::milliseconds;
using steady = std::chrono::steady_clock;

void schedule_pump(self_pointer self, milliseconds wait) {
  auto& state = self->state;
  if (state.pump_timer_set) return;
  state.pump_timer_set = true;
  self->delayed_send(self, std::max(wait, milliseconds(1)), resume_atom::value);
}

telemetry::processor_call_outcome outcome_of(const call_result& result) {
  return std::visit(
      [](const auto& answer) {
        return telemetry::processor_call_outcome_of(answer.http_status, answer.timed_out);
      },
      result);
}

void finish_call(self_pointer self, const std::string& identity, telemetry::processor_call call,
                 steady::time_point started, const call_result& result) {
  auto& state = self->state;
  --state.calls_in_flight;
  if (state.metrics != nullptr) {
    const double seconds = std::chrono::duration<double>(steady::now() - started).count();
    state.metrics->record_processor_call(call, outcome_of(result), seconds);
  }
  auto found = state.calls.find(identity);
  if (found != state.calls.end()) {
    auto waiters = std::move(found->second);
    state.calls.erase(found);
    for (auto& waiter : waiters) waiter(result);
  }
  resume_processor_calls(self);
}

void start_call(self_pointer self, queued_call call) {
  auto& state = self->state;
  ++state.calls_in_flight;
  ++state.stats.calls_started;
  call.issue(*state.port, [inbox = state.inbox, self, identity = std::move(call.identity),
                           which = call.call, started = steady::now()](call_result result) {
    inbox->post([self, identity, which, started, result = std::move(result)] {
      finish_call(self, identity, which, started, result);
    });
  });
}

// The queue the next call comes from (one is not empty): prompt first, then the outbox's
// sends and the follow-ups in turn.
std::deque<queued_call>& next_lane(gateway_state& state) {
  if (!state.prompt_queue.empty()) return state.prompt_queue;
  const bool follow_up =
      !state.follow_up_queue.empty() && (state.queue.empty() || state.follow_up_turn);
  state.follow_up_turn = !follow_up;
  return follow_up ? state.follow_up_queue : state.queue;
}

std::deque<queued_call>& queue_of(gateway_state& state, call_lane lane) {
  switch (lane) {
    case call_lane::prompt:
      return state.prompt_queue;
    case call_lane::follow_up:
      return state.follow_up_queue;
    case call_lane::outbox:
      break;
  }
  return state.queue;
}

}  // namespace

void resume_processor_calls(self_pointer self) {
  auto& state = self->state;
  while ((!state.prompt_queue.empty() || !state.queue.empty() || !state.follow_up_queue.empty()) &&
         state.calls_in_flight < state.config.calls_in_flight_max) {
    const auto now = steady::now();
    if (now < state.paused_until) {
      schedule_pump(self, std::chrono::ceil<milliseconds>(state.paused_until - now));
      return;
    }
    if (!state.bucket->try_take(now)) {
      schedule_pump(self, state.bucket->wait(now));
      return;
    }
    auto& lane = next_lane(state);
    auto call = std::move(lane.front());
    lane.pop_front();
    start_call(self, std::move(call));
  }
}

telemetry::processor_call processor_call_of(processor_kind kind, port_method method) {
  using telemetry::processor_call;
  const bool topup = kind == processor_kind::topup;
  switch (method) {
    case port_method::send:
      return topup ? processor_call::create_payment_intent : processor_call::create_payout;
    case port_method::retrieve:
      return topup ? processor_call::retrieve_payment_intent : processor_call::retrieve_payout;
    case port_method::find:  // a top-up's search; a withdrawal's pages of payouts
      return topup ? processor_call::search_payment_intents : processor_call::list_payouts;
    case port_method::list:
      return topup ? processor_call::list_payment_intents : processor_call::list_payouts;
  }
  return processor_call::create_payment_intent;
}

void request_processor_call(self_pointer self, std::string identity, telemetry::processor_call call,
                            call_issuer issue, call_continuation then, call_lane lane) {
  auto& state = self->state;
  auto [slot, fresh] = state.calls.try_emplace(identity);
  slot->second.push_back(std::move(then));
  if (!fresh) {
    ++state.stats.calls_coalesced;
    if (state.metrics != nullptr) state.metrics->record_coalesced_key();
    return;
  }
  queue_of(state, lane).push_back({std::move(identity), call, std::move(issue)});
  resume_processor_calls(self);
}

void request_find(self_pointer self, processor_kind kind, const std::string& operation_id,
                  std::int64_t created_at, std::function<void(const processor_lookup&)> then,
                  call_lane lane) {
  request_processor_call(
      self, "find " + std::string(to_string(kind)) + " " + operation_id,
      processor_call_of(kind, port_method::find),
      [kind, operation_id, created_at](processor_port& port,
                                       std::function<void(call_result)> done) {
        port.find(kind, operation_id, created_at,
                  [done](processor_lookup found) { done(std::move(found)); });
      },
      [then = std::move(then)](const call_result& result) {
        then(std::get<processor_lookup>(result));
      },
      lane);
}

void request_retrieve(self_pointer self, processor_kind kind, const std::string& object_id,
                      std::function<void(const processor_lookup&)> then) {
  request_processor_call(
      self, "retrieve " + std::string(to_string(kind)) + " " + object_id,
      processor_call_of(kind, port_method::retrieve),
      [kind, object_id](processor_port& port, std::function<void(call_result)> done) {
        port.retrieve(kind, object_id, [done](processor_lookup found) { done(std::move(found)); });
      },
      [then = std::move(then)](const call_result& result) {
        then(std::get<processor_lookup>(result));
      },
      call_lane::follow_up);
}

}  // namespace escrowd::actors
