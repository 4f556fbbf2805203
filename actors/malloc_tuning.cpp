#include "actors/malloc_tuning.hpp"

#include <unistd.h>

#include <cstdlib>
#include <string>
#include <string_view>

namespace escrowd::actors {
namespace {

// Set before re-executing: a process whose tunables glibc ignores (setuid) must not loop.
constexpr const char* reexecuted_marker = "ESCROWD_MALLOC_TUNED";

bool wanted() {
  const char* setting = std::getenv("ESCROWD_MALLOC_TUNING");
  if (setting != nullptr && std::string_view(setting) == "off") return false;
  if (std::getenv(reexecuted_marker) != nullptr) return false;
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  return tunables == nullptr ||
         std::string_view(tunables).find("glibc.malloc.tcache_count") == std::string_view::npos;
}

}  // namespace

void reexec_with_malloc_tuning(char** argv) {
  if (argv == nullptr || argv[0] == nullptr || !wanted()) return;
  std::string tunables;
  if (const char* existing = std::getenv("GLIBC_TUNABLES"); existing != nullptr && *existing)
    tunables.append(existing).push_back(':');
  tunables += "glibc.malloc.tcache_count=" + std::to_string(malloc_thread_cache_count);
  if (::setenv("GLIBC_TUNABLES", tunables.c_str(), 1) != 0) return;
  if (::setenv(reexecuted_marker, "1", 1) != 0) return;
  // The resolved path, not /proc/self/exe itself: the kernel names a process after the
  // file it executes, and ps, top and perf would show "exe".
  std::string self(4096, '\0');
  const ssize_t length = ::readlink("/proc/self/exe", self.data(), self.size() - 1);
  if (length > 0) {
    self.resize(static_cast<std::size_t>(length));
    ::execv(self.c_str(), argv);
  }
  ::execv("/proc/self/exe", argv);  // the file was replaced or deleted since it started
  // No /proc, or exec refused: run as we are, without the tuning.
  ::unsetenv(reexecuted_marker);
}

}  // namespace escrowd::actors
