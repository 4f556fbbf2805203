#include "actors/principal_cache.hpp"

namespace escrowd::actors {

std::optional<principal> principal_cache::find(std::string_view secret) const {
  std::lock_guard guard(mutex_);
  const auto found = entries_.find(secret);
  if (found == entries_.end()) return std::nullopt;
  return found->second;
}

std::uint64_t principal_cache::generation() const {
  std::lock_guard guard(mutex_);
  return generation_;
}

void principal_cache::keep(std::string_view secret, const principal& found,
                           std::uint64_t generation) {
  std::lock_guard guard(mutex_);
  if (generation != generation_) return;
  if (entries_.size() >= entries_max_) entries_.clear();
  entries_.insert_or_assign(std::string(secret), found);
}

void principal_cache::forget_all() {
  std::lock_guard guard(mutex_);
  ++generation_;
  entries_.clear();
}

}  // namespace escrowd::actors
