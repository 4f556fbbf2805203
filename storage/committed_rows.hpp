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
#include <unordered_map>

#include "storage/account_codec.hpp"
#include "storage/task_codec.hpp"

namespace escrowd::storage {

template <class Row>
class committed_rows {
 public:
  explicit committed_rows(std::size_t rows_max) : rows_max_(rows_max) {}

  // The row as the open transaction sees it (its own writes first), or nullptr.
  [[nodiscard]] const Row* find(std::string_view id) const {
    if (auto found = pending_.find(id); found != pending_.end())
      return found->second ? &*found->second : nullptr;
    if (auto found = committed_.find(id); found != committed_.end()) return &*found->second;
    return nullptr;
  }
  // A row the open transaction wrote.
  void stage(std::string_view id, const Row& row) { pending(id) = row; }
  // A row the open transaction wrote for the last time: not kept once it commits.
  void forget(std::string_view id) { pending(id).reset(); }
  // The open transaction committed: its rows are now what the disk holds.
  void commit() {
    if (committed_.size() + pending_.size() > rows_max_) committed_.clear();
    // Node by node: a row new to the committed map moves in without an allocation.
    while (!pending_.empty()) {
      auto node = pending_.extract(pending_.begin());
      if (!node.mapped()) {
        committed_.erase(node.key());
        continue;
      }
      auto inserted = committed_.insert(std::move(node));
      if (!inserted.inserted) inserted.position->second = std::move(inserted.node.mapped());
    }
  }
  // The open transaction was aborted: forget its rows.
  void abort() { pending_.clear(); }
  // The environment was reopened (or replaced): nothing kept can be trusted.
  void clear() {
    committed_.clear();
    pending_.clear();
  }

  [[nodiscard]] std::size_t size() const { return committed_.size(); }

 private:
  struct id_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view id) const { return std::hash<std::string_view>{}(id); }
  };
  // Empty only in pending_: forgotten by the open transaction.
  using rows = std::unordered_map<std::string, std::optional<Row>, id_hash, std::equal_to<>>;

  std::optional<Row>& pending(std::string_view id) {
    if (auto found = pending_.find(id); found != pending_.end()) return found->second;
    return pending_.emplace(std::string(id), std::nullopt).first->second;
  }

  std::size_t rows_max_;
  rows committed_;
  rows pending_;
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
