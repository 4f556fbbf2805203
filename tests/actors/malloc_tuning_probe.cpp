// Prints one line per start, then re-executes itself as escrowd does; the test reads how
// often it started and with which GLIBC_TUNABLES.
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "actors/malloc_tuning.hpp"

int main(int, char** argv) {
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  const std::string line = std::string("start ") + (tunables != nullptr ? tunables : "-") + "\n";
  // write(2), not stdout: buffered output would be lost at exec.
  if (::write(STDOUT_FILENO, line.data(), line.size()) < 0) return 1;
  escrowd::actors::reexec_with_malloc_tuning(argv);
  return 0;
}
