// Property test of the whole domain core: 100,000 random operations (seeded; the seed is in
// every failure message, set ESCROWD_TEST_SEED to replay, ESCROWD_PROPERTY_STEPS to run
// longer) over hundreds of accounts in three currencies and their tasks, top-ups and
// withdrawals, through the engine's public functions only, with random and often invalid
// arguments. A model keeps what the storage layer would: accounts, tasks, operations and the
// journal; an outcome whose deltas an account refuses is discarded whole.
//
// Each operation is checked against a prediction written from the contract: the acceptable
// rejection codes, whether a natural-idempotency no-op or a change is acceptable, and for a
// change the exact net movement of every book and every account field. After every step the
// touched books, accounts and tasks are checked against the invariants (entries balanced,
// each currency sums to zero, no user book negative, escrow = escrow_by_state = its book,
// available and pending_withdrawal = their books, escrowed = the escrow of the tasks the
// account pays, pending_topup = its open top-ups); every 1,000 steps (1% of a longer run)
// everything is recomputed from scratch, and every 10,000 steps (10%) and at the end the
// journal is replayed from empty and must reproduce every book.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <string>

#include "tests/engine/ledger_model.hpp"

namespace escrowd {
namespace {

using property_testing::ledger_model;

constexpr std::uint64_t seed_default = 20'240'601;
constexpr long steps_default = 100'000;

long steps_from_environment() {
  const char* text = std::getenv("ESCROWD_PROPERTY_STEPS");
  if (text == nullptr) return steps_default;
  const long steps = std::strtol(text, nullptr, 10);
  return steps > 0 ? steps : steps_default;
}

TEST(ledger_property, random_operations_keep_every_ledger_invariant) {
  auto random = testing::seeded_random::from_environment(seed_default);
  SCOPED_TRACE(random.describe());
  RecordProperty("seed", std::to_string(random.seed()));
  const long steps = steps_from_environment();
  ledger_model model(random);
  model.run(steps);
  if (HasFailure()) return;

  // The run must have reached every path it is meant to exercise, or it proves little.
  const auto& counts = model.counts();
  std::string summary;
  for (const auto& [what, count] : counts) summary += what + "=" + std::to_string(count) + " ";
  RecordProperty("counts", summary);
  for (const char* path : {"create_account",
                           "request_topup",
                           "settle_topup",
                           "request_withdrawal",
                           "settle_withdrawal",
                           "require_reconciliation",
                           "retry_operation",
                           "cancel_operation",
                           "create_task",
                           "create_funded_task",
                           "assign_task",
                           "fund_task",
                           "submit_task",
                           "approve_task",
                           "dispute_task",
                           "resolve_to_payer",
                           "resolve_to_worker",
                           "resolve_split",
                           "cancel_task",
                           "cancel_funded",
                           "lapse_review_window",
                           "withdrawal_reversed",
                           "discarded_stale",
                           "noop",
                           "rejected"}) {
    EXPECT_GT(counts.count(path) ? counts.at(path) : 0, 0)
        << random.describe() << ": never exercised " << path << "\n"
        << summary;
  }
}

}  // namespace
}  // namespace escrowd
