// Server-made ids and API key secrets. Ids ("acct_...", "task_...") need only be unique
// and not enumerable (83 random bits), and start with the time so that rows keyed by them
// are stored in creation order (engine/id.hpp); secrets authenticate, so they come from
// OpenSSL's CSPRNG.
// Thread affinity: any thread.
#pragma once

#include <string>
#include <string_view>

namespace escrowd::http {

// prefix + 8 base62 digits of the time in ms + 14 of random bits (make_time_ordered_id).
[[nodiscard]] std::string make_object_id(std::string_view prefix);

// "esk_" + 256 bits from RAND_bytes in base62. Aborts if the CSPRNG fails: a guessable
// secret is worse than no server.
[[nodiscard]] std::string make_api_secret();

}  // namespace escrowd::http
