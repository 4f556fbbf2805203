// Identifiers: validation of client-chosen ids and construction of server-made ones
// (api.md: 1..64 chars of [A-Za-z0-9_-]; server-made ids carry a type prefix).
// The engine makes no randomness: callers pass the entropy in, so ids are replayable.
// Thread affinity: none.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace escrowd {

inline constexpr std::size_t id_length_max = 64;

[[nodiscard]] bool is_valid_id(std::string_view id);

// Type prefixes of server-made ids.
inline constexpr std::string_view account_id_prefix = "acct_";
inline constexpr std::string_view task_id_prefix = "task_";
inline constexpr std::string_view topup_id_prefix = "top_";
inline constexpr std::string_view withdrawal_id_prefix = "wd_";
inline constexpr std::string_view key_id_prefix = "key_";
inline constexpr std::string_view request_id_prefix = "req_";

// prefix + 22 base62 characters of the 128 bits given; always a valid id.
[[nodiscard]] std::string make_id(std::string_view prefix, std::uint64_t entropy_high,
                                  std::uint64_t entropy_low);

// prefix + 8 base62 digits of `unix_ms`, most significant first (so ids made later sort
// after ids made earlier), + 14 base62 digits (83 bits) of the entropy given. Stored rows
// are keyed by id: time-ordered ids put new rows, and the recent rows most updates touch,
// on a few B-tree pages instead of one random page each. Times before 1970 count as 0.
[[nodiscard]] std::string make_time_ordered_id(std::string_view prefix, std::int64_t unix_ms,
                                               std::uint64_t entropy_high,
                                               std::uint64_t entropy_low);

}  // namespace escrowd
