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
// (current state only, to PATH.tmp, fsync, rename over PATH) so it does not grow across
// restarts; the owner rewrites it the same way while running once due_for_compaction() says
// it has grown enough (compaction_trigger.hpp). Until the rename the old file is whole and in
// use; after it the new one is, so a crash during a rewrite loses nothing either way, and a
// PATH.tmp left behind is ignored (the next rewrite truncates it). A start that cannot write
// the compacted copy (a full disk) appends to the old file instead, behind a line
// {"generation":N} recording its generation (the next start draws its ids from N+1), and
// refuses to start only if even that line cannot be written.
// Thread affinity: the simulator's single I/O thread. Lifetime: owned by the api.
#pragma once

#include <boost/json/array.hpp>
#include <cstdint>
#include <memory>
#include <string>

#include "compaction_trigger.hpp"
#include "journal_codec.hpp"

namespace escrowd::processor_sim {

inline constexpr std::int64_t state_file_version = 1;

// What /_sim/stats tells about the state file.
struct journal_stats {
  std::uint64_t compactions = 0;         // successful rewrites since the start
  std::uint64_t failed_compactions = 0;  // rewrites that failed, the old file kept
  std::uint64_t file_bytes = 0;
  std::uint64_t compacted_bytes = 0;  // the file's size after the last rewrite
};

class sim_journal {
 public:
  // Replays `path` into `records` (no file: nothing to replay), expires idempotency keys as
  // of now, compacts the file and keeps it open for appends. `generation` is how many times
  // the file was opened before (0 for a new file). nullptr with `problem` on failure.
  [[nodiscard]] static std::unique_ptr<sim_journal> open(const std::string& path,
                                                         sim_records records,
                                                         compaction_options compaction,
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

  // The file has grown enough since the last rewrite to be compacted again (see
  // compaction_options), and no failed attempt asks to wait for more growth.
  [[nodiscard]] bool due_for_compaction() const { return trigger_.due(); }

  // Writes every record anew (a compaction: PATH.tmp, fsync, rename) and appends to the new
  // file from then on. False with `problem` when that fails: the old file, untouched, stays
  // in use, and due_for_compaction() waits for more growth before the next attempt.
  [[nodiscard]] bool rewrite(const sim_records& records, std::string& problem);

  [[nodiscard]] journal_stats stats() const;

 private:
  sim_journal(std::string path, int fd, std::uint64_t generation, compaction_trigger trigger)
      : path_(std::move(path)), fd_(fd), generation_(generation), trigger_(trigger) {}

  std::string path_;
  int fd_;
  std::uint64_t generation_;
  compaction_trigger trigger_;
  bool append_failed_ = false;
  std::uint64_t compactions_ = 0;
  std::uint64_t failed_compactions_ = 0;
};

}  // namespace escrowd::processor_sim
