// Codec of the tasks table value (FORMAT.md "tasks"), history included.
// Thread affinity: none.
#pragma once

#include <string>
#include <string_view>

#include "engine/task.hpp"

namespace escrowd::storage {

void encode_task(const task& row, std::string& out);
[[nodiscard]] result<task> decode_task(std::string_view stored);

}  // namespace escrowd::storage
