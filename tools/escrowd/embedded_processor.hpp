// The bundled processor simulator, run inside `escrowd serve` when no --processor-url is
// given (api.md "Command line": one command is a demo). It listens on a free loopback port
// with its own I/O thread and, when escrowd's own address is known, sends its signed
// webhooks there. Its records are kept in a state file in escrowd's data directory
// (processor-sim.log), so that a restart of escrowd, kill -9 included, finds the processor's
// side of every top-up and withdrawal again and reconciliation has nothing missing.
// It starts in two steps because the state file may be opened only once escrowd holds the
// data directory's lock, while the ledger, which takes that lock, needs the simulator's URL:
// listen() binds the port (connections wait in the backlog), start() loads and serves.
// Thread affinity: listen/start/stop from the main thread. Lifetime: stop() before destruction.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace escrowd {

struct embedded_processor_options {
  std::string webhook_url;  // empty: no webhooks (e.g. escrowd listens on port 0)
  std::string webhook_secret;
};

// The state file's name in escrowd's data directory.
inline constexpr const char* embedded_processor_state_file = "processor-sim.log";

class embedded_processor {
 public:
  embedded_processor();
  ~embedded_processor();
  embedded_processor(const embedded_processor&) = delete;
  embedded_processor& operator=(const embedded_processor&) = delete;

  // Binds 127.0.0.1 with a free port; returns its base URL ("http://127.0.0.1:PORT") or
  // nullopt with `problem` set. Nothing is answered before start().
  [[nodiscard]] std::optional<std::string> listen(const embedded_processor_options& options,
                                                  std::string& problem);
  // Loads `state_file` (empty: records in memory only) and starts answering on its own
  // thread; false with `problem` set when the state file cannot be used.
  [[nodiscard]] bool start(const std::string& state_file, std::string& problem);
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace escrowd
