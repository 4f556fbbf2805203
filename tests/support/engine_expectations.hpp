// Helpers shared by the engine tests: unwrap a result that a fixture step needs (failing
// the test, not crashing, if it was rejected) and order legs and deltas so outcomes compare
// regardless of the order the engine lists them in.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>
#include <tuple>
#include <vector>

#include "engine/account.hpp"
#include "engine/journal.hpp"
#include "engine/result.hpp"

namespace escrowd::testing {

template <class value_type>
value_type must(result<value_type> held) {
  if (!held) {
    ADD_FAILURE() << "unexpected rejection " << describe(held.code()).code;
    throw std::runtime_error("a test fixture step was rejected");
  }
  return std::move(held).value();
}

inline std::vector<leg> sorted(std::vector<leg> legs) {
  std::sort(legs.begin(), legs.end(), [](const leg& a, const leg& b) {
    return std::tie(a.book.kind, a.book.owner, a.amount) <
           std::tie(b.book.kind, b.book.owner, b.amount);
  });
  return legs;
}

inline std::vector<account_delta> sorted(std::vector<account_delta> deltas) {
  std::sort(deltas.begin(), deltas.end(), [](const account_delta& a, const account_delta& b) {
    return std::tie(a.account_id, a.field, a.amount) < std::tie(b.account_id, b.field, b.amount);
  });
  return deltas;
}

}  // namespace escrowd::testing
