// read_txn_pool: keeps ended read transactions for the next snapshot. Beginning a read
// transaction allocates it and takes LMDB's reader-table lock to claim a slot; a reset one
// keeps its allocation and its slot, and renewing it does neither (LMDB's mdb_txn_reset /
// mdb_txn_renew, for workloads of many short reads). A reset transaction pins no pages.
// Thread affinity: any; all members are thread-safe (the environment is MDB_NOTLS, so a
// transaction renewed on one thread may have been reset on another).
// Lifetime: drain() before the environment closes or its map size changes (LMDB allows
// neither with this process's transactions alive); the owner guarantees no snapshot is
// open then (env_gate exclusive).
#pragma once

#include <lmdb.h>

#include <cstddef>
#include <mutex>
#include <vector>

#include "storage/lmdb_env.hpp"

namespace escrowd::storage {

class read_txn_pool {
 public:
  explicit read_txn_pool(std::size_t capacity) : capacity_(capacity) {}
  read_txn_pool(const read_txn_pool&) = delete;
  read_txn_pool& operator=(const read_txn_pool&) = delete;
  ~read_txn_pool() { drain(); }

  // Makes `txn` an active read transaction on `env`: a kept one renewed, else a new one.
  // Returns the LMDB code.
  [[nodiscard]] int take(MDB_env* env, lmdb_txn& txn);
  // Ends the read transaction in `txn` and keeps it, or aborts it when the pool is full.
  void give_back(lmdb_txn& txn);
  // Aborts every kept transaction.
  void drain();

  [[nodiscard]] std::size_t kept() const;

 private:
  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::vector<MDB_txn*> kept_;  // reset, waiting for mdb_txn_renew
};

}  // namespace escrowd::storage
