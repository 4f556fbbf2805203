// The bundled processor simulator, run inside `escrowd serve` when no --processor-url is
// given (api.md "Command line": one command is a demo). It listens on a free loopback port
// with its own I/O thread and, when escrowd's own address is known, sends its signed
// webhooks there. Its records live in memory: a restart of escrowd starts a fresh
// simulator, which is fine for a demo and why real deployments name a processor.
// Thread affinity: start/stop from the main thread. Lifetime: stop() before destruction.
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

class embedded_processor {
 public:
  embedded_processor();
  ~embedded_processor();
  embedded_processor(const embedded_processor&) = delete;
  embedded_processor& operator=(const embedded_processor&) = delete;

  // Starts listening on 127.0.0.1 with a free port; returns its base URL
  // ("http://127.0.0.1:PORT") or nullopt with `problem` set.
  [[nodiscard]] std::optional<std::string> start(const embedded_processor_options& options,
                                                 std::string& problem);
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace escrowd
