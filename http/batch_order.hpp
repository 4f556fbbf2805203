// The order a batch's operations must keep (api.md "Batch": each applied as if sent alone,
// in request order per object). An operation reads or writes the objects it names; it
// waits for the last earlier writer of each, and a writer also for the earlier readers
// since that writer. Reads of one object (GETs, the payer of an unfunded task creation)
// run together, so they neither wait for each other nor nest. Thread affinity: none; pure.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace escrowd::http {

struct object_touch {
  std::string id;
  bool writes = true;
};

// For each operation (touches in request order), the earlier operations it waits for,
// ascending and without repeats. An id named twice by one operation counts once, as a
// write if either names it as one.
[[nodiscard]] std::vector<std::vector<std::size_t>> batch_predecessors(
    const std::vector<std::vector<object_touch>>& touches);

}  // namespace escrowd::http
