#include "actors/gateway_policy.hpp"

#include <algorithm>
#include <cmath>

namespace escrowd::actors {

gateway_config with_defaults(gateway_config config) {
  auto pick = [](std::chrono::milliseconds& value, std::chrono::milliseconds fallback) {
    if (value.count() <= 0) value = fallback;
  };
  if (config.calls_in_flight_max == 0)
    config.calls_in_flight_max = processor_calls_in_flight_max_default;
  if (config.calls_per_second <= 0) config.calls_per_second = processor_calls_per_second_default;
  if (config.calls_burst <= 0) config.calls_burst = processor_calls_burst_default;
  pick(config.retry_delay_base, retry_delay_base_default);
  pick(config.retry_delay_cap, retry_delay_cap_default);
  pick(config.retry_delay_floor, retry_delay_floor_default);
  if (config.attempts_max == 0) config.attempts_max = attempts_max_default;
  if (config.absence_lookups == 0) config.absence_lookups = absence_lookups_default;
  if (config.key_resend_horizon.count() <= 0)
    config.key_resend_horizon = key_resend_horizon_default;
  pick(config.poll_delay_initial, poll_delay_initial_default);
  pick(config.poll_delay_cap, poll_delay_cap_default);
  pick(config.outbox_scan_interval, outbox_scan_interval_default);
  if (config.reconciliation_interval.count() == 0)
    config.reconciliation_interval = reconciliation_interval_default;
  if (config.reconciliation_window.count() <= 0)
    config.reconciliation_window = reconciliation_window_default;
  if (config.rows_tracked_max == 0) config.rows_tracked_max = rows_tracked_max_default;
  if (config.reconciliation_compare_chunk == 0)
    config.reconciliation_compare_chunk = reconciliation_compare_chunk_default;
  return config;
}

std::chrono::milliseconds backoff_delay(const gateway_config& config, std::uint32_t attempt,
                                        double random) {
  const double base = static_cast<double>(config.retry_delay_base.count());
  const double cap = static_cast<double>(config.retry_delay_cap.count());
  // 2^(attempt-1) overflows nothing here: the exponent is clamped long before the cap.
  const double exponent = std::min<double>(attempt == 0 ? 0 : attempt - 1, 62);
  const double ceiling = std::min(cap, base * std::pow(2.0, exponent));
  const double drawn = std::clamp(random, 0.0, 1.0) * ceiling;
  const auto delay = std::chrono::milliseconds(static_cast<std::int64_t>(drawn));
  return std::max(delay, config.retry_delay_floor);
}

std::chrono::milliseconds next_poll_delay(const gateway_config& config,
                                          std::chrono::milliseconds previous) {
  if (previous.count() <= 0) return config.poll_delay_initial;
  return std::min(previous * 2, config.poll_delay_cap);
}

namespace {

gateway_step step_for_object(const processor_object& object) {
  gateway_step step;
  if (auto verdict = verdict_of(object)) {
    step.what = next_step::settle;
    step.verdict = std::move(*verdict);
    return step;
  }
  step.what = next_step::poll;
  step.object_id = object.id;
  return step;
}

gateway_step park(std::string reason) {
  gateway_step step;
  step.what = next_step::park;
  step.reason = std::move(reason);
  return step;
}

}  // namespace

gateway_step after_send(const processor_reply& reply, std::uint32_t attempts,
                        const gateway_config& config, double random) {
  gateway_step step;
  switch (reply.kind) {
    case reply_kind::object:
      if (reply.object) return step_for_object(*reply.object);
      step.what = next_step::look_up;
      step.reason = "processor answered without an object";
      return step;
    case reply_kind::declined:
      step.what = next_step::settle;
      step.verdict.status = processor_status::failed;
      step.verdict.failure_code = reply.failure_code.empty() ? "declined" : reply.failure_code;
      step.verdict.failure_message = reply.failure_message;
      // A decline moved nothing: an id too long to store is left out rather than have the
      // operation refuse the verdict (and the row be sent again at every scan).
      if (reply.object && reply.object->id.size() <= processor_object_id_length_max)
        step.verdict.processor_object_id = reply.object->id;
      return step;
    case reply_kind::uncertain:
      step.what = next_step::look_up;
      step.reason = "processor outcome uncertain: " + reply.detail;
      step.absence_is_final = reply.failure_saved_under_key;
      return step;
    case reply_kind::retryable:
      break;
  }
  const std::uint32_t failed = attempts + 1;
  if (failed >= config.attempts_max) {
    // Before parking, the processor's records may still tell (the effect of a timed-out
    // attempt may be there).
    step.what = next_step::look_up;
    step.reason = "gave up after " + std::to_string(failed) + " attempts: " + reply.detail;
    return step;
  }
  step.what = next_step::reschedule;
  step.delay = std::max(backoff_delay(config, failed, random), reply.retry_after);
  step.rate_limited = reply.rate_limited;
  return step;
}

gateway_step after_lookup(const processor_lookup& lookup, const gateway_step& asked,
                          std::uint32_t attempts, std::uint32_t empty_lookups,
                          const gateway_config& config, double random) {
  const auto& why = asked.reason;
  const std::uint32_t failed = attempts + 1;
  if (!lookup.answered || lookup.objects.empty()) {
    const std::uint32_t found_nothing = empty_lookups + (lookup.answered ? 1 : 0);
    if (lookup.answered && asked.absence_is_final && found_nothing >= config.absence_lookups) {
      gateway_step step;
      step.what = next_step::settle;
      step.verdict.status = processor_status::failed;
      step.verdict.failure_code = "processor_error";
      step.verdict.failure_message = "The processor failed the request and has no record of it (" +
                                     std::to_string(found_nothing) +
                                     " lookups); nothing moved there.";
      return step;
    }
    if (failed >= config.attempts_max)
      return park(why + (lookup.answered ? "; the processor has no record of it"
                                         : "; lookup failed: " + lookup.detail));
    // Sending again with the same key is always safe: the processor replays what it saved
    // under the key (a replayed failure makes the next absence final), or runs the request
    // if it saved nothing.
    gateway_step step;
    step.what = next_step::reschedule;
    step.delay = backoff_delay(config, failed, random);
    return step;
  }
  // Two objects for one operation would be a double charge: never settle on a guess.
  if (lookup.objects.size() > 1) return park(why + "; the processor has several records");
  return step_for_object(lookup.objects.front());
}

bool absence_is_current(const processor_lookup& lookup, std::int64_t last_answered_at,
                        std::int64_t now) {
  return now - last_answered_at >= lookup.search_lag.count();
}

std::optional<gateway_step> wait_for_search(const processor_lookup& lookup,
                                            const gateway_step& asked,
                                            std::int64_t last_answered_at, std::int64_t now) {
  if (!asked.absence_is_final || !lookup.answered || !lookup.objects.empty() ||
      absence_is_current(lookup, last_answered_at, now))
    return std::nullopt;
  gateway_step step;
  step.what = next_step::reschedule;
  step.delay = std::chrono::seconds(last_answered_at + lookup.search_lag.count() - now);
  return step;
}

bool past_key_resend_horizon(std::int64_t requested_at, std::int64_t now,
                             const gateway_config& config) {
  return now - requested_at >= config.key_resend_horizon.count();
}

gateway_step past_horizon_lookup() {
  gateway_step step;
  step.what = next_step::look_up;
  step.reason = "requested longer ago than the processor remembers its key: never sent again";
  return step;
}

std::optional<std::string> object_contradiction(const processor_object& object,
                                                const expected_object& expected) {
  // Its id is stored with the operation: one longer than that holds cannot settle it.
  if (object.id.size() > processor_object_id_length_max)
    return "the processor's object id has " + std::to_string(object.id.size()) +
           " characters, more than " + std::to_string(processor_object_id_length_max);
  const std::string which = "the processor's object " + object.id + " ";
  if (!object.operation_id.empty() && object.operation_id != expected.operation_id)
    return which + "names operation " + object.operation_id;
  if (object.amount != expected.amount)
    return which + "has amount " + std::to_string(object.amount) + ", not " +
           std::to_string(expected.amount);
  if (!object.currency.empty() && object.currency != expected.currency)
    return which + "has currency " + object.currency + ", not " + std::string(expected.currency);
  return std::nullopt;
}

gateway_step after_poll(const processor_lookup& lookup, const std::string& object_id) {
  if (lookup.answered && lookup.objects.size() == 1) return step_for_object(lookup.objects[0]);
  gateway_step step;
  step.what = next_step::poll;
  step.object_id = object_id;
  return step;
}

token_bucket::token_bucket(double rate_per_second, double burst, clock::time_point now)
    : rate_per_second_(rate_per_second), burst_(burst), tokens_(burst), refilled_at_(now) {}

void token_bucket::refill(clock::time_point now) {
  if (now <= refilled_at_) return;
  const double seconds = std::chrono::duration<double>(now - refilled_at_).count();
  tokens_ = std::min(burst_, tokens_ + seconds * rate_per_second_);
  refilled_at_ = now;
}

bool token_bucket::try_take(clock::time_point now) {
  refill(now);
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

std::chrono::milliseconds token_bucket::wait(clock::time_point now) {
  refill(now);
  if (tokens_ >= 1.0) return std::chrono::milliseconds(0);
  const double seconds = (1.0 - tokens_) / rate_per_second_;
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(seconds * 1000.0)));
}

}  // namespace escrowd::actors
