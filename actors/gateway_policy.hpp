// The gateway's decisions as pure functions, so they are tested without actors or sockets:
// what to do after the processor answered a send or a lookup, the backoff delay (full
// jitter, the random draw passed in), and the token bucket that bounds the call rate.
// Thread affinity: none; the token bucket belongs to its owner's thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "actors/gateway_config.hpp"
#include "actors/processor_port.hpp"

namespace escrowd::actors {

enum class next_step : std::uint8_t {
  settle,      // hand `verdict` to the account actor
  poll,        // the processor accepted it; look again after a while (object id known)
  reschedule,  // send again with the same key after `delay`
  look_up,     // the send cannot tell: ask the processor's records (find by metadata)
  park,        // give up: requires_reconciliation with `reason`
};

struct gateway_step {
  next_step what = next_step::park;
  settlement verdict;                  // settle
  std::string object_id;               // poll: the processor's object
  std::chrono::milliseconds delay{0};  // reschedule
  bool rate_limited = false;           // reschedule: pause every call for `delay`
  std::string reason;                  // park, look_up: why (for the operation's record)
  // look_up: the processor's key is finished (a saved failure replays), so a lookup that
  // finds nothing means nothing happened there (processor_reply::failure_saved_under_key).
  bool absence_is_final = false;
};

// After a send answered. `attempts` counts the failed attempts before this one; `random`
// is a draw from [0, 1) for the jitter.
[[nodiscard]] gateway_step after_send(const processor_reply& reply, std::uint32_t attempts,
                                      const gateway_config& config, double random);

// After the processor's records were looked up because the send could not tell (`asked`
// is the look_up step: its reason, whether an absence is final). `attempts` counts the
// failed attempts before this lookup (sends included), `empty_lookups` the answered lookups
// that found nothing before this one. An object with a final status settles; one still in
// progress is polled; several park the operation for reconciliation. No object after a
// failure saved under the key in absence_lookups answered lookups: the operation fails. Otherwise
// no object or no answer sends again with the same key after a backoff, until attempts_max parks
// it.
[[nodiscard]] gateway_step after_lookup(const processor_lookup& lookup, const gateway_step& asked,
                                        std::uint32_t attempts, std::uint32_t empty_lookups,
                                        const gateway_config& config, double random);

// Whether a find's answer that shows nothing proves it for requests whose last answer
// arrived at `last_answered_at` (Unix seconds): a search lagging its writes
// (processor_lookup::search_lag) shows only what is older than its lag.
[[nodiscard]] bool absence_is_current(const processor_lookup& lookup, std::int64_t last_answered_at,
                                      std::int64_t now);
// A lookup `asked` to make an absence final (which fails the operation) that showed nothing
// before the search could show the row's last request: proves nothing, counts no attempt;
// the row goes on (sends again with its key, which runs nothing twice) once the search has
// caught up. None when the answer stands (any other lookup's absence only sends again or
// parks, which a later answer can still correct).
[[nodiscard]] std::optional<gateway_step> wait_for_search(const processor_lookup& lookup,
                                                          const gateway_step& asked,
                                                          std::int64_t last_answered_at,
                                                          std::int64_t now);

// Whether an operation requested at `requested_at` (Unix seconds) is past the horizon after
// which a send could run at the processor again (gateway_config::key_resend_horizon).
[[nodiscard]] bool past_key_resend_horizon(std::int64_t requested_at, std::int64_t now,
                                           const gateway_config& config);
// The lookup such an operation gets instead of a send: never final on absence.
[[nodiscard]] gateway_step past_horizon_lookup();

// What an object must say to be an operation's: the operation in its metadata, the amount
// and the currency that were sent.
struct expected_object {
  std::string_view operation_id;
  std::int64_t amount = 0;
  std::string_view currency;
};

// Why `object` cannot be the operation's, if it cannot: another amount, currency or
// operation, or an id too long to store. An object without metadata or currency is not held
// against it for that (a processor may leave them out); the amount it always carries. Such an
// object settles nothing: a processor that answers with it is wrong or lying, and the
// operation parks for an operator (processor_contradiction_code) instead of moving the money
// the object claims.
[[nodiscard]] std::optional<std::string> object_contradiction(const processor_object& object,
                                                              const expected_object& expected);

// After a poll (retrieve by id) answered: settle when final, otherwise poll again.
[[nodiscard]] gateway_step after_poll(const processor_lookup& lookup, const std::string& object_id);

// Full jitter: U(0, min(cap, base * 2^(attempt-1))) for attempt >= 1, at least the floor.
[[nodiscard]] std::chrono::milliseconds backoff_delay(const gateway_config& config,
                                                      std::uint32_t attempt, double random);

// The next poll delay after `previous` (0: the first): doubling up to the cap.
[[nodiscard]] std::chrono::milliseconds next_poll_delay(const gateway_config& config,
                                                        std::chrono::milliseconds previous);

// Tokens refill continuously at `rate` per second up to `burst`; one call takes one.
class token_bucket {
 public:
  using clock = std::chrono::steady_clock;

  token_bucket(double rate_per_second, double burst, clock::time_point now);
  [[nodiscard]] bool try_take(clock::time_point now);
  // How long until a token is available (0 if one is).
  [[nodiscard]] std::chrono::milliseconds wait(clock::time_point now);

 private:
  void refill(clock::time_point now);

  double rate_per_second_;
  double burst_;
  double tokens_;
  clock::time_point refilled_at_;
};

}  // namespace escrowd::actors
