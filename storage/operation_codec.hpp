// Codec of the operations table value (top-ups and withdrawals; FORMAT.md "operations").
// Thread affinity: none.
#pragma once

#include <string>
#include <string_view>

#include "engine/processor_operation.hpp"

namespace escrowd::storage {

void encode_operation(const processor_operation& row, std::string& out);
[[nodiscard]] result<processor_operation> decode_operation(std::string_view stored);
// Whether decode_operation takes back what encode_operation writes of `row`: ids and texts
// within their bounds and a non-negative amount. The commit path stores no other row, since
// one it could not read back would fail every later read of the operation, and verify.
[[nodiscard]] bool is_storable(const processor_operation& row);

}  // namespace escrowd::storage
