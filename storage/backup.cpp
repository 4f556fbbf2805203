// Backups: LMDB's consistent copy (mdb_env_copyfd2 with MDB_CP_COMPACT runs inside its own
// read transaction, so writers continue). The copy goes to a temporary file of its own
// (two backups to one name never write into each other's) that is fsync'd and then
// renamed, so a crash never leaves a half-written file under the name. A backup holds a
// lock on its temporary file while it writes; the next backup to the same name removes the
// temporaries no live backup holds (one killed mid-copy left its file behind).
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <system_error>

#include "engine/error_message.hpp"
#include "storage/ledger_store.hpp"

namespace escrowd::storage {
namespace {

error backup_refusal(std::string_view param, std::string message) {
  return rejection(error_code::storage_failed, param, std::move(message));
}

// Whether `file` would lie in `directory`: some directory above it is that directory,
// compared as files (device and inode), so neither links, dots nor a bind mount hide it.
bool lies_within(const std::filesystem::path& file, const std::filesystem::path& directory) {
  std::error_code failure;
  auto above = std::filesystem::absolute(file, failure).parent_path();
  if (failure) return false;
  for (;;) {
    std::error_code missing;
    if (std::filesystem::equivalent(above, directory, missing) && !missing) return true;
    if (above == above.parent_path()) return false;
    above = above.parent_path();
  }
}

// The target may only be a new name or a regular file, which it replaces: never the
// store's own files (renamed over a live data.mdb, it would take every later commit with
// it at the next restart), a directory, a device or a symbolic link.
status check_backup_target(const std::filesystem::path& file,
                           const std::filesystem::path& data_dir) {
  if (lies_within(file, data_dir))
    return backup_refusal("backup_file", file.string() + " is inside the data directory " +
                                             data_dir.string() +
                                             ": write the backup somewhere else.");
  std::error_code failure;
  const auto status = std::filesystem::symlink_status(file, failure);
  if (failure && status.type() != std::filesystem::file_type::not_found)
    return backup_refusal("backup_file",
                          "Cannot inspect " + file.string() + ": " + failure.message() + ".");
  if (status.type() != std::filesystem::file_type::not_found &&
      status.type() != std::filesystem::file_type::regular)
    return backup_refusal("backup_file", file.string() +
                                             " exists and is not a regular file: name a new "
                                             "file or a regular file to replace.");
  return {};
}

// Time a temporary file must have stood unchanged before it counts as abandoned: it closes
// the moment between a live backup's mkostemp and its flock.
constexpr auto abandoned_after = std::chrono::seconds(10);

// Removes `file`'s temporaries (FILE.tmp.XXXXXX) that no live backup holds locked.
void remove_abandoned_temporaries(const std::filesystem::path& file) {
  const auto directory = file.has_parent_path() ? file.parent_path() : ".";
  const std::string prefix = file.filename().string() + ".tmp.";
  std::error_code failure;
  for (const auto& entry : std::filesystem::directory_iterator(directory, failure)) {
    const auto name = entry.path().filename().string();
    if (name.size() != prefix.size() + 6 || !name.starts_with(prefix)) continue;
    const int fd = ::open(entry.path().c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) continue;
    struct stat info {};
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    if (::fstat(fd, &info) == 0 && S_ISREG(info.st_mode) &&
        now - std::chrono::seconds(info.st_mtim.tv_sec) >= abandoned_after &&
        ::flock(fd, LOCK_EX | LOCK_NB) == 0)
      ::unlink(entry.path().c_str());
    ::close(fd);
  }
}

}  // namespace

status ledger_store::backup(const std::filesystem::path& file) const {
  std::filesystem::path data_dir;
  {
    std::lock_guard lock(stats_mutex_);
    data_dir = options_.data_dir;
  }
  if (auto allowed = check_backup_target(file, data_dir); !allowed) return allowed;
  remove_abandoned_temporaries(file);
  std::string temporary = file.string() + ".tmp.XXXXXX";
  const int fd = ::mkostemp(temporary.data(), O_CLOEXEC);
  if (fd < 0)
    return backup_refusal("backup_file",
                          "Cannot create " + temporary + ": " + std::strerror(errno) + ".");
  (void)::flock(fd, LOCK_EX);  // a new file: nobody else holds it
  (void)::fchmod(fd, 0640);
  gate_.enter_shared();
  int rc = env_ ? mdb_env_copyfd2(env_.get(), fd, MDB_CP_COMPACT) : EINVAL;
  gate_.leave_shared();
  if (rc == MDB_SUCCESS && ::fsync(fd) != 0) rc = errno;
  if (::close(fd) != 0 && rc == MDB_SUCCESS) rc = errno;
  if (rc == MDB_SUCCESS && std::rename(temporary.c_str(), file.c_str()) != 0) rc = errno;
  if (rc != MDB_SUCCESS) {
    ::unlink(temporary.c_str());
    return lmdb_error(rc, "backup", "write the backup " + file.string());
  }
  // Make the rename itself durable.
  const auto directory = file.has_parent_path() ? file.parent_path() : ".";
  if (const int dir = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir >= 0) {
    (void)::fsync(dir);
    ::close(dir);
  }
  return {};
}

status backup_data_dir(const std::filesystem::path& data_dir, const std::filesystem::path& file) {
  store_options options;
  options.data_dir = data_dir;
  options.read_only = true;
  auto store = ledger_store::open(options);
  if (!store) return store.failure();
  return (*store)->backup(file);
}

}  // namespace escrowd::storage
