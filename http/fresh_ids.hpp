// Server-made ids and API key secrets. Ids ("acct_...", "task_...") need only be unique
// and not enumerable; secrets authenticate, so they come from OpenSSL's CSPRNG.
// Thread affinity: any thread.
#pragma once

#include <string>
#include <string_view>

namespace escrowd::http {

// prefix + 22 base62 characters of 128 random bits (engine/id.hpp make_id).
[[nodiscard]] std::string make_object_id(std::string_view prefix);

// "esk_" + 256 bits from RAND_bytes in base62. Aborts if the CSPRNG fails: a guessable
// secret is worse than no server.
[[nodiscard]] std::string make_api_secret();

}  // namespace escrowd::http
