// The arithmetic of the compaction rule (compaction_trigger.hpp), saturating so that a huge
// configured floor or factor means "practically never" rather than wrapping to "always".
#include "compaction_trigger.hpp"

#include <algorithm>
#include <limits>

namespace escrowd::processor_sim {
namespace {

constexpr std::uint64_t bytes_max = std::numeric_limits<std::uint64_t>::max();

std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) {
  return b > bytes_max - a ? bytes_max : a + b;
}

std::uint64_t saturating_multiply(std::uint64_t a, std::uint64_t b) {
  return a != 0 && b > bytes_max / a ? bytes_max : a * b;
}

}  // namespace

void compaction_trigger::compacted(std::uint64_t size_bytes) {
  file_bytes_ = size_bytes;
  compacted_bytes_ = size_bytes;
  next_attempt_bytes_ =
      std::max(options_.floor_bytes, saturating_multiply(options_.growth_factor, size_bytes));
}

// A failing rewrite (a full disk, an unwritable directory) is tried again only after the
// file grew by at least the floor and at least the size of a rewrite, so that failed
// attempts never write more bytes than the appends between them.
void compaction_trigger::failed() {
  next_attempt_bytes_ =
      saturating_add(file_bytes_, std::max(options_.floor_bytes, compacted_bytes_));
}

}  // namespace escrowd::processor_sim
