// Prints one line per start, then re-executes itself as escrowd does; the test reads how
// often it started, with which GLIBC_TUNABLES, and under which process name.
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "actors/malloc_tuning.hpp"

int main(int, char** argv) {
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  std::string name;
  std::getline(std::ifstream("/proc/self/comm"), name);
  const std::string line =
      "start " + std::string(tunables != nullptr ? tunables : "-") + " as " + name + "\n";
  // write(2), not stdout: buffered output would be lost at exec.
  if (::write(STDOUT_FILENO, line.data(), line.size()) < 0) return 1;
  escrowd::actors::reexec_with_malloc_tuning(argv);
  return 0;
}
