// The simulator's state file (`--state-file`, and `processor-sim.log` in escrowd's data
// directory): an append-only log of JSON lines that lets the records survive a restart of the
// process, kill -9 included.
//
// Format: a header line {"format":"escrowd-processor-sim-state","version":1,"generation":N},
// then lines {"changes":[...]} (journal_codec.hpp), each the changes one request or sweep
// made. One line is one write(2), made before the answer that reveals its changes is sent,
// so a client can never have seen a state the file lacks; and because a line is all or
// nothing, a charge is never on file without the idempotency key that answers its retry.
// A last line without its newline is a write the process died in: ignored. Any other line
// that does not decode stops the start with its line number: records are never dropped.
// No fsync per line: this guards against process crashes, not power loss (a simulator).
//
// At open the file is replayed (the last state of an object wins), then rewritten compacted
// (current state only, to a temporary file, fsync, rename) so it does not grow across
// restarts. Thread affinity: the simulator's single I/O thread. Lifetime: owned by the api.
#pragma once

#include <boost/json/array.hpp>
#include <cstdint>
#include <memory>
#include <string>

#include "journal_codec.hpp"

namespace escrowd::processor_sim {

inline constexpr std::int64_t state_file_version = 1;

class sim_journal {
 public:
  // Replays `path` into `records` (no file: nothing to replay), expires idempotency keys as
  // of now, compacts the file and keeps it open for appends. `generation` is how many times
  // the file was opened before (0 for a new file). nullptr with `problem` on failure.
  [[nodiscard]] static std::unique_ptr<sim_journal> open(const std::string& path,
                                                         sim_records records,
                                                         std::uint64_t& generation,
                                                         std::string& problem);
  ~sim_journal();
  sim_journal(const sim_journal&) = delete;
  sim_journal& operator=(const sim_journal&) = delete;

  // Appends one line holding `changes`; false if the write failed (a full disk). The
  // records in memory then hold what the file lacks: the caller must show nobody anything
  // until rewrite() has put them all on file (api::journal_behind_). The failure is sticky:
  // the file may now end in part of a line, and a line appended after that part would turn
  // it into garbage in the middle that stops the next start, so every append fails until a
  // rewrite has replaced the file.
  [[nodiscard]] bool append(const boost::json::array& changes);

  // Writes every record anew (a compaction: temporary file, fsync, rename) and appends to
  // the new file from then on. False with `problem` while that fails too.
  [[nodiscard]] bool rewrite(const sim_records& records, std::string& problem);

 private:
  sim_journal(std::string path, int fd, std::uint64_t generation)
      : path_(std::move(path)), fd_(fd), generation_(generation) {}

  std::string path_;
  int fd_;
  std::uint64_t generation_;
  bool append_failed_ = false;
};

}  // namespace escrowd::processor_sim
