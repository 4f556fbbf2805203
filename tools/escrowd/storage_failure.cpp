#include "tools/escrowd/storage_failure.hpp"

#include "engine/error_code.hpp"
#include "storage/meta_codec.hpp"

namespace escrowd {

std::string explain_storage_failure(const error& failure) {
  std::string text(describe(failure.code).message);
  if (failure.code == error_code::storage_failed && failure.param == "format_version")
    return text +
           " The data directory holds a store written in another format than this "
           "build's (format " +
           std::to_string(storage::store_format_version) +
           "; storage/FORMAT.md lists the changes). Point --data-dir at an empty directory, "
           "or run the build that wrote it.";
  if (!failure.message.empty()) return failure.message;  // its own sentence says what
  if (!failure.param.empty()) text += " (" + failure.param + ")";
  return text;
}

}  // namespace escrowd
