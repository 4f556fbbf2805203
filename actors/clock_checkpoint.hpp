// clock_checkpoint: the ledger's clock (ledger_clock.hpp) saved in the data directory as
// DATA/ledger-clock, so that a restart resumes it rather than taking the system clock's word
// at once: a clock stepped forward before a restart would otherwise expire every idempotency
// record and release tasks early, one stepped back would stamp times before earlier ones
// and hold processor retries back for the whole step. The file holds the boot id
// (/proc/sys/kernel/random/boot_id) and a pair of readings; it is replaced by a rename
// every second and at shutdown, without a sync: after a power loss the boot id differs and
// the saved time is only a floor, which any saved pair serves.
// Thread affinity: any thread; one ledger (the data directory's lock holder) writes it.
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <filesystem>
#include <optional>
#include <string>

#include "actors/ledger_clock.hpp"

namespace escrowd::actors {

struct saved_clock {
  std::string boot_id;
  clock_reading reading;
};

inline constexpr const char* clock_checkpoint_name = "ledger-clock";

// This boot's id; empty if the system does not tell.
[[nodiscard]] std::string current_boot_id();

// The pair saved in `file`; nothing if it is missing or unreadable (a start from the system
// clock, as before the first checkpoint).
[[nodiscard]] std::optional<saved_clock> load_clock_checkpoint(const std::filesystem::path& file);
// Writes `saved` to `file` through a temporary file and a rename; false if it could not.
bool save_clock_checkpoint(const std::filesystem::path& file, const saved_clock& saved);

// Resumes the process's ledger clock from DATA/ledger-clock, if there.
void resume_ledger_clock(const std::filesystem::path& data_dir);
// Saves the process's ledger clock now to DATA/ledger-clock.
bool save_ledger_clock(const std::filesystem::path& data_dir);

// An actor that saves the process's ledger clock to DATA/ledger-clock every second until it
// is stopped.
[[nodiscard]] caf::actor spawn_clock_keeper(caf::actor_system& system,
                                            std::filesystem::path data_dir);

}  // namespace escrowd::actors
