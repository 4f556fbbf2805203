// ledger_store's write path: commit_batch with map growth and sticky failure. (The store's
// open/read half is in ledger_store.cpp, the reapers in reaping.cpp.)
#include <sys/statvfs.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <optional>

#include "storage/idempotency_codec.hpp"
#include "storage/keys.hpp"
#include "storage/ledger_store.hpp"
#include "storage/record_applier.hpp"

namespace escrowd::storage {
namespace {

struct filesystem_space {
  std::uint64_t free = 0;  // what an unprivileged process may still write there
  std::uint64_t size = 0;
};

// nullopt if the filesystem will not say.
std::optional<filesystem_space> space_of(const std::filesystem::path& data_dir) {
  struct statvfs space {};
  if (::statvfs(data_dir.c_str(), &space) != 0) return std::nullopt;
  return filesystem_space{std::uint64_t(space.f_bavail) * space.f_frsize,
                          std::uint64_t(space.f_blocks) * space.f_frsize};
}

// The free space a full filesystem must have again before the store reopens: the
// configured amount, but at most an eighth of a small filesystem's size (a 16 MiB margin
// on an 8 MiB filesystem never comes back), and never below what counts as full.
std::uint64_t room_to_reopen(const filesystem_space& space, std::uint64_t configured) {
  return std::max(std::min(configured, space.size / 8), 2 * disk_free_bytes_full_max);
}

// LMDB turns a short pwrite (the filesystem ran out of space mid-write) into EIO. Tell the
// two apart by asking the filesystem, so a full disk reads as storage_full.
int classify_write_failure(int code, const std::filesystem::path& data_dir) {
  if (code != EIO) return code;
  const auto space = space_of(data_dir);
  return space && space->free < disk_free_bytes_full_max ? ENOSPC : code;
}

// Its actor's memory may hold a change that failed before the store reopened.
bool decided_before_reopening(const commit_record& record, std::uint64_t current_opening) {
  return record.decided_in_opening != 0 && record.decided_in_opening < current_opening;
}

batch_result failed_batch(std::size_t size, error failure) {
  batch_result out;
  out.outcome = failure;
  out.records.assign(size, commit_result{failure, 0});
  return out;
}

}  // namespace

int ledger_store::begin_write(lmdb_txn& txn) {
  if (!env_) return EINVAL;
  return txn.begin(env_.get(), 0);
}

bool ledger_store::grow_map(bool wait) {
  const std::uint64_t ceiling = options().map_size_bytes_max;
  if (map_size_bytes_ >= ceiling) return false;
  const std::uint64_t next = std::min(ceiling, map_size_bytes_ * 2);
  // LMDB allows a resize only while this process has no transaction open.
  if (wait) {
    gate_.enter_exclusive();
  } else if (!gate_.try_enter_exclusive()) {
    return false;
  }
  read_txns_.drain();
  const int rc = mdb_env_set_mapsize(env_.get(), next);
  gate_.leave_exclusive();
  if (rc != MDB_SUCCESS) return false;
  map_size_bytes_ = next;
  std::lock_guard lock(stats_mutex_);
  stats_.map_size_bytes = next;
  ++stats_.map_growths;
  return true;
}

void ledger_store::grow_map_ahead() {
  MDB_envinfo info{};
  if (mdb_env_info(env_.get(), &info) != MDB_SUCCESS) return;
  const std::uint64_t used_bytes = (std::uint64_t(info.me_last_pgno) + 1) * page_size_bytes_;
  if (used_bytes >= map_size_bytes_ / 2) (void)grow_map(/*wait=*/false);
}

void ledger_store::record_batch(std::size_t size, std::size_t applied, std::uint64_t elapsed_ns) {
  std::lock_guard lock(stats_mutex_);
  ++stats_.batches;
  ++stats_.syncs;
  stats_.records_applied += applied;
  stats_.records_rejected += size - applied;
  ++stats_.batch_size_counts[batch_size_bucket(size)];
  stats_.commit_ns_total += elapsed_ns;
  stats_.commit_ns_max = std::max(stats_.commit_ns_max, elapsed_ns);
  stats_.last_sequence = next_sequence_ - 1;
}

int ledger_store::write_with_growth(const std::function<int(MDB_txn*)>& body) {
  for (int attempt = 0;; ++attempt) {
    gate_.enter_shared();
    lmdb_txn txn;
    int rc = begin_write(txn);
    if (rc == MDB_SUCCESS) rc = body(txn.get());
    // The commit is the sync: it returns after fdatasync and the meta page write.
    if (rc == MDB_SUCCESS) rc = txn.commit();
    txn.abort();
    gate_.leave_shared();
    // Nothing of a failed attempt is visible: the transaction was aborted, or its commit
    // failed before the meta page. A full map is grown and the body rerun from scratch.
    if (rc == MDB_MAP_FULL && attempt < map_growths_per_batch_max && grow_map(/*wait=*/true))
      continue;
    if (rc != MDB_SUCCESS) {
      rc = classify_write_failure(rc, options().data_dir);
      fail(write_failure(rc, "commit"));
      std::lock_guard lock(stats_mutex_);
      ++stats_.batches_failed;
      stats_.failure_system_code = rc;
    }
    return rc;
  }
}

ledger_store::recovery ledger_store::recover_from_failure() {
  int cause = 0;
  {
    std::lock_guard lock(stats_mutex_);
    if (!stats_.failed) return recovery::reopened;
    cause = stats_.failure_system_code;
  }
  // A full filesystem fails a batch before LMDB writes its meta page (the data pages'
  // write or sync fails first; the meta pages never grow the file), and were the meta
  // page's own write to fail, LMDB writes the previous one back: the disk holds the last
  // good commit and a reopen reads exactly that.
  if (cause != ENOSPC && cause != EDQUOT) return recovery::needs_restart;
  const auto configured = options();
  const auto space = space_of(configured.data_dir);
  if (!space || space->free < room_to_reopen(*space, configured.recovery_free_bytes_min))
    return recovery::not_yet;
  if (!reload().ok()) return recovery::not_yet;
  std::lock_guard lock(stats_mutex_);
  ++stats_.recoveries;
  return recovery::reopened;
}

batch_result ledger_store::commit_batch(std::span<const commit_record> records) {
  if (records.size() > batch_records_max)
    return failed_batch(records.size(), error{error_code::internal, "batch"});
  std::lock_guard write(write_mutex_);
  {
    std::lock_guard lock(stats_mutex_);
    if (stats_.failed) return failed_batch(records.size(), error{stats_.failure, "sticky"});
    if (options_.read_only)
      return failed_batch(records.size(), error{error_code::storage_failed, "read_only"});
  }
  const auto started = std::chrono::steady_clock::now();
  batch_result out;
  out.records.resize(records.size());
  std::uint64_t sequence = 0;
  std::size_t applied = 0;
  const int rc = write_with_growth([&](MDB_txn* txn) {
    sequence = next_sequence_;
    applied = 0;
    kept_rows_.abort();  // what an attempt before a map growth staged
    record_applier applier(txn, tables_, kept_rows_);
    const auto current_opening = opening();
    for (std::size_t i = 0; i < records.size(); ++i) {
      if (decided_before_reopening(records[i], current_opening)) {
        out.records[i] = commit_result{error{error_code::not_ready, "reopened"}, 0};
        continue;
      }
      out.records[i] = applier.apply(records[i], sequence);
      if (applier.lmdb_code() != MDB_SUCCESS) return applier.lmdb_code();
      if (out.records[i].outcome) ++applied;
    }
    return MDB_SUCCESS;
  });
  if (rc != MDB_SUCCESS) {
    kept_rows_.abort();
    return failed_batch(records.size(), write_failure(rc, "commit"));
  }
  kept_rows_.commit();
  next_sequence_ = sequence;
  grow_map_ahead();
  const auto elapsed = std::chrono::steady_clock::now() - started;
  record_batch(
      records.size(), applied,
      std::uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count()));
  return out;
}

}  // namespace escrowd::storage
