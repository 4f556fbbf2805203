// Reads of durable rows for the actors: storage answers a missing row with not_found;
// actors want "absent" as a value and only real read failures as errors.
// Thread affinity: none (storage reads are thread-safe).
#pragma once

#include <optional>

#include "engine/result.hpp"

namespace escrowd::actors {

template <class Row>
[[nodiscard]] result<std::optional<Row>> optional_row(result<Row> read) {
  if (read) return std::optional<Row>(std::move(*read));
  if (read.code() == error_code::not_found) return std::optional<Row>{};
  return read.failure();
}

}  // namespace escrowd::actors
