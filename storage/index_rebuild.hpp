// Rebuilding an index table that came after stores were written (FORMAT.md "History"):
// a store written before the index existed, or since by a binary that did not keep it,
// holds rows the index misses, which shows as counts that differ.
// Thread affinity: the caller's transaction (a write one to rebuild).
#pragma once

#include <lmdb.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace escrowd::storage {

// Drops `index` and refills it with one key per row of `rows` when their entry counts
// differ. `index_key_of(key, value)` gives a row's index key, or nullopt for a row that
// cannot be read (left out: verify reports it). Index values are empty. Returns the LMDB
// code.
[[nodiscard]] int rebuild_index_if_counts_differ(
    MDB_txn* txn, MDB_dbi rows, MDB_dbi index,
    const std::function<std::optional<std::string>(std::string_view key, std::string_view value)>&
        index_key_of);

// Sets `agree` to whether `rows` and `index` hold as many entries. A read-only open uses an
// index only when they do: one that differs was left behind by a binary that did not keep
// it, and the next writable open rebuilds it. Returns the LMDB code.
[[nodiscard]] int index_counts_agree(MDB_txn* txn, MDB_dbi rows, MDB_dbi index, bool& agree);

}  // namespace escrowd::storage
