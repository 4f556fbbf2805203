// account_identities: the currency of each account recently read, so that creating a
// task does not read and decode its payer's and its worker's rows from LMDB every time
// (~5k instructions a task: a tenth of a funding by a hot payer). An account's id and
// currency never change and accounts are never deleted, so an entry is never stale; only
// accounts found in the store are kept, so one that does not exist (yet) is read again.
// Bounded: full, it starts over.
// Thread affinity: any thread (one mutex).
#pragma once

#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "engine/money.hpp"
#include "engine/string_map.hpp"

namespace escrowd::actors {

class account_identities {
 public:
  explicit account_identities(std::size_t entries_max) : entries_max_(entries_max) {}

  // The currency of account `id`, if kept.
  [[nodiscard]] std::optional<currency> find(std::string_view id) const;
  // Account `id`, read from the store, is in `code`.
  void keep(std::string_view id, const currency& code);

 private:
  const std::size_t entries_max_;
  mutable std::mutex mutex_;
  string_map<currency> entries_;
};

}  // namespace escrowd::actors
