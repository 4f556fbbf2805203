// When the state file (sim_journal.hpp) is compacted while the simulator runs: the rule,
// on byte counts alone so it can be tested without a file. The journal reports what it wrote
// (appended lines, a compaction's size, a failed rewrite); due() says when to rewrite.
// Values only: no thread affinity; one per journal, living as long as it.
#pragma once

#include <cstdint>

#include "limits.hpp"

namespace escrowd::processor_sim {

struct compaction_options {
  // The file is rewritten once it is larger than max(floor_bytes, growth_factor times its
  // size after the last compaction); limits.hpp says why the defaults are what they are.
  std::uint64_t floor_bytes = state_file_compaction_floor_bytes_default;
  std::uint64_t growth_factor = state_file_compaction_growth_factor_default;
};

class compaction_trigger {
 public:
  explicit compaction_trigger(compaction_options options) : options_(options) {}

  // The file was just rewritten with the current records only; it is `size_bytes` long.
  void compacted(std::uint64_t size_bytes);
  // A line of `bytes` was appended.
  void appended(std::uint64_t bytes) { file_bytes_ += bytes; }
  // A rewrite failed and the old file stays in use: the next attempt waits for more growth.
  void failed();

  [[nodiscard]] bool due() const { return file_bytes_ > next_attempt_bytes_; }
  [[nodiscard]] std::uint64_t file_bytes() const { return file_bytes_; }
  [[nodiscard]] std::uint64_t compacted_bytes() const { return compacted_bytes_; }

 private:
  compaction_options options_;
  std::uint64_t file_bytes_ = 0;
  std::uint64_t compacted_bytes_ = 0;
  std::uint64_t next_attempt_bytes_ = 0;
};

}  // namespace escrowd::processor_sim
