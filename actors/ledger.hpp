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
#include <string_view>
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

// One page of an account's journal, newest first.
struct entry_page {
  struct item {
    std::uint64_t sequence = 0;  // the entry's position in the journal (its id derives from it)
    journal_entry entry;
  };
  std::vector<item> data;
  bool has_more = false;
};

class ledger {
 public:
  [[nodiscard]] static result<std::unique_ptr<ledger>> open(const ledger_config& config);
  ~ledger();
  ledger(const ledger&) = delete;
  ledger& operator=(const ledger&) = delete;

  void submit(task_command command, completion done);
  void submit(account_command command, completion done);
  void submit(key_command command, completion done);

  // The principal a bearer secret belongs to; nullopt for an unknown or revoked key.
  [[nodiscard]] result<std::optional<principal>> authenticate(std::string_view secret) const;
  // Makes `secret` an admin key unless a key with that secret exists (revoked included:
  // an operator's revocation must survive a restart with the same environment). Blocks
  // until durable.
  [[nodiscard]] status ensure_admin_key(const std::string& secret, std::int64_t now);
  // Writable: storage has not failed (GET /readyz).
  [[nodiscard]] bool accepting_writes() const;

  [[nodiscard]] result<std::optional<account>> read_account(const std::string& id) const;
  [[nodiscard]] result<std::optional<task>> read_task(const std::string& id) const;
  [[nodiscard]] result<std::optional<processor_operation>> read_operation(
      processor_kind kind, const std::string& id) const;
  // `limit` is at most 100 (the API's bound); `starting_after` is a sequence.
  [[nodiscard]] result<entry_page> list_entries(const std::string& account_id,
                                                std::size_t limit,
                                                std::optional<std::uint64_t> starting_after) const;
  [[nodiscard]] result<ledger_verification> verify() const;

 private:
  struct impl;
  explicit ledger(std::unique_ptr<impl> state);
  std::unique_ptr<impl> impl_;
};

}  // namespace escrowd::actors
