// ledger_store: the durable store of escrowd, one LMDB environment under the data
// directory (FORMAT.md). It applies batches of commit records in one write transaction
// and one sync each, serves consistent reads, grows the map on demand up to a ceiling,
// and turns sticky-failed after a failed commit: every later write is refused until
// reload() has reopened the environment from disk (LevelDB's RecordBackgroundError),
// because callers that applied changes in memory may now be ahead of the disk.
// Durability: LMDB's default flags only (fdatasync plus a synchronous meta page per
// commit); never MDB_NOSYNC or MDB_NOMETASYNC. A record is acknowledged by commit_batch
// returning, which happens after the sync.
// Thread affinity: all members are thread-safe. Writes (commit_batch, reap, reload) are
// serialized internally; the group_commit_writer gives them one thread. Reads run
// concurrently with writes. Lifetime: outlives every read_snapshot it handed out.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "storage/commit_record.hpp"
#include "storage/committed_rows.hpp"
#include "storage/data_dir_lock.hpp"
#include "storage/env_gate.hpp"
#include "storage/limits.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/read_snapshot.hpp"
#include "storage/read_txn_pool.hpp"
#include "storage/storage_stats.hpp"

namespace escrowd::storage {

struct store_options {
  std::filesystem::path data_dir = "./data";  // created if missing
  std::uint64_t map_size_bytes_initial = map_size_bytes_initial_default;
  std::uint64_t map_size_bytes_max = map_size_bytes_max_default;
  // recover_from_failure reopens after a full filesystem only with this much free.
  std::uint64_t recovery_free_bytes_min = recovery_free_bytes_min_default;
  // Opens without writing anything (for `escrowd verify` / backup next to a running
  // server); writes are refused.
  bool read_only = false;
};

struct batch_result {
  status outcome;  // storage_full / storage_failed / not_ready: the whole batch failed
  std::vector<commit_result> records;  // one per record, in order
};

class ledger_store {
 public:
  // Opens (creating the directory and tables if needed), clears stale reader slots,
  // writes or checks the header: a store of another format version is refused.
  [[nodiscard]] static result<std::unique_ptr<ledger_store>> open(const store_options& options);
  ~ledger_store();
  ledger_store(const ledger_store&) = delete;
  ledger_store& operator=(const ledger_store&) = delete;

  // One write transaction, one sync. Each record is applied all or nothing; a rejected
  // record leaves no trace and does not affect the others. If the transaction itself fails,
  // nothing of the batch is visible, every record gets the batch's error, and the store
  // turns sticky-failed. At most batch_records_max records.
  [[nodiscard]] batch_result commit_batch(std::span<const commit_record> records);

  // Handles up to `limit` (clamped to reap_records_per_call_max) expiry index keys at or
  // before `now` in one small write transaction, deleting the records that expired (stale
  // keys of replaced records are only dropped). Returns how many records it deleted.
  [[nodiscard]] result<std::size_t> reap_expired_idempotency(std::int64_t now, std::size_t limit);
  // The same for webhook events processed before `processed_before`, oldest first
  // (webhook_event_index.hpp). Returns how many event rows it deleted.
  [[nodiscard]] result<std::size_t> reap_webhook_events(std::int64_t processed_before,
                                                        std::size_t limit);

  [[nodiscard]] bool failed() const;
  // Reopens the environment from disk (with new options, e.g. a higher map ceiling) and
  // clears the sticky failure if that succeeds. Waits for open snapshots to end.
  [[nodiscard]] status reload();
  [[nodiscard]] status reload(const store_options& options);
  // What a running server calls while sticky-failed: reopens (reload) when the failure is
  // one a reopen cures and its cause is gone, a full filesystem with room again
  // (recovery_free_bytes_min). not_yet while it is still short of room, or when the reopen
  // itself failed; needs_restart when the map reached its configured ceiling (a restart
  // with a higher one cures it) and after any other failure: after a failed sync the page
  // cache may not match the disk (PostgreSQL's fsync lesson), so only a restart, which
  // reads the disk afresh, may reopen it. reopened at once when the store has not failed.
  enum class recovery : std::uint8_t { reopened, not_yet, needs_restart };
  [[nodiscard]] recovery recover_from_failure();
  // Counts the environment's openings (1 after open, +1 per successful reload). A record
  // decided from rows read in an earlier opening is refused (commit_record.hpp).
  [[nodiscard]] std::uint64_t opening() const { return opening_.load(std::memory_order_acquire); }

  // A consistent read view. Fails with storage_failed if the environment is closed.
  [[nodiscard]] result<read_snapshot> snapshot() const;
  [[nodiscard]] result<account> get_account(std::string_view id) const;
  [[nodiscard]] result<task> get_task(std::string_view id) const;
  [[nodiscard]] result<processor_operation> get_operation(processor_kind kind,
                                                          std::string_view id) const;
  [[nodiscard]] result<idempotency_record> get_idempotency(std::string_view scope,
                                                           std::string_view key) const;
  [[nodiscard]] result<api_key_record> get_api_key(const api_key_hash& hash) const;

  // A compacted, consistent copy of the whole store into `file` (mdb_env_copyfd2 with
  // MDB_CP_COMPACT inside a read transaction), fsync'd. Safe while writes continue.
  // Restore by placing the file as data.mdb in an empty data directory.
  [[nodiscard]] status backup(const std::filesystem::path& file) const;

  [[nodiscard]] storage_stats stats() const;
  [[nodiscard]] store_options options() const;
  // The sequence of the newest committed entry (0 when the journal is empty).
  [[nodiscard]] std::uint64_t last_sequence() const;

 private:
  ledger_store() = default;
  [[nodiscard]] status open_env(const store_options& options);
  void close_env();
  [[nodiscard]] status check_header(MDB_txn* txn, bool read_only);
  [[nodiscard]] int begin_write(lmdb_txn& txn);
  // Doubles the map (up to the ceiling). `wait`: until every open snapshot has ended;
  // otherwise only if none is open now. Caller holds write_mutex_.
  [[nodiscard]] bool grow_map(bool wait);
  // Grows a map that is half used while no snapshot is open, so that MDB_MAP_FULL, whose
  // growth must wait for every snapshot (a long verify holds one), stays rare.
  void grow_map_ahead();
  // Runs `body` in a write transaction and commits it; on MDB_MAP_FULL grows the map and
  // reruns `body` from scratch. Any other failure makes the store sticky-failed. Returns
  // the LMDB code. Caller holds write_mutex_.
  [[nodiscard]] int write_with_growth(const std::function<int(MDB_txn*)>& body);
  // One bounded chunk of a reaper inside a write transaction: adds the rows it deleted to
  // its last argument, returns the LMDB code.
  using chunk_reaper = std::function<int(MDB_txn*, std::size_t limit, std::size_t& reaped)>;
  // Runs `chunk` in its own write transaction (with map growth; a failure fails the store)
  // and counts what it deleted in `reaped_total`.
  [[nodiscard]] result<std::size_t> reap(std::string_view param,
                                         std::uint64_t storage_stats::*reaped_total,
                                         std::size_t limit, const chunk_reaper& chunk);
  [[nodiscard]] int reap_chunk(MDB_txn* txn, std::int64_t now, std::size_t limit,
                               std::size_t& reaped);
  void fail(error failure);
  void record_batch(std::size_t size, std::size_t applied, std::uint64_t elapsed_ns);

  data_dir_lock writer_lock_;       // first: released after everything below is closed
  mutable std::mutex write_mutex_;  // one writer at a time; taken before the gate
  mutable env_gate gate_;           // shared: any transaction; exclusive: resize, reopen
  mutable read_txn_pool read_txns_{read_txns_kept_max};  // drained under the exclusive gate
  mutable std::mutex stats_mutex_;                       // guards everything below
  store_options options_;
  lmdb_env_handle env_;
  table_handles tables_;
  std::uint64_t map_size_bytes_ = 0;
  std::uint64_t page_size_bytes_ = 0;
  std::uint64_t next_sequence_ = 1;              // written by the writer only (under write_mutex_)
  writer_rows kept_rows_{writer_kept_rows_max};  // under write_mutex_
  storage_stats stats_;
  std::atomic<std::uint64_t> opening_{0};
};

// Backs up a data directory that another process (the server) may be writing, by opening
// it read-only. Used by `escrowd backup --data-dir D --to FILE`.
[[nodiscard]] status backup_data_dir(const std::filesystem::path& data_dir,
                                     const std::filesystem::path& file);

}  // namespace escrowd::storage
