// The task (escrow) state machine of api.md: every transition as a pure function from
// (current state, command, time) to a rejection or an outcome that carries the next
// state (its history recording the transition), at most one balanced journal entry and
// the account deltas.
//
//   open --fund--> funded --submit--> submitted --approve--> released
//    |               |                    |  \--window lapsed--> released
//    +---cancel------+--cancel-->         +--dispute--> disputed --resolve--> resolved
//                      cancelled
//
// Repeating the transition that produced the current state is a no-op success
// (`changed == false`, no entry); any other out-of-state transition is
// invalid_state_transition. Thread affinity: none; one actor owns each task at runtime.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/account.hpp"
#include "engine/journal.hpp"
#include "engine/result.hpp"

namespace escrowd {

inline constexpr std::int64_t review_window_s_default = 7 * 24 * 3600;
inline constexpr std::int64_t review_window_s_max = 365 * 24 * 3600;
// Reassignment is the only transition that can repeat, so it alone is refused once the
// history is this long: a limit on settling transitions could lock escrow in a task
// forever. Every other transition happens at most once, which bounds the whole history.
inline constexpr std::size_t task_assignments_history_max = 64;
inline constexpr std::size_t task_history_max = task_assignments_history_max + 8;
inline constexpr std::size_t submission_length_max = 4096;
inline constexpr std::size_t dispute_reason_length_max = 4096;

// Do not renumber: on disk.
enum class task_state : std::uint8_t {
  open = 1,
  funded = 2,
  submitted = 3,
  released = 4,
  disputed = 5,
  resolved = 6,
  cancelled = 7,
};

// Do not renumber: on disk.
enum class task_transition : std::uint8_t {
  create = 1,
  assign = 2,
  fund = 3,
  submit = 4,
  approve = 5,
  dispute = 6,
  resolve = 7,
  cancel = 8,
  review_window_lapsed = 9,
};

std::string_view to_string(task_state state);
std::string_view to_string(task_transition transition);

struct task_history_item {
  task_transition transition = task_transition::create;
  task_state to = task_state::open;
  std::int64_t time = 0;
  std::string actor;  // who caused it: an account id, "admin", "arbiter" or "system"

  friend bool operator==(const task_history_item&, const task_history_item&) = default;
};

struct task {
  std::string id;
  std::string payer;
  std::string worker;  // empty until assigned
  std::int64_t amount = 0;
  escrowd::currency currency;
  std::int64_t review_window_s = review_window_s_default;
  std::int64_t created_at = 0;
  task_state state = task_state::open;
  task_transition last_transition = task_transition::create;
  std::int64_t escrow = 0;  // money this task holds; equals escrow_by_state()
  // Unix seconds, set while submitted: the first whole second at which the review window
  // has surely lapsed. `now` is the start of the second the submission came in, which may
  // be up to a second later, so the deadline is now + review_window_s + 1: the payer gets at
  // least the whole window, the worker's release comes at most a second after it.
  std::int64_t review_deadline = 0;
  std::int64_t worker_amount = 0;  // the arbiter's split, once resolved
  std::string submission;
  std::string dispute_reason;
  std::vector<task_history_item> history;

  friend bool operator==(const task&, const task&) = default;
};

// What the task must hold in escrow in its state: the full amount while funded,
// submitted or disputed; nothing otherwise.
[[nodiscard]] std::int64_t escrow_by_state(const task& task);
[[nodiscard]] bool is_settled(task_state state);

struct task_outcome {
  escrowd::task task;
  bool changed = false;  // false for a natural-idempotency no-op
  std::optional<journal_entry> entry;
  std::vector<account_delta> deltas;
};

struct create_task_command {
  std::string id;      // already chosen
  std::string worker;  // optional
  std::int64_t amount = 0;
  escrowd::currency currency;
  std::optional<std::int64_t> review_window_s;
  std::string actor;
};

// Creates an open task. The payer (and the worker, if named) must exist and hold the
// task's currency; the caller looked them up.
[[nodiscard]] result<task_outcome> create_task(const create_task_command& command,
                                               const account& payer, const account* worker,
                                               std::int64_t now);

// `worker` is the account being assigned; payer may not be its own worker.
[[nodiscard]] result<task_outcome> assign_task(const task& current, const account& worker,
                                               const std::string& actor, std::int64_t now);

// Checks payer.available against the amount; the account owner re-checks when applying.
[[nodiscard]] result<task_outcome> fund_task(const task& current, const account& payer,
                                             const std::string& actor, std::int64_t now);

// create + fund as one atomic step: one outcome, one entry.
[[nodiscard]] result<task_outcome> create_funded_task(const create_task_command& command,
                                                      const account& payer, const account* worker,
                                                      std::int64_t now);

// Natural idempotency (api.md) covers a repeat of the transition that produced the state:
// submit, dispute and resolve repeated with the parameters that produced it are no-ops;
// with other parameters they are a different decision, refused as invalid_state_transition
// (the caller must not read a 200 as "my submission, reason or split was applied").

[[nodiscard]] result<task_outcome> submit_task(const task& current, std::string submission,
                                               const std::string& actor, std::int64_t now);

[[nodiscard]] result<task_outcome> approve_task(const task& current, const std::string& actor,
                                                std::int64_t now);

[[nodiscard]] result<task_outcome> dispute_task(const task& current, std::string reason,
                                                const std::string& actor, std::int64_t now);

// worker_amount in 0..amount goes to the worker, the rest back to the payer.
[[nodiscard]] result<task_outcome> resolve_task(const task& current, std::int64_t worker_amount,
                                                const std::string& actor, std::int64_t now);

[[nodiscard]] result<task_outcome> cancel_task(const task& current, const std::string& actor,
                                               std::int64_t now);

// Releases a submitted task whose review deadline has passed (review_window_open if not).
[[nodiscard]] result<task_outcome> lapse_review_window(const task& current, std::int64_t now);

}  // namespace escrowd
