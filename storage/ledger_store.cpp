#include "storage/ledger_store.hpp"

#include <algorithm>
#include <chrono>
#include <system_error>

#include "engine/error_message.hpp"
#include "storage/keys.hpp"
#include "storage/meta_codec.hpp"
#include "storage/operation_time_index.hpp"
#include "storage/webhook_event_index.hpp"

namespace escrowd::storage {
namespace {

std::uint64_t clamp_map_size(const store_options& options) {
  const auto ceiling = std::max(options.map_size_bytes_max, map_size_bytes_min);
  return std::clamp(options.map_size_bytes_initial, map_size_bytes_min, ceiling);
}

// LMDB maps the data file: reading a page past its end is SIGBUS, in the server and in
// verify alike. A file cut short (a bad copy, a truncation) is refused before any read.
status check_data_file_length(const std::filesystem::path& data_dir, const MDB_envinfo& info,
                              MDB_env* env) {
  MDB_stat stat{};
  if (mdb_env_stat(env, &stat) != MDB_SUCCESS) return {};
  std::error_code failure;
  const auto file = data_dir / "data.mdb";
  const auto length = std::filesystem::file_size(file, failure);
  const auto needed = (static_cast<std::uint64_t>(info.me_last_pgno) + 1) * stat.ms_psize;
  if (failure || length >= needed) return {};
  return rejection(error_code::storage_failed, "data_file",
                   file.string() + " is " + std::to_string(length) + " bytes, shorter than the " +
                       std::to_string(needed) +
                       " its pages need: it was cut short. Restore it from a backup.");
}

}  // namespace

result<std::unique_ptr<ledger_store>> ledger_store::open(const store_options& options) {
  std::unique_ptr<ledger_store> store(new ledger_store());
  if (!options.read_only) {
    auto lock = data_dir_lock::acquire(options.data_dir);
    if (!lock) return lock.failure();
    store->writer_lock_ = std::move(*lock);
  }
  if (auto opened = store->open_env(options); !opened) return opened.failure();
  return store;
}

ledger_store::~ledger_store() {
  close_env();
}

void ledger_store::close_env() {
  read_txns_.drain();
  env_.reset();
  tables_ = {};
}

status ledger_store::open_env(const store_options& options) {
  {
    std::lock_guard lock(stats_mutex_);
    options_ = options;
  }
  std::error_code failure;
  if (!options.read_only) std::filesystem::create_directories(options.data_dir, failure);
  if (failure)
    return rejection(error_code::storage_failed, "data_dir",
                     "Cannot create the data directory " + options.data_dir.string() + ": " +
                         failure.message() + ".");
  const std::string opening = "open the store in " + options.data_dir.string();
  MDB_env* raw = nullptr;
  if (int rc = mdb_env_create(&raw); rc != MDB_SUCCESS) return lmdb_error(rc, "open");
  lmdb_env_handle env(raw);
  map_size_bytes_ = clamp_map_size(options);
  int rc = mdb_env_set_maxreaders(raw, readers_max);
  if (rc == MDB_SUCCESS) rc = mdb_env_set_maxdbs(raw, tables_max);
  if (rc == MDB_SUCCESS) rc = mdb_env_set_mapsize(raw, map_size_bytes_);
  // MDB_NOTLS: read transactions are not bound to a thread (actors migrate). Durability
  // flags stay at LMDB's synchronous defaults on purpose.
  const unsigned flags = MDB_NOTLS | (options.read_only ? MDB_RDONLY : 0u);
  if (rc == MDB_SUCCESS) rc = mdb_env_open(raw, options.data_dir.c_str(), flags, 0640);
  if (rc != MDB_SUCCESS) return lmdb_error(rc, "open", opening);
  // A process killed inside a read transaction leaves its reader slot taken; free it.
  int stale = 0;
  if (rc = mdb_reader_check(raw, &stale); rc != MDB_SUCCESS) return lmdb_error(rc, "open", opening);
  MDB_envinfo info{};
  mdb_env_info(raw, &info);
  if (auto whole = check_data_file_length(options.data_dir, info, raw); !whole) return whole;
  map_size_bytes_ = std::max<std::uint64_t>(map_size_bytes_, info.me_mapsize);
  MDB_stat environment{};
  if (rc = mdb_env_stat(raw, &environment); rc != MDB_SUCCESS)
    return lmdb_error(rc, "open", opening);
  page_size_bytes_ = environment.ms_psize;
  // A map left more than half used (its growths ahead kept from running by reads, or an
  // older binary's) grows now, while no transaction can be open: the indexes a writable
  // open may rebuild need room, and the first commits need none of the forced growth.
  const std::uint64_t used_bytes = (std::uint64_t(info.me_last_pgno) + 1) * page_size_bytes_;
  while (!options.read_only && used_bytes >= map_size_bytes_ / 2 &&
         map_size_bytes_ < options.map_size_bytes_max) {
    const std::uint64_t next = std::min(options.map_size_bytes_max, map_size_bytes_ * 2);
    if (rc = mdb_env_set_mapsize(raw, next); rc != MDB_SUCCESS)
      return lmdb_error(rc, "open", opening);
    map_size_bytes_ = next;
  }

  lmdb_txn txn;
  if (rc = txn.begin(raw, options.read_only ? MDB_RDONLY : 0u); rc != MDB_SUCCESS)
    return lmdb_error(rc, "open");
  if (rc = open_tables(txn.get(), !options.read_only, tables_); rc != MDB_SUCCESS)
    return lmdb_error(rc, "tables");
  if (auto header = check_header(txn.get(), options.read_only); !header) return header;
  if (!options.read_only) {
    if (rc = index_webhook_events_if_needed(txn.get(), tables_); rc != MDB_SUCCESS)
      return lmdb_error(rc, "webhook_event_times", opening);
    if (rc = index_operations_if_needed(txn.get(), tables_); rc != MDB_SUCCESS)
      return lmdb_error(rc, "operation_times", opening);
  }
  lmdb_cursor cursor;
  std::string_view key, value;
  if (rc = cursor.open(txn.get(), tables_.journal); rc != MDB_SUCCESS)
    return lmdb_error(rc, "journal");
  rc = cursor.get(key, value, MDB_LAST);
  if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND) return lmdb_error(rc, "journal");
  if (rc == MDB_SUCCESS && key.size() != 8) return error{error_code::storage_failed, "journal"};
  next_sequence_ = (rc == MDB_SUCCESS ? read_big_endian(key) : 0) + 1;
  cursor.close();
  if (rc = txn.commit(); rc != MDB_SUCCESS) return lmdb_error(rc, "open");
  env_ = std::move(env);
  std::lock_guard lock(stats_mutex_);
  stats_.map_size_bytes = map_size_bytes_;
  stats_.last_sequence = next_sequence_ - 1;
  stats_.failed = false;
  stats_.failure = error_code::ok;
  opening_.fetch_add(1, std::memory_order_release);
  return {};
}

status ledger_store::check_header(MDB_txn* txn, bool read_only) {
  std::string_view stored;
  const int rc = lmdb_get(txn, tables_.meta, header_key, stored);
  if (rc == MDB_SUCCESS) {
    auto header = decode_header(stored);
    if (!header) return header.failure();
    // Another version means another layout: refuse rather than misread it.
    if (header->format_version != store_format_version)
      return error{error_code::storage_failed, "format_version"};
    return {};
  }
  if (rc != MDB_NOTFOUND) return lmdb_error(rc, "header");
  if (read_only) return error{error_code::storage_failed, "header"};
  // A store with data but without a header was not written by this code.
  MDB_stat stat{};
  if (int stat_rc = mdb_stat(txn, tables_.journal, &stat); stat_rc != MDB_SUCCESS)
    return lmdb_error(stat_rc, "header");
  if (stat.ms_entries != 0) return error{error_code::storage_failed, "header"};
  store_header header;
  header.created_at = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  std::string value;
  encode_header(header, value);
  if (int put_rc = lmdb_put(txn, tables_.meta, header_key, value); put_rc != MDB_SUCCESS)
    return lmdb_error(put_rc, "header");
  return {};
}

bool ledger_store::failed() const {
  std::lock_guard lock(stats_mutex_);
  return stats_.failed;
}

void ledger_store::fail(error failure) {
  std::lock_guard lock(stats_mutex_);
  stats_.failed = true;
  stats_.failure = failure.code;
}

status ledger_store::reload() {
  return reload(options());
}

status ledger_store::reload(const store_options& options) {
  std::lock_guard write(write_mutex_);
  kept_rows_.clear();
  gate_.enter_exclusive();
  close_env();
  auto opened = open_env(options);
  gate_.leave_exclusive();
  if (!opened) fail(opened.failure());
  return opened;
}

result<read_snapshot> ledger_store::snapshot() const {
  gate_.enter_shared();
  if (!env_) {
    gate_.leave_shared();
    return error{error_code::storage_failed, "closed"};
  }
  lmdb_txn txn;
  if (int rc = read_txns_.take(env_.get(), txn); rc != MDB_SUCCESS) {
    gate_.leave_shared();
    return lmdb_error(rc, "read");
  }
  return read_snapshot(std::move(txn), tables_, &read_txns_, &gate_);
}

result<account> ledger_store::get_account(std::string_view id) const {
  auto view = snapshot();
  if (!view) return view.failure();
  return view->get_account(id);
}

result<task> ledger_store::get_task(std::string_view id) const {
  auto view = snapshot();
  if (!view) return view.failure();
  return view->get_task(id);
}

result<processor_operation> ledger_store::get_operation(processor_kind kind,
                                                        std::string_view id) const {
  auto view = snapshot();
  if (!view) return view.failure();
  return view->get_operation(kind, id);
}

result<idempotency_record> ledger_store::get_idempotency(std::string_view scope,
                                                         std::string_view key) const {
  auto view = snapshot();
  if (!view) return view.failure();
  return view->get_idempotency(scope, key);
}

result<api_key_record> ledger_store::get_api_key(const api_key_hash& hash) const {
  auto view = snapshot();
  if (!view) return view.failure();
  return view->get_api_key(hash);
}

storage_stats ledger_store::stats() const {
  std::uint64_t used = 0;
  gate_.enter_shared();
  if (env_) {
    MDB_envinfo info{};
    MDB_stat stat{};
    if (mdb_env_info(env_.get(), &info) == MDB_SUCCESS &&
        mdb_env_stat(env_.get(), &stat) == MDB_SUCCESS)
      used = (std::uint64_t(info.me_last_pgno) + 1) * stat.ms_psize;
  }
  gate_.leave_shared();
  std::lock_guard lock(stats_mutex_);
  storage_stats copy = stats_;
  copy.map_used_bytes = used;
  return copy;
}

store_options ledger_store::options() const {
  std::lock_guard lock(stats_mutex_);
  return options_;
}

std::uint64_t ledger_store::last_sequence() const {
  std::lock_guard lock(stats_mutex_);
  return stats_.last_sequence;
}

}  // namespace escrowd::storage
