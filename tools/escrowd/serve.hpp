// `escrowd serve`: opens and verifies the ledger, bootstraps the first admin key, serves
// the v1 API until SIGTERM/SIGINT, then stops accepting, answers what is in flight and
// closes the store. Thread affinity: the main thread.
#pragma once

#include "tools/escrowd/command_line.hpp"

namespace escrowd {

// The process exit code.
[[nodiscard]] int serve(const command_line& line);

}  // namespace escrowd
