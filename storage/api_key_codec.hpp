// Codecs of the api_keys table (hash -> record) and its api_key_ids index (key id -> hash),
// FORMAT.md "api_keys". Thread affinity: none.
#pragma once

#include <string>
#include <string_view>

#include "engine/result.hpp"
#include "storage/records.hpp"

namespace escrowd::storage {

void encode_api_key(const api_key_record& row, std::string& out);
[[nodiscard]] result<api_key_record> decode_api_key(std::string_view stored);

void encode_api_key_id(const api_key_hash& hash, std::string& out);
[[nodiscard]] result<api_key_hash> decode_api_key_id(std::string_view stored);

}  // namespace escrowd::storage
