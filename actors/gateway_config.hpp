// The gateway's bounds and timings (style.md "Limits"): how fast, how many at once, how
// often and how long it retries before it parks an operation for reconciliation. Every
// zero means "the default below", so ledger_config can carry it without CAF.
// Thread affinity: none; plain values.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace escrowd::actors {

// Processor calls in flight at once (send, retrieve, find).
inline constexpr std::size_t processor_calls_in_flight_max_default = 16;
// Processor calls started per second (token bucket) and the bucket's depth. Stripe's live
// mode allows about 100 writes per second.
inline constexpr double processor_calls_per_second_default = 80.0;
inline constexpr double processor_calls_burst_default = 20.0;
// Backoff with full jitter: attempt n waits U(0, min(cap, base * 2^(n-1))), at least
// the floor, so a processor outage is not hammered and retries of many rows spread out.
inline constexpr auto retry_delay_base_default = std::chrono::milliseconds(500);
inline constexpr auto retry_delay_cap_default = std::chrono::milliseconds(60'000);
inline constexpr auto retry_delay_floor_default = std::chrono::milliseconds(100);
// Failed attempts before the operation is parked as requires_reconciliation. With the
// defaults above that is about five minutes of trying on average (ten at most): far inside
// the 24 h for which the processor remembers the key, so the background reconciliation
// drives a parked operation again once the processor answers and shows nothing for it.
inline constexpr std::uint32_t attempts_max_default = 16;
// A send the processor failed with a 5xx it saved under the key, whose records then show
// nothing for the operation, is sent again (the same failure replays) and looked up again;
// after this many lookups that found nothing, the operation fails (a withdrawal's hold
// returns). One lookup would do against a processor whose lists are consistent, as
// Stripe's are; the others cover a list that lags its writes.
inline constexpr std::uint32_t absence_lookups_default = 3;
// The processor remembers an idempotency key for 24 h (Stripe; processor-notes.md): a
// create sent again after that runs again, a second charge or payout if the first reached
// the processor. An operation requested longer ago than this is never sent again; its
// records at the processor are looked up instead (found: settled or polled; never found:
// parked for reconciliation, where an admin cancels it once the processor shows nothing).
// Measured on the ledger's clock, which runs up to 1/20 slow for a while after the system
// clock steps back (ledger_clock.hpp): 22 h of it are at most 23.2 h, within the 24 h.
inline constexpr auto key_resend_horizon_default = std::chrono::seconds(22 * 3600);
// A payout answers `pending`; it is looked at again after this, doubling up to the cap,
// until it is paid or failed (webhooks usually settle it first).
inline constexpr auto poll_delay_initial_default = std::chrono::milliseconds(1'000);
inline constexpr auto poll_delay_cap_default = std::chrono::milliseconds(300'000);
// How often the outbox is scanned for due rows, and how many rows one scan reads.
inline constexpr auto outbox_scan_interval_default = std::chrono::milliseconds(1'000);
inline constexpr std::size_t outbox_rows_per_scan_max = 2'000;
// Rows being worked on at once; a scan stops taking rows beyond this (the rest stay durable
// in the outbox and are picked up by a later scan). Each kind may take half: the scan goes
// in key order, so after an outage top-ups ("topup:...") would otherwise take every slot
// freed and the withdrawals' payouts, holding their users' money, wait for the last top-up.
inline constexpr std::size_t rows_tracked_max_default = 10'000;
// Reconciliation: processor objects listed per kind (newest first), and differences
// reported in one answer.
inline constexpr std::size_t reconciliation_objects_max = 100'000;
inline constexpr std::size_t reconciliation_differences_max = 1'000;
inline constexpr std::size_t reconciliation_page_size = 100;
// Engine operations a run compares per gateway message (~0.4 us each to read,
// bench/RESULTS.md), so the outbox's scans, webhooks and calls' answers wait a few
// milliseconds at most behind a run's comparison, however large its window.
inline constexpr std::size_t reconciliation_compare_chunk_default = 4'096;
// Each run lists only the processor's objects created in this window (and since the oldest
// open operation, when that is older), so its cost follows recent traffic, not all of
// history: a paid payout may still turn failed within days (processor-notes.md), two weeks
// covers that; older objects were compared by earlier runs.
inline constexpr auto reconciliation_window_default = std::chrono::seconds(14 * 86'400);
// A listing by creation (a reconciliation's window, a lookup's scan) starts this much
// earlier: an object's `created` is the processor's clock, an operation's `created_at` the
// ledger's, and the two may disagree a little.
inline constexpr std::int64_t processor_clock_skew_margin_s = 3'600;
// Operations of the window that no list showed are looked up one by one before they are
// reported missing (the clocks may disagree by more than the margin after a step, a list
// may lag or be cut); beyond this many per run they are reported unconfirmed (or, lists
// cut, not at all), as a processor that lost its records would otherwise take one call
// each.
inline constexpr std::size_t reconciliation_unlisted_lookups_max = 100;
// Background reconciliation: the gateway compares with the processor's records on its own
// this often (the first run one interval after start) and applies the clear repairs, so a
// payout that turns failed after paid is reversed even when its webhook is lost
// (processor-notes.md 2.7). Each run lists the objects of the window below: ten minutes
// keeps that a small share of the processor's rate limit.
inline constexpr auto reconciliation_interval_default = std::chrono::milliseconds(600'000);
// A negative interval turns background runs off (tests that must see none, and
// `escrowd serve --reconcile-every 0`); the GET still reports.
inline constexpr auto reconciliation_off = std::chrono::milliseconds(-1);

static_assert(retry_delay_floor_default <= retry_delay_base_default);
static_assert(retry_delay_base_default <= retry_delay_cap_default);
static_assert(poll_delay_initial_default <= poll_delay_cap_default);

struct gateway_config {
  std::size_t calls_in_flight_max = 0;
  double calls_per_second = 0;
  double calls_burst = 0;
  std::chrono::milliseconds retry_delay_base{0};
  std::chrono::milliseconds retry_delay_cap{0};
  std::chrono::milliseconds retry_delay_floor{0};
  std::uint32_t attempts_max = 0;
  std::uint32_t absence_lookups = 0;
  std::chrono::seconds key_resend_horizon{0};
  std::chrono::milliseconds poll_delay_initial{0};
  std::chrono::milliseconds poll_delay_cap{0};
  std::chrono::milliseconds outbox_scan_interval{0};
  std::chrono::milliseconds reconciliation_interval{0};  // negative: reconciliation_off
  std::chrono::seconds reconciliation_window{0};
  std::size_t reconciliation_compare_chunk = 0;
  std::size_t rows_tracked_max = 0;
  std::uint64_t random_seed = 0;  // 0: seeded from the clock
};

// `config` with every zero replaced by its default (a negative reconciliation_interval
// stays: it means off).
[[nodiscard]] gateway_config with_defaults(gateway_config config);

// Counters and gauges of the gateway, for metrics and tests.
struct gateway_stats {
  std::uint64_t calls_started = 0;    // processor calls (send, retrieve, find, list)
  std::uint64_t calls_coalesced = 0;  // asked while the same call was in flight: joined it
  std::uint64_t sends = 0;
  std::uint64_t retries_scheduled = 0;
  std::uint64_t schedules_stored = 0;  // retry or poll schedules durable in outbox rows
  std::uint64_t settlements = 0;       // verdicts handed to the account actors
  std::uint64_t parked = 0;
  std::uint64_t contradictions = 0;  // answers whose object was not the operation's: parked
  std::uint64_t lookups = 0;
  std::uint64_t polls = 0;
  std::uint64_t rate_limit_pauses = 0;
  std::uint64_t rows_tracked = 0;  // rows being worked on now
  std::uint64_t calls_queued = 0;  // waiting for a slot or a token now
  std::uint64_t calls_in_flight = 0;
  // Reconciliation runs: background (repairing) ones started and finished, report-only
  // ones (the GET) started, and repairs the background runs applied.
  std::uint64_t background_reconciliations_started = 0;
  std::uint64_t background_reconciliations_finished = 0;
  std::uint64_t report_reconciliations_started = 0;
  std::uint64_t reconciliation_repairs_applied = 0;
};

}  // namespace escrowd::actors
