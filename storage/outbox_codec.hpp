// Codec of the outbox table value (FORMAT.md "outbox"). Thread affinity: none.
#pragma once

#include <string>
#include <string_view>

#include "engine/result.hpp"
#include "storage/records.hpp"

namespace escrowd::storage {

void encode_outbox(const outbox_row& row, std::string& out);
[[nodiscard]] result<outbox_row> decode_outbox(std::string_view stored);

}  // namespace escrowd::storage
