// Codec of the idempotency table value (FORMAT.md "idempotency"). Thread affinity: none.
#pragma once

#include <string>
#include <string_view>

#include "engine/result.hpp"
#include "storage/records.hpp"

namespace escrowd::storage {

void encode_idempotency(const idempotency_record& row, std::string& out);
[[nodiscard]] result<idempotency_record> decode_idempotency(std::string_view stored);

// The idempotency_expiry index value: the key of the record that expires.
void encode_idempotency_expiry(std::string_view record_key, std::string& out);
[[nodiscard]] result<std::string> decode_idempotency_expiry(std::string_view stored);

}  // namespace escrowd::storage
