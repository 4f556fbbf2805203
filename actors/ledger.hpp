// ledger: the facade of the actor system, the only door the HTTP layer uses. It owns the
// CAF actor system, the storage writer, the directory and the durable store, and hides
// all of them: callers submit commands and get a completion with the rendered response;
// reads are served from durable storage (never from actor memory, which may hold
// pipelined changes that are not yet durable).
// Thread affinity: every method is thread-safe; completions run on an actor thread and
// must be cheap (post the response to an I/O executor). Lifetime: the owner destroys it
// after the last submit; destruction stops the actors and closes the store.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/commands.hpp"
#include "engine/result.hpp"

namespace escrowd::actors {

struct ledger_config {
  std::string data_dir = "./data";
  std::uint64_t map_size_bytes_max = 0;                   // 0: storage's default ceiling
  unsigned scheduler_threads = 0;                         // 0: one per core, at least 2
  std::size_t live_actors_max = 0;                        // 0: the actors layer's default
  std::chrono::milliseconds actor_idle_timeout{0};        // 0: the actors layer's default
  std::chrono::milliseconds directory_sweep_interval{0};  // 0: the actors layer's default
  std::chrono::milliseconds review_scan_interval{0};      // 0: the actors layer's default
};

using completion = std::function<void(rendered_response)>;

// GET /v1/ledger/verify: every balance recomputed from the journal.
struct ledger_verification {
  bool ok = true;
  std::uint64_t accounts_checked = 0;
  std::uint64_t entries_checked = 0;
  std::vector<std::string> problems;
};

class ledger {
 public:
  [[nodiscard]] static result<std::unique_ptr<ledger>> open(const ledger_config& config);
  ~ledger();
  ledger(const ledger&) = delete;
  ledger& operator=(const ledger&) = delete;

  void submit(task_command command, completion done);
  void submit(account_command command, completion done);

  [[nodiscard]] result<std::optional<account>> read_account(const std::string& id) const;
  [[nodiscard]] result<std::optional<task>> read_task(const std::string& id) const;
  [[nodiscard]] result<ledger_verification> verify() const;

 private:
  struct impl;
  explicit ledger(std::unique_ptr<impl> state);
  std::unique_ptr<impl> impl_;
};

}  // namespace escrowd::actors
