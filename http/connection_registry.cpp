// connection_registry: a mutex-guarded map from key to session. A released session may be
// destroyed on the spot, so it is always dropped after the mutex is unlocked.
#include "http/connection_registry.hpp"

#include "http/session.hpp"

namespace escrowd::http {

std::uint64_t connection_registry::add(kind connection_kind, std::shared_ptr<session> connection) {
  std::lock_guard lock{mutex_};
  const auto key = next_key_++;
  entries_.emplace(key, entry{connection_kind, std::move(connection)});
  ++(connection_kind == kind::served ? served_count_ : rejected_count_);
  return key;
}

void connection_registry::remove(std::uint64_t key) {
  std::shared_ptr<session> released;
  std::lock_guard lock{mutex_};
  const auto found = entries_.find(key);
  if (found == entries_.end()) return;
  --(found->second.connection_kind == kind::served ? served_count_ : rejected_count_);
  released = std::move(found->second.connection);
  entries_.erase(found);
  if (entries_.empty()) emptied_.notify_all();
}  // `lock`, declared after `released`, unlocks before `released` is dropped

void connection_registry::clear() {
  std::unordered_map<std::uint64_t, entry> released;
  {
    std::lock_guard lock{mutex_};
    released.swap(entries_);
    served_count_ = 0;
    rejected_count_ = 0;
    emptied_.notify_all();
  }
}

std::size_t connection_registry::count(kind connection_kind) const {
  std::lock_guard lock{mutex_};
  return connection_kind == kind::served ? served_count_ : rejected_count_;
}

std::vector<std::shared_ptr<session>> connection_registry::snapshot() const {
  std::vector<std::shared_ptr<session>> alive;
  std::lock_guard lock{mutex_};
  alive.reserve(entries_.size());
  for (const auto& [key, item] : entries_) alive.push_back(item.connection);
  return alive;
}

std::shared_ptr<session> connection_registry::longest_waiting(std::int64_t since_ns) const {
  std::shared_ptr<session> longest;
  std::int64_t longest_since = since_ns + 1;
  std::lock_guard lock{mutex_};
  for (const auto& [key, item] : entries_) {
    if (item.connection_kind != kind::served) continue;
    const auto since = item.connection->waiting_since_ns();
    if (since > 0 && since < longest_since) {  // waiting, and not yet claimed
      longest_since = since;
      longest = item.connection;
    }
  }
  // Taken for eviction: never chosen again while it closes (it stays listed until then).
  if (longest && !longest->claim_for_eviction(longest_since)) longest.reset();
  return longest;
}

bool connection_registry::wait_until_empty(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock{mutex_};
  return emptied_.wait_until(lock, deadline, [this] { return entries_.empty(); });
}

}  // namespace escrowd::http
