// record_applier: applies the records of one batch to an open LMDB write transaction,
// each all or nothing. A record is first checked against the transaction's current
// contents (which include the records applied before it) with reads only, its new rows
// staged in memory; only if every check passes are its rows written. A rejected record
// therefore writes nothing, and needs neither a nested transaction nor an undo log.
// A failure of LMDB itself (map full, I/O) is not a rejection: it is reported through
// lmdb_code() and the caller aborts the whole batch.
// Thread affinity: the thread that owns the write transaction. Lifetime: one batch.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "storage/account_codec.hpp"
#include "storage/commit_record.hpp"
#include "storage/committed_rows.hpp"
#include "storage/lmdb_env.hpp"

namespace escrowd::storage {

class record_applier {
 public:
  // `kept`: the rows the writer keeps; rows this transaction writes are staged into it.
  record_applier(MDB_txn* txn, const table_handles& tables, writer_rows& kept)
      : txn_(txn), tables_(tables), kept_(kept) {}

  // Checks and, if accepted, writes `record`; an entry gets sequence `next_sequence`,
  // which then advances. After a non-zero lmdb_code() the transaction must be aborted.
  [[nodiscard]] commit_result apply(const commit_record& record, std::uint64_t& next_sequence);
  [[nodiscard]] int lmdb_code() const { return lmdb_code_; }

 private:
  struct staged_account {
    account_row stored;
    bool touched = false;  // created or changed: written back
  };
  // One ledger book a record touches: the sum of its legs and of the matching changes.
  struct book_sum {
    book_kind kind;
    std::string_view owner;
    std::int64_t legs = 0;
    std::int64_t changes = 0;
  };
  struct staged_task {
    const task* row = nullptr;
    std::int64_t old_escrow = 0;
    bool old_indexed = false;  // the stored row is submitted: it has a deadline index key
    std::int64_t old_deadline = 0;
  };

  [[nodiscard]] status stage(const commit_record& record, std::uint64_t sequence);
  [[nodiscard]] status stage_accounts(const commit_record& record);
  [[nodiscard]] status stage_tasks(const commit_record& record);
  [[nodiscard]] status stage_operations(const commit_record& record);
  [[nodiscard]] status check_ledger(const commit_record& record);
  [[nodiscard]] status add_to_book(book_kind kind, std::string_view owner, std::int64_t amount,
                                   bool is_leg);
  [[nodiscard]] status stage_idempotency(const commit_record& record);
  [[nodiscard]] status stage_keys_and_events(const commit_record& record);
  // The staged row of an account, from the cache or read from the transaction on first use.
  [[nodiscard]] result<staged_account*> load_account(std::string_view id);
  // True when `key` exists in `dbi`; a read failure is recorded and also counts as present
  // so that the record is refused.
  [[nodiscard]] bool exists(MDB_dbi dbi, std::string_view key);
  [[nodiscard]] status read_failed(int code);

  // The stored value of tasks_[index]: as the deciding actor encoded it, if it did.
  [[nodiscard]] std::string_view task_value(const commit_record& record, std::size_t index);
  // Puts the created task rows, refusing an id already stored: the lookup that finds a
  // duplicate is the put's own descent. First, so a refused record has written nothing.
  [[nodiscard]] status put_created_tasks(const commit_record& record);
  void write(const commit_record& record, std::uint64_t sequence);
  void write_tasks(const commit_record& record);
  // Links the entry into the chains of the accounts it touches: their staged heads move to
  // `sequence`, and owner_previous_ gets the links write_entry stores.
  [[nodiscard]] status link_entry(const journal_entry& entry, std::uint64_t sequence);
  void write_entry(const journal_entry& entry, std::uint64_t sequence);
  void write_idempotency(const idempotency_record& row);
  void write_keys_and_events(const commit_record& record);
  void put(MDB_dbi dbi, std::string_view key, std::string_view value, unsigned flags = 0);
  void del(MDB_dbi dbi, std::string_view key);

  MDB_txn* txn_;
  const table_handles& tables_;
  writer_rows& kept_;
  int lmdb_code_ = 0;
  // Per-record staging, reused across records to avoid allocations.
  std::vector<staged_account> accounts_;
  std::vector<staged_task> tasks_;
  std::vector<api_key_record> revoked_keys_;
  std::vector<std::uint64_t> owner_previous_;
  std::vector<book_sum> book_sums_;
  std::uint32_t expiry_serial_ = 0;  // makes expiry keys unique within the transaction
  std::string key_;
  std::string value_;
};

}  // namespace escrowd::storage
