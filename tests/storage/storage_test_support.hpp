// Fixtures shared by the storage tests, the crash writer and the storage benchmark: a
// scratch directory that removes itself, and builders of realistic commit records made
// with the engine's own transitions (top-ups, funded tasks, submissions, approvals).
// Thread affinity: none. Lifetime: a scratch_dir removes its tree when destroyed.
#pragma once

#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/account.hpp"
#include "engine/journal.hpp"
#include "engine/processor_operation.hpp"
#include "engine/task.hpp"
#include "storage/commit_record.hpp"

namespace escrowd::storage::testing {

// A fresh directory under $ESCROWD_TEST_TMPDIR (default /tmp), never inside the repo.
class scratch_dir {
 public:
  explicit scratch_dir(const std::string& name) {
    static std::atomic<int> counter{0};
    const char* base = std::getenv("ESCROWD_TEST_TMPDIR");
    path_ =
        std::filesystem::path(base ? base : "/tmp") /
        ("escrowd-" + name + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~scratch_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& child) const { return path_ / child; }

 private:
  std::filesystem::path path_;
};

inline currency usd() {
  return *currency::parse("usd");
}

inline account new_account(const std::string& id, std::int64_t now = 1'700'000'000) {
  return *create_account({id, usd(), "owner of " + id}, now);
}

inline commit_record open_account_record(const std::string& id) {
  commit_record record;
  record.account_creates.push_back(new_account(id));
  return record;
}

// A top-up that succeeded at once: the operation row, clearing -> available, and the
// account's available credited, in one record.
inline commit_record topup_record(const account& owner, const std::string& id, std::int64_t amount,
                                  std::int64_t now) {
  auto requested = request_topup(owner, {id, amount, "pm_card_visa"}, now);
  auto settled =
      settle(requested->operation, {processor_status::succeeded, "pi_" + id, {}, {}}, now);
  commit_record record;
  record.operation_creates.push_back(settled->operation);
  record.account_deltas = settled->deltas;  // pending_topup -amount, available +amount
  record.account_deltas.push_back({owner.id, balance_field::pending_topup, amount});
  record.entry = settled->entry;
  return record;
}

inline commit_record from_outcome(const task_outcome& outcome, bool created) {
  commit_record record;
  (created ? record.task_creates : record.task_updates).push_back(outcome.task);
  record.account_deltas = outcome.deltas;
  record.entry = outcome.entry;
  return record;
}

// An operation's transition as the account actors write it: the row, balances and entry,
// plus the outbox row an open operation keeps (put when it opens, deleted when it ends).
inline commit_record operation_record(const processor_outcome& outcome, bool created,
                                      std::int64_t now = 1'700'000'000) {
  commit_record record;
  const auto& operation = outcome.operation;
  (created ? record.operation_creates : record.operation_updates).push_back(operation);
  record.account_deltas = outcome.deltas;
  record.entry = outcome.entry;
  const auto key = processor_idempotency_key(operation);
  if (is_open(operation.status))
    record.outbox_puts.push_back(
        {key, operation.kind, operation.id, R"({"amount":1})", 0, now, outbox_state::pending, now});
  else
    record.outbox_deletes.push_back(key);
  return record;
}

// Creates and funds a task in one step: payer available -> task escrow.
inline result<task_outcome> fund_new_task(const account& payer, const account& worker,
                                          const std::string& task_id, std::int64_t amount,
                                          std::int64_t now) {
  create_task_command command;
  command.id = task_id;
  command.worker = worker.id;
  command.amount = amount;
  command.currency = usd();
  command.review_window_s = 3600;
  command.actor = payer.id;
  return create_funded_task(command, payer, &worker, now);
}

inline idempotency_record idempotency_for(const std::string& scope, const std::string& key,
                                          std::int64_t now, std::int64_t retention_s = 86'400) {
  idempotency_record row;
  row.scope = scope;
  row.key = key;
  row.fingerprint = std::string(64, 'f');
  row.endpoint = "POST /v1/tasks";
  row.status_code = 201;
  row.response_body = R"({"id":")" + key + R"(","object":"task"})";
  row.request_id = "req_" + key;
  row.created_at = now;
  row.expires_at = now + retention_s;
  return row;
}

// A batch of idempotency-only records with bulky bodies: fills pages quickly.
inline std::vector<commit_record> bulky_batch(int batch, int size,
                                              std::int64_t now = 1'700'000'000) {
  std::vector<commit_record> records(std::size_t(size), commit_record{});
  for (int i = 0; i < size; ++i) {
    auto row = idempotency_for("key_a", "k" + std::to_string(batch) + "_" + std::to_string(i), now);
    row.response_body.assign(1500, char('a' + i % 26));
    records[std::size_t(i)].idempotency = std::move(row);
  }
  return records;
}

}  // namespace escrowd::storage::testing
