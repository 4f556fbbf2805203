// Codec of the accounts table value (FORMAT.md "accounts"). Thread affinity: none.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/account.hpp"

namespace escrowd::storage {

// A stored account with the head of its chain of entries (journal_codec.hpp): the sequence
// of the newest entry that touched its books, 0 before the first.
struct account_row {
  account data;
  std::uint64_t last_entry_sequence = 0;

  friend bool operator==(const account_row&, const account_row&) = default;
};

void encode_account(const account_row& row, std::string& out);
// Rejects a corrupt, short or negative-balance value with storage_failed ("accounts").
[[nodiscard]] result<account_row> decode_account_row(std::string_view stored);
// The same, without the chain head.
[[nodiscard]] result<account> decode_account(std::string_view stored);

}  // namespace escrowd::storage
