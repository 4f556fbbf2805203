#include "actors/clock_checkpoint.hpp"

#include <atomic>
#include <caf/event_based_actor.hpp>
#include <chrono>
#include <fstream>

#include "actors/actors.hpp"
#include "actors/telemetry/log.hpp"

namespace escrowd::actors {
namespace {

constexpr const char* format_line = "escrowd ledger clock 1";

// A saved time outside 2020..2200 is not one this server wrote (a damaged or foreign file):
// it is ignored, not trusted, and the arithmetic on it cannot overflow.
constexpr std::int64_t plausible_from_ns = 1'577'836'800LL * 1'000'000'000;   // 2020-01-01
constexpr std::int64_t plausible_until_ns = 7'258'118'400LL * 1'000'000'000;  // 2200-01-01

}  // namespace

std::string current_boot_id() {
  std::ifstream in("/proc/sys/kernel/random/boot_id");
  std::string id;
  std::getline(in, id);
  return id;
}

std::optional<saved_clock> load_clock_checkpoint(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) return std::nullopt;
  std::string format;
  saved_clock saved;
  if (!std::getline(in, format) || format != format_line) return std::nullopt;
  if (!std::getline(in, saved.boot_id)) return std::nullopt;
  if (!(in >> saved.reading.elapsed_ns >> saved.reading.ledger_ns)) return std::nullopt;
  if (saved.reading.elapsed_ns < 0 || saved.reading.ledger_ns < plausible_from_ns ||
      saved.reading.ledger_ns >= plausible_until_ns)
    return std::nullopt;
  return saved;
}

bool save_clock_checkpoint(const std::filesystem::path& file, const saved_clock& saved) {
  auto temporary = file;
  temporary += ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << format_line << '\n'
        << saved.boot_id << '\n'
        << saved.reading.elapsed_ns << ' ' << saved.reading.ledger_ns << '\n';
    out.flush();
    if (!out) return false;
  }
  std::error_code failure;
  std::filesystem::rename(temporary, file, failure);
  return !failure;
}

void resume_ledger_clock(const std::filesystem::path& data_dir) {
  const auto saved = load_clock_checkpoint(data_dir / clock_checkpoint_name);
  if (!saved) return;
  const auto boot = current_boot_id();
  process_ledger_clock().resume(saved->reading, !boot.empty() && boot == saved->boot_id);
}

bool save_ledger_clock(const std::filesystem::path& data_dir) {
  const bool saved = save_clock_checkpoint(
      data_dir / clock_checkpoint_name, {current_boot_id(), process_ledger_clock().checkpoint()});
  // Said once per failing stretch: the next start then resumes from an older reading.
  static std::atomic<bool> failing{false};
  if (!saved && !failing.exchange(true))
    telemetry::process_logger().warn(
        "cannot save the ledger's clock; a restart resumes from its last saved reading",
        {{"file", (data_dir / clock_checkpoint_name).string()}});
  if (saved) failing.store(false);
  return saved;
}

namespace {

caf::behavior clock_keeper(caf::event_based_actor* self, std::filesystem::path data_dir) {
  self->send(self, sweep_atom::value);
  return {[=](sweep_atom) {
    (void)save_ledger_clock(data_dir);
    self->delayed_send(self, std::chrono::seconds(1), sweep_atom::value);
  }};
}

}  // namespace

// A function and its argument, not a capturing lambda: CAF 0.17 runs an actor spawned
// without arguments through a null std::tuple<> pointer (undefined behaviour UBSan stops on).
caf::actor spawn_clock_keeper(caf::actor_system& system, std::filesystem::path data_dir) {
  return system.spawn(clock_keeper, std::move(data_dir));
}

}  // namespace escrowd::actors
