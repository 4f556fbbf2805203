// data_dir_lock: one writing process per data directory. LMDB lets several processes open
// one environment, and two escrowd servers on one directory would each decide from its own
// memory and commit on top of the other's journal (the second writer of a sequence fails
// for good). A writable store holds an exclusive flock on `<data_dir>/writer.lock` for its
// lifetime; the kernel drops it when the process dies, kill -9 included, so a restart
// never finds a stale lock. Read-only opens (verify, backup) do not take it.
// Thread affinity: none; an owning handle.
#pragma once

#include <filesystem>

#include "engine/result.hpp"

namespace escrowd::storage {

class data_dir_lock {
 public:
  data_dir_lock() = default;
  // Creates the directory if missing; fails when another process (or another store in
  // this process) holds the lock.
  [[nodiscard]] static result<data_dir_lock> acquire(const std::filesystem::path& data_dir);
  ~data_dir_lock();
  data_dir_lock(data_dir_lock&& other) noexcept;
  data_dir_lock& operator=(data_dir_lock&& other) noexcept;
  data_dir_lock(const data_dir_lock&) = delete;
  data_dir_lock& operator=(const data_dir_lock&) = delete;

 private:
  explicit data_dir_lock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace escrowd::storage
