// Tests engine/result.hpp: result<T> holds either a value or an error (code and param) and
// reports `ok` for a value; status is a result without a value whose default is success.
#include "engine/result.hpp"

#include <gtest/gtest.h>

#include <string>

#include "tests/support/engine_printers.hpp"

namespace escrowd {
namespace {

result<std::string> echo_or_reject(bool reject) {
  if (reject) return error{error_code::amount_invalid, "amount"};
  return std::string("value");
}

TEST(result_value, holds_a_value_and_reports_ok) {
  auto held = echo_or_reject(false);
  ASSERT_TRUE(held.has_value());
  EXPECT_TRUE(static_cast<bool>(held));
  EXPECT_EQ(held.code(), error_code::ok);
  EXPECT_EQ(*held, "value");
  EXPECT_EQ(held->size(), 5u);
  held.value() += "!";
  EXPECT_EQ(std::move(held).value(), "value!");
}

TEST(result_value, holds_an_error_with_its_param) {
  auto held = echo_or_reject(true);
  ASSERT_FALSE(held.has_value());
  EXPECT_FALSE(static_cast<bool>(held));
  EXPECT_EQ(held.code(), error_code::amount_invalid);
  EXPECT_EQ(held.failure(), (error{error_code::amount_invalid, "amount"}));
}

TEST(result_value, converts_from_a_bare_code_without_param) {
  result<int> held = error_code::not_found;
  ASSERT_FALSE(held);
  EXPECT_EQ(held.failure().code, error_code::not_found);
  EXPECT_TRUE(held.failure().param.empty());
}

TEST(result_status, defaults_to_ok_and_carries_failures) {
  status fine;
  EXPECT_TRUE(fine.ok());
  EXPECT_TRUE(static_cast<bool>(fine));
  EXPECT_EQ(fine.code(), error_code::ok);

  status failed = error{error_code::currency_mismatch, "worker"};
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(failed.code(), error_code::currency_mismatch);
  EXPECT_EQ(failed.failure().param, "worker");

  status bare = error_code::internal;
  EXPECT_FALSE(bare);
  EXPECT_EQ(bare.code(), error_code::internal);
}

TEST(result_error, compares_code_and_param) {
  EXPECT_EQ((error{error_code::id_invalid, "id"}), (error{error_code::id_invalid, "id"}));
  EXPECT_NE((error{error_code::id_invalid, "id"}), (error{error_code::id_invalid, "worker"}));
  EXPECT_NE((error{error_code::id_invalid, "id"}), (error{error_code::amount_invalid, "id"}));
}

}  // namespace
}  // namespace escrowd
