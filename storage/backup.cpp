// Backups: LMDB's consistent copy (mdb_env_copyfd2 with MDB_CP_COMPACT runs inside its own
// read transaction, so writers continue). The copy goes to a temporary file that is
// fsync'd and then renamed, so a crash never leaves a half-written file under the name.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>

#include "storage/ledger_store.hpp"

namespace escrowd::storage {

status ledger_store::backup(const std::filesystem::path& file) const {
  const std::string temporary = file.string() + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) return error{error_code::storage_failed, "backup_file"};
  gate_.enter_shared();
  int rc = env_ ? mdb_env_copyfd2(env_.get(), fd, MDB_CP_COMPACT) : EINVAL;
  gate_.leave_shared();
  if (rc == MDB_SUCCESS && ::fsync(fd) != 0) rc = errno;
  if (::close(fd) != 0 && rc == MDB_SUCCESS) rc = errno;
  if (rc == MDB_SUCCESS && std::rename(temporary.c_str(), file.c_str()) != 0) rc = errno;
  if (rc != MDB_SUCCESS) {
    ::unlink(temporary.c_str());
    return lmdb_error(rc, "backup");
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
