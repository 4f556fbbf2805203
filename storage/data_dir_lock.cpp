#include "storage/data_dir_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>
#include <utility>

#include "engine/error_message.hpp"

namespace escrowd::storage {

result<data_dir_lock> data_dir_lock::acquire(const std::filesystem::path& data_dir) {
  std::error_code created;
  std::filesystem::create_directories(data_dir, created);
  if (created)
    return rejection(
        error_code::storage_failed, "data_dir",
        "Cannot create the data directory " + data_dir.string() + ": " + created.message() + ".");
  const auto path = data_dir / "writer.lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0)
    return rejection(error_code::storage_failed, "data_dir",
                     "Cannot open " + path.string() + ": " + std::strerror(errno) + ".");
  // flock, not fcntl locks: an fcntl lock is the process's, so a second store in this
  // process would take it again; a flock belongs to this open file description.
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int cause = errno;
    ::close(fd);
    if (cause == EWOULDBLOCK)
      return rejection(
          error_code::storage_failed, "data_dir",
          "The data directory " + data_dir.string() + " is in use by another escrowd process.");
    return rejection(error_code::storage_failed, "data_dir",
                     "Cannot lock " + path.string() + ": " + std::strerror(cause) + ".");
  }
  return data_dir_lock(fd);
}

data_dir_lock::~data_dir_lock() {
  if (fd_ >= 0) ::close(fd_);  // closing the last descriptor releases the flock
}

data_dir_lock::data_dir_lock(data_dir_lock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

data_dir_lock& data_dir_lock::operator=(data_dir_lock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

}  // namespace escrowd::storage
