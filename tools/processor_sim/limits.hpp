// Every bound of the processor simulator in one place (Tiger Style "put a limit on
// everything"), units last. Pure constants: no thread affinity.
#pragma once

#include <cstddef>
#include <cstdint>

namespace escrowd::processor_sim {

// HTTP server side.
inline constexpr std::size_t request_body_bytes_max = 64 * 1024;
inline constexpr std::size_t request_header_bytes_max = 16 * 1024;
inline constexpr std::size_t connections_max = 1024;
inline constexpr std::int64_t connection_idle_timeout_ms_default = 120'000;
// After a failed accept (out of descriptors: EMFILE, ENFILE) the connection stays queued, so
// accepting again at once fails again at once: wait this long instead of spinning a core.
inline constexpr std::int64_t accept_retry_delay_ms = 50;

// Form decoding: Stripe caps metadata at 50 keys of 40 chars and values of 500 chars.
inline constexpr std::size_t form_fields_max = 256;
inline constexpr std::size_t form_key_depth_max = 4;
inline constexpr std::size_t metadata_keys_max = 50;
inline constexpr std::size_t metadata_key_chars_max = 40;
inline constexpr std::size_t metadata_value_chars_max = 500;
inline constexpr std::size_t description_chars_max = 1000;

// Amounts: Stripe refuses more than eight digits in the minor unit.
inline constexpr std::int64_t amount_min = 1;
inline constexpr std::int64_t amount_max = 99'999'999;

// Lists.
inline constexpr std::int64_t list_limit_default = 10;
inline constexpr std::int64_t list_limit_max = 100;

// Stored objects: beyond these the simulator refuses new objects (500, not stored) rather
// than silently forgetting old ones, because forgetting would break the "charged at most
// once" accounting that tests rely on.
inline constexpr std::size_t payment_intents_max = 1'000'000;
inline constexpr std::size_t payouts_max = 1'000'000;
inline constexpr std::size_t idempotency_keys_max = 1'000'000;
inline constexpr std::size_t idempotency_key_chars_max = 255;

// Idempotency retention: Stripe keeps keys at least 24 hours.
inline constexpr std::int64_t idempotency_ttl_s_default = 24 * 60 * 60;

// Payouts settle (pending -> paid/failed) after this long unless told otherwise.
inline constexpr std::int64_t payout_settle_ms_default = 200;
// Uncaptured authorizations expire after seven days, as card networks enforce.
inline constexpr std::int64_t authorization_expiry_s_default = 7 * 24 * 60 * 60;
// Search lags writes by under a minute normally and "up to an hour" in outages, as Stripe
// documents: --search-lag-ms goes no further than that hour.
inline constexpr std::int64_t search_lag_ms_max = 3'600'000;
// How often the background sweep looks for payouts to settle and holds to expire.
inline constexpr std::int64_t sweep_interval_ms = 20;

// Fault injection.
inline constexpr std::int64_t slow_ms_default = 2'000;
inline constexpr std::int64_t slow_ms_max = 600'000;
// Stripe's libraries time out after 80 s; hanging for 100 s outlasts them.
inline constexpr std::int64_t hang_ms_default = 100'000;
inline constexpr std::int64_t hang_ms_max = 3'600'000;
inline constexpr std::int64_t retry_after_s = 1;

// POST /_sim/clock/advance: the clock's total offset stays within a century, so that neither
// seconds x 1000 nor the wall clock plus the offset can overflow (and stop the clock).
inline constexpr std::int64_t clock_offset_ms_max = 100LL * 366 * 24 * 60 * 60 * 1000;

// Webhooks.
inline constexpr std::size_t webhook_queue_max = 100'000;
inline constexpr std::size_t webhook_concurrency_max = 8;
// Stripe retries an undelivered event for three days: an endpoint that was down for a
// while (a restarted server) still gets it. Delays double up to the cap: 10,000 attempts
// at 30 s reach past three days.
inline constexpr int webhook_attempts_max = 10'000;
inline constexpr std::int64_t webhook_retry_delay_ms_default = 100;
inline constexpr std::int64_t webhook_retry_delay_ms_max = 30'000;
inline constexpr std::int64_t webhook_attempt_timeout_ms = 5'000;
inline constexpr std::size_t webhook_response_bytes_max = 64 * 1024;

// The state file (sim_journal.hpp) is compacted while running once it is larger than
// max(floor, growth factor x its size after the last compaction) (compaction_trigger.hpp).
// Factor 4: a rewrite of C bytes follows at least 3C bytes of appends, so rewriting adds at
// most a third to the bytes written (constant per line, however long a load test runs), and
// the file stays within 4x its live records (5x on disk while PATH.tmp is being written).
// Floor 4 MiB: while little is live (a load test's start), 4x alone would rewrite every few
// requests, each rewrite an fsync on the one I/O thread; a file of a few MiB costs nothing.
inline constexpr std::uint64_t state_file_compaction_floor_bytes_default = 4 << 20;
inline constexpr std::uint64_t state_file_compaction_growth_factor_default = 4;

static_assert(amount_min <= amount_max);
static_assert(list_limit_default <= list_limit_max);
static_assert(metadata_keys_max < form_fields_max, "a full metadata map must fit in one form");
static_assert(webhook_retry_delay_ms_default <= webhook_retry_delay_ms_max);
static_assert(sweep_interval_ms < payout_settle_ms_default);
static_assert(state_file_compaction_growth_factor_default >= 2,
              "rewrites must be spread over appends (see above)");

}  // namespace escrowd::processor_sim
