// A small tmpfs for disk-full tests: mounted under a scratch directory, with a filler file
// taking part of it, unmounted on destruction. Mounting needs root; mounted() is false
// where it is refused (the tests skip there).
#pragma once

#include <sys/mount.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "storage/ledger_store.hpp"
#include "tests/storage/storage_test_support.hpp"

namespace escrowd::storage::testing {

struct small_filesystem {
  small_filesystem(const char* name, const char* size, std::size_t filler_bytes)
      : dir(name), mount_point(dir.path() / "fs"), filler(mount_point / "filler") {
    std::filesystem::create_directories(mount_point);
    if (::mount("tmpfs", mount_point.c_str(), "tmpfs", 0, size) != 0) {
      refusal = std::strerror(errno);
      return;
    }
    std::ofstream(filler) << std::string(filler_bytes, 'x');
  }
  ~small_filesystem() {
    if (mounted()) ::umount2(mount_point.c_str(), MNT_DETACH);
  }
  small_filesystem(const small_filesystem&) = delete;
  small_filesystem& operator=(const small_filesystem&) = delete;

  bool mounted() const { return refusal.empty(); }
  store_options options() const {
    store_options out;
    out.data_dir = mount_point / "data";
    out.map_size_bytes_initial = 64 << 20;  // far more than the filesystem holds
    out.map_size_bytes_max = 64 << 20;
    return out;
  }

  scratch_dir dir;
  std::filesystem::path mount_point;
  std::filesystem::path filler;
  std::string refusal;
};

}  // namespace escrowd::storage::testing
