// account_row_cache: the account rows as the last committed write transaction left them,
// kept by the storage writer so that staging a record's deltas does not read and decode
// the payer's and worker's rows from LMDB every time (about a fifth of the writer's work
// per record). It holds only what a committed transaction wrote: rows written by the open
// transaction wait as pending until its commit returns, and are dropped if it fails, so
// the cache never runs ahead of the disk. Bounded: when full it starts over.
// Thread affinity: the storage writer's thread (under ledger_store's write mutex).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "storage/account_codec.hpp"

namespace escrowd::storage {

class account_row_cache {
 public:
  explicit account_row_cache(std::size_t rows_max) : rows_max_(rows_max) {}

  // The row as the open transaction sees it (its own writes first), or nullptr.
  [[nodiscard]] const account_row* find(std::string_view id) const;
  // A row the open transaction wrote.
  void stage(const account_row& row);
  // The open transaction committed: its rows are now what the disk holds.
  void commit();
  // The open transaction was aborted: forget its rows.
  void abort() { pending_.clear(); }
  // The environment was reopened (or replaced): nothing cached can be trusted.
  void clear();

  [[nodiscard]] std::size_t size() const { return committed_.size(); }

 private:
  struct id_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view id) const { return std::hash<std::string_view>{}(id); }
  };
  using rows = std::unordered_map<std::string, account_row, id_hash, std::equal_to<>>;

  std::size_t rows_max_;
  rows committed_;
  rows pending_;
};

}  // namespace escrowd::storage
