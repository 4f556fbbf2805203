// Codec of the journal table value (FORMAT.md "journal"). The value repeats its sequence
// number so that a value found under the wrong key is caught, and a decoded entry must be
// balanced: the same property is checked before encoding and after decoding.
// Each leg also carries a link: for a leg on an account's books (available,
// pending_withdrawal), the sequence of the previous entry that touched that account (0 for
// its first). The links chain every account's entries newest to oldest from the head kept
// in its row, so listing them needs no index table, whose random inserts cost a page each.
// Thread affinity: none.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/journal.hpp"
#include "engine/result.hpp"

namespace escrowd::storage {

struct sequenced_entry {
  std::uint64_t sequence = 0;  // 1, 2, 3, ... in commit order, never reused
  journal_entry entry;
  // Per leg, in leg order: the owner's previous entry for an account book leg, else 0.
  std::vector<std::uint64_t> owner_previous;

  friend bool operator==(const sequenced_entry&, const sequenced_entry&) = default;
};

// The previous entry in `account_id`'s chain, or nullopt when the entry has no leg on
// that account's books (so it is not in the chain at all).
[[nodiscard]] std::optional<std::uint64_t> previous_of(const sequenced_entry& item,
                                                       std::string_view account_id);

// `owner_previous` has one link per leg (see sequenced_entry).
void encode_entry(std::uint64_t sequence, const journal_entry& entry,
                  std::span<const std::uint64_t> owner_previous, std::string& out);
// Rejects corrupt, short, unbalanced values, a sequence that differs from `expected`, and
// links that cannot be a chain: not older than the entry, set on a leg that is not an
// account book's, or different for two legs of one account.
[[nodiscard]] result<sequenced_entry> decode_entry(std::string_view stored,
                                                   std::uint64_t expected_sequence);

}  // namespace escrowd::storage
