// What `escrowd` prints when it cannot open or copy a data directory: the error's message,
// and for the failures an operator can act on, what to do. Thread affinity: none.
#pragma once

#include <string>

#include "engine/result.hpp"

namespace escrowd {

[[nodiscard]] std::string explain_storage_failure(const error& failure);

}  // namespace escrowd
