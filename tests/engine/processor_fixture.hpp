// What the tests of engine/processor_operation.hpp share: an owner account with money, a
// fake clock, a top-up or withdrawal driven to any status through the engine's own
// transitions, and the expectations each transition is checked with.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/processor_operation.hpp"
#include "tests/support/engine_expectations.hpp"
#include "tests/support/engine_printers.hpp"
#include "tests/support/fake_clock.hpp"

namespace escrowd::processor_testing {

using escrowd::testing::must;
using escrowd::testing::sorted;

inline const currency usd = *currency::parse("usd");
constexpr std::int64_t amount = 2'500;

inline void expect_entry(const processor_outcome& outcome, entry_kind kind, std::int64_t time,
                         const leg& debit, const leg& credit) {
  ASSERT_TRUE(outcome.entry.has_value()) << "a money movement without a journal entry";
  EXPECT_EQ(outcome.entry->kind, kind);
  EXPECT_EQ(outcome.entry->reference, outcome.operation.id);
  EXPECT_EQ(outcome.entry->time, time);
  EXPECT_EQ(outcome.entry->legs, (std::vector<leg>{debit, credit}));
  EXPECT_TRUE(is_balanced(*outcome.entry));
}

inline void expect_noop(const result<processor_outcome>& outcome,
                        const processor_operation& current) {
  ASSERT_TRUE(outcome) << describe(outcome.code()).code;
  EXPECT_FALSE(outcome->changed);
  EXPECT_EQ(outcome->operation, current);
  EXPECT_FALSE(outcome->entry.has_value());
  EXPECT_TRUE(outcome->deltas.empty());
}

inline void expect_rejected(const result<processor_outcome>& outcome, const error& expected) {
  ASSERT_FALSE(outcome) << "accepted; expected " << describe(expected.code).code;
  EXPECT_EQ(outcome.failure(), expected);
}

inline settlement verdict(processor_status status) {
  return {status, status == processor_status::failed ? "" : "obj_123",
          status == processor_status::failed ? "card_declined" : "",
          status == processor_status::failed ? "The card was declined." : ""};
}

class processor_test : public ::testing::Test {
 protected:
  account owner = make_owner();
  testing::fake_clock clock;

  static account make_owner() {
    account made = must(create_account({"acct_1", usd, "alice"}, 1'600'000'000));
    made.available = 10'000;
    return made;
  }

  processor_request_command command(const std::string& id) const {
    return {id, amount, id.starts_with("top") ? "pm_card_visa" : "ba_123"};
  }
  processor_operation topup(processor_status status) const {
    processor_operation made = must(request_topup(owner, command("top_1"), clock.now())).operation;
    return drive(made, status, processor_status::succeeded);
  }
  processor_operation withdrawal(processor_status status) const {
    processor_operation made =
        must(request_withdrawal(owner, command("wd_1"), clock.now())).operation;
    return drive(made, status, processor_status::paid);
  }
  // Takes a fresh pending operation to `status` through the engine's own transitions.
  processor_operation drive(const processor_operation& fresh, processor_status status,
                            processor_status success) const {
    using enum processor_status;
    const std::int64_t now = clock.now();
    switch (status) {
      case pending:
        return fresh;
      case succeeded:
      case paid:
        return must(settle(fresh, verdict(success), now)).operation;
      case failed:
        return must(settle(fresh, verdict(failed), now)).operation;
      case requires_reconciliation:
        return must(require_reconciliation(fresh, "gave up", now)).operation;
      case cancelled: {
        const auto waiting = must(require_reconciliation(fresh, "gave up", now)).operation;
        return must(cancel_operation(waiting, now)).operation;
      }
    }
    throw std::logic_error("unknown status");
  }
};

}  // namespace escrowd::processor_testing
