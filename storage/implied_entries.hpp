// The journal entries a task's or an operation's row implies, for verify_ledger: which
// kinds its status implies (each exactly once) and the legs its row implies for each, and
// what the journal holds naming it. Legs are compared as 64-bit hashes, so verify keeps a
// few words per task and operation rather than their entries.
// Thread affinity: none; plain values.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/journal.hpp"
#include "engine/processor_operation.hpp"
#include "engine/task.hpp"

namespace escrowd::storage {

// A leg as a 64-bit value; an entry's legs hash to the sum of theirs, so the order of its
// legs does not matter. A collision could hide one wrong entry with odds of 2^-64. Built
// from views, so checking a row's entries allocates nothing.
[[nodiscard]] std::uint64_t leg_hash(book_kind kind, std::string_view owner, const currency& code,
                                     std::int64_t amount);

// Entry kinds come in three families, by what their reference names; within a family each
// kind has a slot (task: fund, release, refund, resolve; top-up: succeeded; withdrawal:
// hold, paid, returned, reversed).
enum class entry_family : char { task = 't', topup = 'p', withdrawal = 'w' };
inline constexpr std::size_t entry_family_kinds_max = 4;

[[nodiscard]] entry_family family_of(entry_kind kind);
[[nodiscard]] std::size_t slot_of(entry_kind kind);
[[nodiscard]] entry_kind kind_of(entry_family family, std::size_t slot);
[[nodiscard]] std::string_view kind_name(entry_kind kind);
[[nodiscard]] std::string_view family_name(entry_family family);

// The entries naming one task, top-up or withdrawal: per kind of its family, how many, and
// the first one's sequence and legs.
struct referenced_entries {
  std::array<std::uint32_t, entry_family_kinds_max> count{};
  std::array<std::uint64_t, entry_family_kinds_max> first_sequence{};
  std::array<std::uint64_t, entry_family_kinds_max> legs_hash{};

  void note(entry_kind kind, std::uint64_t sequence, std::uint64_t hash);
  void merge(const referenced_entries& other);
};

// Per kind of a row's family: whether its status implies that entry (exactly once), and
// the hash of the legs its row implies for it.
struct implied_entries {
  std::array<bool, entry_family_kinds_max> implied{};
  std::array<std::uint64_t, entry_family_kinds_max> legs_hash{};

  void add(entry_kind kind, std::uint64_t hash);
};

[[nodiscard]] implied_entries implied_by(const task& row);
// `paid_once`: the journal has a payout of this withdrawal, so a failed one bounced after it
// was paid (reversed) rather than before (its hold returned).
[[nodiscard]] implied_entries implied_by(const processor_operation& row, bool paid_once);

}  // namespace escrowd::storage
