#include "storage/operation_time_index.hpp"

#include <optional>
#include <string>
#include <string_view>

#include "storage/index_rebuild.hpp"
#include "storage/keys.hpp"
#include "storage/operation_codec.hpp"

namespace escrowd::storage {

int index_operations_if_needed(MDB_txn* txn, const table_handles& tables) {
  return rebuild_index_if_counts_differ(
      txn, tables.operations, tables.operation_times,
      [](std::string_view key, std::string_view value) -> std::optional<std::string> {
        auto operation = decode_operation(value);
        if (!operation || operation_key(operation->kind, operation->id) != key) return std::nullopt;
        return operation_time_key(operation->created_at, operation->kind, operation->id);
      });
}

}  // namespace escrowd::storage
