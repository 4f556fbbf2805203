// The chaos test's plan of operations, shared by the driver that requests them and the test
// that checks them: the same seed gives the same plan in both processes. Two top-ups in
// three (mostly cards that succeed, some declined), one withdrawal in three (mostly to a
// bank account that pays, some that fail), spread over a few accounts.
// Thread affinity: none; plain values.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "engine/processor_operation.hpp"

namespace escrowd::chaos {

inline constexpr std::size_t accounts = 8;

struct planned {
  processor_kind kind = processor_kind::topup;
  std::string id;
  std::string account_id;
  std::int64_t amount = 0;
  std::string instrument;
};

inline std::string account_id(std::size_t index) {
  return "acct_chaos_" + std::to_string(index);
}

inline std::vector<planned> make_plan(std::size_t count, std::uint64_t seed) {
  std::mt19937_64 random(seed);
  std::vector<planned> plan;
  plan.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    planned step;
    const auto draw = random();
    step.account_id = account_id(draw % accounts);
    if ((draw >> 8) % 3 != 0) {
      step.kind = processor_kind::topup;
      step.id = "top_chaos_" + std::to_string(i);
      step.amount = 1'000 + static_cast<std::int64_t>((draw >> 16) % 9'000);
      step.instrument = (draw >> 32) % 10 == 0 ? "pm_card_chargeDeclined" : "pm_card_visa";
    } else {
      step.kind = processor_kind::withdrawal;
      step.id = "wd_chaos_" + std::to_string(i);
      step.amount = 100 + static_cast<std::int64_t>((draw >> 16) % 2'000);
      step.instrument = (draw >> 32) % 10 == 0 ? "ba_fail" : "ba_default";
    }
    plan.push_back(std::move(step));
  }
  return plan;
}

}  // namespace escrowd::chaos
