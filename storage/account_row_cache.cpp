#include "storage/account_row_cache.hpp"

namespace escrowd::storage {

const account_row* account_row_cache::find(std::string_view id) const {
  if (auto found = pending_.find(id); found != pending_.end()) return &found->second;
  if (auto found = committed_.find(id); found != committed_.end()) return &found->second;
  return nullptr;
}

void account_row_cache::stage(const account_row& row) {
  auto [slot, inserted] = pending_.try_emplace(row.data.id, row);
  if (!inserted) slot->second = row;
}

void account_row_cache::commit() {
  if (committed_.size() + pending_.size() > rows_max_) committed_.clear();
  for (auto& [id, row] : pending_) committed_.insert_or_assign(id, std::move(row));
  pending_.clear();
}

void account_row_cache::clear() {
  committed_.clear();
  pending_.clear();
}

}  // namespace escrowd::storage
