// Codec of the operations table value (top-ups and withdrawals; FORMAT.md "operations").
// Thread affinity: none.
#pragma once

#include <string>
#include <string_view>

#include "engine/processor_operation.hpp"

namespace escrowd::storage {

void encode_operation(const processor_operation& row, std::string& out);
[[nodiscard]] result<processor_operation> decode_operation(std::string_view stored);

}  // namespace escrowd::storage
