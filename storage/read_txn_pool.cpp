#include "storage/read_txn_pool.hpp"

#include <utility>

namespace escrowd::storage {

int read_txn_pool::take(MDB_env* env, lmdb_txn& txn) {
  MDB_txn* reused = nullptr;
  {
    std::lock_guard lock(mutex_);
    if (!kept_.empty()) {
      reused = kept_.back();
      kept_.pop_back();
    }
  }
  if (reused != nullptr) {
    if (mdb_txn_renew(reused) == MDB_SUCCESS) {
      txn.adopt(reused);
      return MDB_SUCCESS;
    }
    mdb_txn_abort(reused);  // a reset transaction LMDB would not renew: start afresh
  }
  return txn.begin(env, MDB_RDONLY);
}

void read_txn_pool::give_back(lmdb_txn& txn) {
  MDB_txn* ended = txn.release();
  if (ended == nullptr) return;
  mdb_txn_reset(ended);
  {
    std::lock_guard lock(mutex_);
    if (kept_.size() < capacity_) {
      kept_.push_back(ended);
      return;
    }
  }
  mdb_txn_abort(ended);
}

void read_txn_pool::drain() {
  std::vector<MDB_txn*> ended;
  {
    std::lock_guard lock(mutex_);
    ended.swap(kept_);
  }
  for (MDB_txn* txn : ended) mdb_txn_abort(txn);
}

std::size_t read_txn_pool::kept() const {
  std::lock_guard lock(mutex_);
  return kept_.size();
}

}  // namespace escrowd::storage
