// Codec of the journal table value (FORMAT.md "journal"). The value repeats its sequence
// number so that a value found under the wrong key is caught, and a decoded entry must be
// balanced: the same property is checked before encoding and after decoding.
// Thread affinity: none.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/journal.hpp"
#include "engine/result.hpp"

namespace escrowd::storage {

struct sequenced_entry {
  std::uint64_t sequence = 0;  // 1, 2, 3, ... in commit order, never reused
  journal_entry entry;

  friend bool operator==(const sequenced_entry&, const sequenced_entry&) = default;
};

void encode_entry(std::uint64_t sequence, const journal_entry& entry, std::string& out);
// Rejects corrupt, short, unbalanced values and a sequence that differs from `expected`.
[[nodiscard]] result<sequenced_entry> decode_entry(std::string_view stored,
                                                   std::uint64_t expected_sequence);

}  // namespace escrowd::storage
