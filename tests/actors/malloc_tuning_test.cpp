// Tests that escrowd's processes start once more with glibc's thread cache sized
// (actors/malloc_tuning.hpp), keep tunables they were given, and can opt out.
#include "actors/malloc_tuning.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <string>

namespace {

std::string run_probe(const std::string& environment) {
  const std::string command =
      "env -u GLIBC_TUNABLES -u ESCROWD_MALLOC_TUNING -u ESCROWD_MALLOC_TUNED " + environment +
      " " ESCROWD_MALLOC_TUNING_PROBE_PATH;
  std::string output;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return "popen failed";
  std::array<char, 256> buffer{};
  while (std::fgets(buffer.data(), int(buffer.size()), pipe) != nullptr) output += buffer.data();
  ::pclose(pipe);
  return output;
}

const std::string tuned =
    "glibc.malloc.tcache_count=" + std::to_string(escrowd::actors::malloc_thread_cache_count);
// The probe's process name (the kernel keeps 15 characters): the re-executed process keeps
// its own name, not "exe" from /proc/self/exe.
const std::string as_probe = " as malloc_tuning_p\n";

TEST(malloc_tuning, a_process_restarts_once_with_the_thread_cache_sized_and_its_name) {
  EXPECT_EQ(run_probe(""), "start -" + as_probe + "start " + tuned + as_probe);
}

TEST(malloc_tuning, tunables_already_given_are_kept) {
  EXPECT_EQ(run_probe("GLIBC_TUNABLES=glibc.malloc.trim_threshold=1048576"),
            "start glibc.malloc.trim_threshold=1048576" + as_probe +
                "start glibc.malloc.trim_threshold=1048576:" + tuned + as_probe);
}

TEST(malloc_tuning, a_count_already_given_wins_and_nothing_restarts) {
  EXPECT_EQ(run_probe("GLIBC_TUNABLES=glibc.malloc.tcache_count=7"),
            "start glibc.malloc.tcache_count=7" + as_probe);
}

TEST(malloc_tuning, it_can_be_switched_off) {
  EXPECT_EQ(run_probe("ESCROWD_MALLOC_TUNING=off"), "start -" + as_probe);
}

}  // namespace
