// Every named bound of the actors layer, in one place (style.md "Limits"). Units last.
// Thread affinity: none; constants.
#pragma once

#include <chrono>
#include <cstddef>

namespace escrowd::actors {

// Live entity actors (accounts + tasks) before the directory retires the least recently
// used. A bare stateful actor costs about 1.2 KB (stack-notes.md); a live task actor with
// its state measured about 2.3 KB in a running server (bench/RESULTS.md, "A memory soak"),
// so a full directory holds ~230 MB, which glibc keeps for reuse after retirement.
inline constexpr std::size_t live_actors_max_default = 100'000;
// An entity unused this long is retired by the next sweep.
inline constexpr auto actor_idle_timeout_default = std::chrono::seconds(60);
inline constexpr auto directory_sweep_interval_default = std::chrono::seconds(5);
// Idle actors the directory retires per turn, between the other messages it handles.
inline constexpr std::size_t retirements_per_turn_max = 256;
// Retired actors of each kind kept, vacant, for new ids (besides the live ones, and at
// most as many as the kind's live cap; ~1.2 KB each): past the cap every new id retires
// one and takes one, so a handful suffices; the rest, after a sweep's burst, stop.
inline constexpr std::size_t vacant_actors_max = 1'024;
// Bearer secrets whose principal the facade keeps (actors/principal_cache.hpp); full, it
// starts over.
inline constexpr std::size_t authenticated_secrets_max = 10'000;
// Accounts whose currency task creation keeps (actors/account_identities.hpp, ~100 bytes
// each); full, it starts over.
inline constexpr std::size_t account_identities_max = 65'536;
// How often the review-window timer looks for lapsed windows, and how many it releases
// per look.
inline constexpr auto review_scan_interval_default = std::chrono::milliseconds(1'000);
inline constexpr std::size_t review_releases_per_scan_max = 1'000;
// Expired idempotency records (and old webhook events) deleted per writer turn, and how
// often the writer looks.
inline constexpr std::size_t reap_chunk_records = 1'000;
inline constexpr auto reap_interval = std::chrono::seconds(10);
// How long a processed webhook event is kept, so that a redelivery is recognised: ten
// times Stripe's 3 days of retries (processor-notes.md); a copy later still only meets a
// settled operation, which settles nothing twice.
inline constexpr auto webhook_event_retention_default = std::chrono::seconds(30 * 86'400);
// How often a sticky-failed storage writer checks whether the store may reopen (a full
// disk that has room again): a statvfs call each time.
inline constexpr auto storage_recovery_interval = std::chrono::seconds(1);
// How soon an entity actor whose reload failed (the store closed while it reopens) tries
// again while decisions wait for it.
inline constexpr auto entity_reload_retry_interval = std::chrono::milliseconds(100);

}  // namespace escrowd::actors
