#include "actors/account_identities.hpp"

namespace escrowd::actors {

std::optional<currency> account_identities::find(std::string_view id) const {
  std::lock_guard guard(mutex_);
  const auto found = entries_.find(id);
  if (found == entries_.end()) return std::nullopt;
  return found->second;
}

void account_identities::keep(std::string_view id, const currency& code) {
  std::lock_guard guard(mutex_);
  if (entries_.size() >= entries_max_ && entries_.find(id) == entries_.end()) entries_.clear();
  entries_.insert_or_assign(std::string(id), code);
}

}  // namespace escrowd::actors
