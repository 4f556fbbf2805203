// committed_rows: rows as the last committed write transaction left them, kept by the
// storage writer so that checking a record against the disk does not read and decode the
// same rows from LMDB again and again: the payer's and worker's account rows, and the
// standing (escrow, state, deadline) of a task row being replaced. Together they were about
// a quarter of the writer's work per escrow transition.
// Only what a committed transaction wrote is kept: rows written by the open transaction
// wait as pending until its commit returns, and are dropped if it fails (or is retried
// after a map growth), so a cache never runs ahead of the disk. A row that will not be
// written again (a settled task) is forgotten with the commit that settles it, so the
// cache holds what is in progress. Bounded: when full, it starts over.
// Thread affinity: the storage writer's thread (under ledger_store's write mutex).
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/string_map.hpp"
#include "storage/account_codec.hpp"
#include "storage/task_codec.hpp"

namespace escrowd::storage {

template <class Row>
class committed_rows {
 public:
  explicit committed_rows(std::size_t rows_max) : rows_max_(rows_max) {}

  // The row as the open transaction sees it (its own writes first), or nullptr.
  [[nodiscard]] const Row* find(std::string_view id) const {
    const auto found = slots_.find(id);
    if (found == slots_.end()) return nullptr;
    const slot& kept = found->second;
    const auto& row = kept.staged ? kept.pending : kept.committed;
    return row ? &*row : nullptr;
  }
  // A row the open transaction wrote.
  void stage(std::string_view id, const Row& row) { staged_slot(id).pending = row; }
  // A row the open transaction wrote for the last time: not kept once it commits.
  void forget(std::string_view id) { staged_slot(id).pending.reset(); }
  // The open transaction committed: its rows are now what the disk holds.
  void commit() {
    if (committed_count_ + staged_.size() > rows_max_) drop_unstaged();
    for (auto* entry : staged_) {
      slot& kept = entry->second;
      kept.staged = false;
      if (kept.committed) --committed_count_;
      kept.committed = std::move(kept.pending);
      kept.pending.reset();
      if (kept.committed)
        ++committed_count_;
      else
        slots_.erase(slots_.find(std::string_view(entry->first)));
    }
    staged_.clear();
  }
  // The open transaction was aborted: forget its rows.
  void abort() {
    for (auto* entry : staged_) {
      slot& kept = entry->second;
      kept.staged = false;
      kept.pending.reset();
      if (!kept.committed) slots_.erase(slots_.find(std::string_view(entry->first)));
    }
    staged_.clear();
  }
  // The environment was reopened (or replaced): nothing kept can be trusted.
  void clear() {
    slots_.clear();
    staged_.clear();
    committed_count_ = 0;
  }

  [[nodiscard]] std::size_t size() const { return committed_count_; }

 private:
  // One slot per id holds both what the disk has and what the open transaction wrote, so
  // a lookup is one probe and a commit moves rows in place: the ids (27 characters, on the
  // heap) are neither copied nor compared again, and a row's node is reused for its life.
  struct slot {
    std::optional<Row> committed;
    std::optional<Row> pending;  // empty and staged: forgotten by the open transaction
    bool staged = false;
  };
  using slots = string_map<slot>;

  slot& staged_slot(std::string_view id) {
    auto found = slots_.find(id);
    if (found == slots_.end()) found = slots_.emplace(std::string(id), slot{}).first;
    if (!found->second.staged) {
      found->second.staged = true;
      staged_.push_back(&*found);  // nodes do not move when the table grows
    }
    return found->second;
  }
  // Full: start over with what the open transaction wrote.
  void drop_unstaged() {
    for (auto it = slots_.begin(); it != slots_.end();) {
      if (it->second.staged) {
        it->second.committed.reset();  // replaced or forgotten by this commit anyway
        ++it;
        continue;
      }
      it = slots_.erase(it);
    }
    committed_count_ = 0;
  }

  std::size_t rows_max_;
  slots slots_;
  std::vector<typename slots::value_type*> staged_;  // this transaction's, in staging order
  std::size_t committed_count_ = 0;
};

// Every row the writer keeps, moved through a transaction's outcome together.
struct writer_rows {
  explicit writer_rows(std::size_t rows_max) : accounts(rows_max), tasks(rows_max) {}

  committed_rows<account_row> accounts;
  committed_rows<task_standing> tasks;

  void commit() {
    accounts.commit();
    tasks.commit();
  }
  void abort() {
    accounts.abort();
    tasks.abort();
  }
  void clear() {
    accounts.clear();
    tasks.clear();
  }
};

}  // namespace escrowd::storage
