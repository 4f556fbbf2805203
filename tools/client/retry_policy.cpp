// retry_policy: the decision table and the full-jitter arithmetic.
#include "tools/client/retry_policy.hpp"

#include <algorithm>
#include <charconv>

#include "tools/client/api_call.hpp"

namespace escrowd::client {
namespace {

// 2^retry_index would overflow long before it matters: past this shift the cap always wins.
constexpr unsigned backoff_shift_max = 30;
// Retry-After values are seconds; anything above a day is nonsense and clamped anyway.
constexpr std::uint64_t retry_after_seconds_max = 86'400;

}  // namespace

std::string_view to_string(retry_reason reason) {
  switch (reason) {
    case retry_reason::transport:
      return "transport";
    case retry_reason::timeout:
      return "timeout";
    case retry_reason::server_error:
      return "server_error";
    case retry_reason::rate_limited:
      return "rate_limited";
    case retry_reason::idempotency_key_in_use:
      return "idempotency_key_in_use";
  }
  return "unknown";
}

retry_decision decide_retry(const attempt_outcome& outcome) {
  if (!outcome.answered) {
    return {.retry = true,
            .reason = outcome.timed_out ? retry_reason::timeout : retry_reason::transport,
            .server_delay = std::nullopt};
  }
  if (outcome.status >= 500) {
    return {
        .retry = true, .reason = retry_reason::server_error, .server_delay = outcome.retry_after};
  }
  if (outcome.status == 429) {
    return {
        .retry = true, .reason = retry_reason::rate_limited, .server_delay = outcome.retry_after};
  }
  // A cheap substring test first: 409 insufficient_funds is common under hot-payer load and
  // must not pay for a JSON parse to be told apart.
  if (outcome.status == 409 &&
      outcome.body.find("idempotency_key_in_use") != std::string_view::npos &&
      error_code_of(outcome.body) == "idempotency_key_in_use") {
    return {.retry = true,
            .reason = retry_reason::idempotency_key_in_use,
            .server_delay = std::nullopt};
  }
  return {};
}

std::chrono::milliseconds backoff_delay(unsigned retry_index, const client_config& config,
                                        std::uint64_t random_bits) {
  const auto initial =
      static_cast<std::uint64_t>(std::max<std::int64_t>(config.retry_delay_ms_initial.count(), 0));
  const auto cap =
      static_cast<std::uint64_t>(std::max<std::int64_t>(config.retry_delay_ms_max.count(), 0));
  std::uint64_t ceiling = cap;
  if (retry_index < backoff_shift_max) ceiling = std::min(cap, initial << retry_index);
  return std::chrono::milliseconds{static_cast<std::int64_t>(random_bits % (ceiling + 1))};
}

std::chrono::milliseconds retry_delay(const retry_decision& decision, unsigned retry_index,
                                      const client_config& config, std::uint64_t random_bits) {
  if (decision.server_delay) return std::min(*decision.server_delay, config.retry_after_ms_max);
  return backoff_delay(retry_index, config, random_bits);
}

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  std::uint64_t seconds = 0;
  const auto* end = value.data() + value.size();
  const auto [stop, problem] = std::from_chars(value.data(), end, seconds);
  if (value.empty() || problem != std::errc{} || stop != end) return std::nullopt;
  seconds = std::min(seconds, retry_after_seconds_max);
  return std::chrono::milliseconds{static_cast<std::int64_t>(seconds * 1000)};
}

}  // namespace escrowd::client
