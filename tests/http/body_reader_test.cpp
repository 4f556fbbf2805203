// Tests the strict JSON body reader of the HTTP layer (api.md "Conventions"): typed
// fields, integer-only amounts in 1..10^15, and rejection of unknown fields, bad ids, bad
// currencies, malformed JSON and nesting past the depth limit.
#include "http/body_reader.hpp"

#include <gtest/gtest.h>

#include <string>

namespace escrowd::http {
namespace {

TEST(body_reader, reads_typed_fields_and_rejects_unknown_ones) {
  auto reader = body_reader::parse(R"({"amount": 1250, "currency": "usd", "fund": true,
                                       "extra": 1})");
  ASSERT_TRUE(reader.has_value());
  EXPECT_EQ(*reader->required_amount("amount"), 1250);
  EXPECT_EQ(reader->required_currency("currency")->view(), "usd");
  EXPECT_TRUE(*reader->optional_bool("fund", false));
  const auto finished = reader->finish();
  ASSERT_FALSE(finished.ok());
  EXPECT_EQ(finished.code(), error_code::parameter_unknown);
  EXPECT_EQ(finished.failure().param, "extra");
}

// A body's fields are tracked by position, a bit each for the first 64 and past them in a
// vector: an unread field is named wherever it is.
TEST(body_reader, names_the_unread_field_among_more_than_64) {
  constexpr int field_count = 70;
  std::string body = "{";
  for (int i = 0; i < field_count; ++i)
    body += (i > 0 ? ",\"f" : "\"f") + std::to_string(i) + "\":" + std::to_string(i);
  body += "}";
  for (int unread : {-1, 3, 63, 64, 69}) {
    auto reader = body_reader::parse(body);
    ASSERT_TRUE(reader.has_value());
    for (int i = 0; i < field_count; ++i) {
      if (i == unread) continue;
      const auto name = "f" + std::to_string(i);
      EXPECT_EQ(*reader->optional_integer(name), i) << name;
    }
    const auto finished = reader->finish();
    if (unread < 0) {
      EXPECT_TRUE(finished.ok());
    } else {
      ASSERT_FALSE(finished.ok()) << unread;
      EXPECT_EQ(finished.code(), error_code::parameter_unknown);
      EXPECT_EQ(finished.failure().param, "f" + std::to_string(unread));
    }
  }
}

TEST(body_reader, amounts_are_integers_in_range) {
  for (const char* body : {R"({"amount": 12.5})", R"({"amount": "12"})", R"({"amount": 0})",
                           R"({"amount": -5})", R"({"amount": 1000000000000001})",
                           R"({"amount": 18446744073709551615})", R"({"amount": 1e3})"}) {
    auto reader = body_reader::parse(body);
    ASSERT_TRUE(reader.has_value()) << body;
    auto amount = reader->required_amount("amount");
    ASSERT_FALSE(amount.has_value()) << body;
    EXPECT_EQ(amount.failure().code, error_code::amount_invalid) << body;
    EXPECT_EQ(amount.failure().param, "amount") << body;
  }
  auto top = body_reader::parse(R"({"amount": 1000000000000000})");
  EXPECT_EQ(*top->required_amount("amount"), 1'000'000'000'000'000);
  auto absent = body_reader::parse("{}");
  EXPECT_EQ(absent->required_amount("amount").failure().code, error_code::parameter_missing);
}

TEST(body_reader, rejects_malformed_bodies_and_bad_values) {
  for (const char* body : {"{", "[1]", "\"text\"", R"({"a":1,})", "nul"}) {
    auto reader = body_reader::parse(body);
    ASSERT_FALSE(reader.has_value()) << body;
    EXPECT_EQ(reader.failure().code, error_code::json_invalid) << body;
  }
  std::string deep(64, '[');
  deep = R"({"a":)" + deep + std::string(64, ']') + "}";
  EXPECT_EQ(body_reader::parse(deep).failure().code, error_code::json_invalid);

  auto reader = body_reader::parse(R"({"id": "bad id!", "currency": "USD", "worker": 5})");
  ASSERT_TRUE(reader.has_value());
  EXPECT_EQ(reader->optional_id("id").failure().code, error_code::id_invalid);
  EXPECT_EQ(reader->required_currency("currency").failure().code, error_code::currency_invalid);
  EXPECT_EQ(reader->optional_string("worker").failure().code, error_code::parameter_invalid);
  EXPECT_TRUE(reader->finish().ok());
}

TEST(body_reader, empty_body_is_an_empty_object_and_null_is_absent) {
  auto empty = body_reader::parse("  ");
  ASSERT_TRUE(empty.has_value());
  EXPECT_TRUE(empty->finish().ok());
  auto with_null = body_reader::parse(R"({"worker": null})");
  auto worker = with_null->optional_id("worker");
  ASSERT_TRUE(worker.has_value());
  EXPECT_FALSE(worker->has_value());
  EXPECT_TRUE(with_null->finish().ok());
}

}  // namespace
}  // namespace escrowd::http
