// The ledger property test's model: it keeps what the storage layer would (accounts, tasks,
// processor operations, the journal and every book), drives the engine's public functions
// with random and often invalid arguments, checks each answer against its prediction and
// commits it, and checks the invariants (ledger_property_test.cpp says which).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "tests/engine/ledger_prediction.hpp"
#include "tests/support/engine_printers.hpp"
#include "tests/support/fake_clock.hpp"
#include "tests/support/seeded_random.hpp"

namespace escrowd::property_testing {

// Full checks cost O(ledger size): longer runs space them out to stay about linear in time.
constexpr long full_checks_per_run_min = 100;
constexpr long replays_per_run_min = 10;
constexpr std::size_t accounts_max = 300;
constexpr std::size_t live_tasks_max = 600;

class ledger_model {
 public:
  explicit ledger_model(testing::seeded_random& random) : random_(random) {
    for (const char* code : {"usd", "eur", "jpy"}) currencies_.push_back(*currency::parse(code));
  }

  void run(long steps);
  void full_check();
  void replay_check();
  const std::map<std::string, long>& counts() const { return counts_; }

 private:
  // One random operation; it names itself in operation_ for the failure messages.
  void step();
  void create_account_step();
  void request_topup_step();
  void request_withdrawal_step();
  void settle_step(processor_kind kind);
  void reconcile_step();
  void create_task_step(bool funded);
  void assign_step();
  void fund_step();
  void submit_step();
  void approve_step();
  void dispute_step();
  void resolve_step();
  void cancel_step();
  void lapse_step();

  // Checks one answer against its prediction and commits it when it changed something.
  template <class outcome_type>
  const outcome_type* accept(const prediction& expected, const result<outcome_type>& outcome,
                             bool stale_view);
  bool commit_money(const prediction& expected, const std::optional<journal_entry>& entry,
                    const std::vector<account_delta>& deltas, const std::string& reference,
                    bool stale_view);
  void commit_task(const prediction& expected, const task_outcome& outcome);
  void commit_operation(const prediction& expected, const processor_outcome& outcome);
  void check_account(const std::string& account_id);
  void check_task(const task& held);

  // Random arguments.
  std::string fresh_id(std::string_view prefix);
  std::int64_t random_amount(std::int64_t typical_max);
  account* random_account();
  account* random_account_in(currency ccy);
  task* random_task(std::initializer_list<task_state> preferred);
  processor_operation* random_operation(processor_kind kind);
  account view_of(const account& real, bool& stale);

  std::string where() const {
    return random_.describe() + " step " + std::to_string(step_) + " (" + operation_ + ")";
  }
  void count(const std::string& what) { ++counts_[what]; }

  testing::seeded_random& random_;
  testing::fake_clock clock_;
  std::vector<currency> currencies_;
  std::unordered_map<std::string, account> accounts_;
  std::vector<std::string> account_ids_;
  std::unordered_map<std::uint32_t, std::vector<std::string>> account_ids_by_currency_;
  std::unordered_map<std::string, task> tasks_;
  std::vector<std::string> task_ids_;
  std::vector<std::string> live_task_ids_;  // not settled yet
  std::unordered_map<std::string, processor_operation> operations_;
  std::vector<std::string> topup_ids_;
  std::vector<std::string> withdrawal_ids_;
  std::vector<journal_entry> journal_;
  book_balances books_;
  std::unordered_map<std::uint32_t, std::int64_t> currency_totals_;  // sum of all its books
  // Derived views recomputed by the model from task states and top-up statuses, never from
  // the engine's deltas: the engine's escrowed and pending_topup must agree with them.
  std::unordered_map<std::string, std::int64_t> escrowed_;
  std::unordered_map<std::string, std::int64_t> pending_topup_;
  std::map<std::string, long> counts_;
  long step_ = 0;
  std::string operation_;
  std::uint64_t next_id_ = 1;
};

template <class outcome_type>
const outcome_type* ledger_model::accept(const prediction& expected,
                                         const result<outcome_type>& outcome, bool stale_view) {
  if (!outcome) {
    const error_code code = outcome.code();
    EXPECT_NE(std::find(expected.rejections.begin(), expected.rejections.end(), code),
              expected.rejections.end())
        << where() << ": unexpected rejection " << describe(code).code
        << (expected.may_change ? " (a change was expected)" : "");
    count("rejected");
    count("rejected:" + std::string(describe(code).code));
    return nullptr;
  }
  if (!outcome->changed) {
    EXPECT_TRUE(expected.may_noop) << where() << ": unexpected no-op";
    EXPECT_FALSE(outcome->entry.has_value()) << where() << ": a no-op with an entry";
    EXPECT_TRUE(outcome->deltas.empty()) << where() << ": a no-op with deltas";
    count("noop");
    return nullptr;
  }
  EXPECT_TRUE(expected.may_change) << where() << ": unexpected change";
  if (!expected.may_change) return nullptr;
  const std::string& reference = [&]() -> const std::string& {
    if constexpr (std::is_same_v<outcome_type, task_outcome>)
      return outcome->task.id;
    else
      return outcome->operation.id;
  }();
  if (!commit_money(expected, outcome->entry, outcome->deltas, reference, stale_view))
    return nullptr;
  count(operation_);
  return &*outcome;
}

}  // namespace escrowd::property_testing
