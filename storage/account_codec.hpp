// Codec of the accounts table value (FORMAT.md "accounts"). Thread affinity: none.
#pragma once

#include <string>
#include <string_view>

#include "engine/account.hpp"

namespace escrowd::storage {

void encode_account(const account& row, std::string& out);
// Rejects a corrupt, short or negative-balance value with storage_failed ("accounts").
[[nodiscard]] result<account> decode_account(std::string_view stored);

}  // namespace escrowd::storage
