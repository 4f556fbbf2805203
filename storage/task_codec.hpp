// Codec of the tasks table value (FORMAT.md "tasks"), history included.
// Thread affinity: none.
#pragma once

#include <string>
#include <string_view>

#include "engine/task.hpp"

namespace escrowd::storage {

void encode_task(const task& row, std::string& out);
[[nodiscard]] result<task> decode_task(std::string_view stored);

// What the storage writer needs of a task row it replaces: its escrow and whether it has a
// review deadline key. Checks the envelope like decode_task but copies no text.
struct task_standing {
  std::int64_t escrow = 0;
  task_state state = task_state::open;
  std::int64_t review_deadline = 0;
};
[[nodiscard]] result<task_standing> decode_task_standing(std::string_view stored);

// Whether `stored`, a task value encoded in this process, has the row's id, payer, worker,
// amount, currency, state, escrow and review deadline: every field the storage writer checks
// a record against or keeps. Reads in place and checks no CRC: cheap enough for the writer.
[[nodiscard]] bool holds_checked_fields(std::string_view stored, const task& row);

}  // namespace escrowd::storage
