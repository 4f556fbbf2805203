// Tests engine/error_code.hpp, the one table from rejection reasons to the API: every
// enumerator keeps its on-disk number and has a description with a non-empty snake_case code,
// a message, an HTTP status and an error type that agree with api.md. The numeric range is
// scanned with error_code_from_number, so an enumerator added without a row here fails.
#include "engine/error_code.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <string>
#include <string_view>

namespace escrowd {
namespace {

struct expected_row {
  std::uint16_t number;
  error_code code;
  std::string_view name;
  std::uint16_t http_status;
  error_type type;
};

using enum error_type;

// The numbers are on disk (idempotency records, outbox rows): they must never change.
constexpr expected_row expected_rows[] = {
    {0, error_code::ok, "ok", 200, api_error},
    {1, error_code::parameter_missing, "parameter_missing", 400, invalid_request_error},
    {2, error_code::parameter_invalid, "parameter_invalid", 400, invalid_request_error},
    {3, error_code::parameter_unknown, "parameter_unknown", 400, invalid_request_error},
    {4, error_code::json_invalid, "json_invalid", 400, invalid_request_error},
    {5, error_code::amount_invalid, "amount_invalid", 400, invalid_request_error},
    {6, error_code::currency_invalid, "currency_invalid", 400, invalid_request_error},
    {7, error_code::id_invalid, "id_invalid", 400, invalid_request_error},
    {8, error_code::currency_mismatch, "currency_mismatch", 400, invalid_request_error},
    {9, error_code::idempotency_key_invalid, "idempotency_key_invalid", 400, invalid_request_error},
    {10, error_code::batch_too_large, "batch_too_large", 400, invalid_request_error},
    {11, error_code::body_too_large, "body_too_large", 413, invalid_request_error},
    {12, error_code::header_too_large, "header_too_large", 431, invalid_request_error},
    {13, error_code::unsupported_media_type, "unsupported_media_type", 415, invalid_request_error},
    {20, error_code::authentication_required, "authentication_required", 401, authentication_error},
    {21, error_code::api_key_invalid, "api_key_invalid", 401, authentication_error},
    {30, error_code::permission_denied, "permission_denied", 403, permission_error},
    {40, error_code::not_found, "not_found", 404, invalid_request_error},
    {41, error_code::route_not_found, "route_not_found", 404, invalid_request_error},
    {42, error_code::method_not_allowed, "method_not_allowed", 405, invalid_request_error},
    {50, error_code::already_exists, "already_exists", 409, invalid_request_error},
    {51, error_code::invalid_state_transition, "invalid_state_transition", 409,
     invalid_request_error},
    {52, error_code::insufficient_funds, "insufficient_funds", 409, invalid_request_error},
    {53, error_code::balance_overflow, "balance_overflow", 409, invalid_request_error},
    {54, error_code::processor_state_uncertain, "processor_state_uncertain", 409,
     invalid_request_error},
    {55, error_code::review_window_open, "review_window_open", 409, invalid_request_error},
    {56, error_code::task_history_full, "task_history_full", 409, invalid_request_error},
    {57, error_code::last_admin_key, "last_admin_key", 409, invalid_request_error},
    {60, error_code::idempotency_key_in_use, "idempotency_key_in_use", 409, idempotency_error},
    {61, error_code::idempotency_key_reused, "idempotency_key_reused", 422, idempotency_error},
    {70, error_code::rate_limited, "rate_limited", 429, invalid_request_error},
    {80, error_code::processor_error, "processor_error", 502, processor_error},
    {90, error_code::storage_full, "storage_full", 503, api_error},
    {91, error_code::storage_failed, "storage_failed", 500, api_error},
    {92, error_code::not_ready, "not_ready", 503, api_error},
    {93, error_code::internal, "api_error", 500, api_error},
    {94, error_code::timeout, "timeout", 503, api_error},
    {95, error_code::overloaded, "overloaded", 503, api_error},
    {100, error_code::webhook_signature_invalid, "webhook_signature_invalid", 400,
     invalid_request_error},
};

bool is_snake_case(std::string_view word) {
  if (word.empty() || word.front() == '_' || word.back() == '_') return false;
  for (char c : word)
    if (!((c >= 'a' && c <= 'z') || c == '_')) return false;
  return true;
}

// The statuses api.md allows for each error type ("Errors"), plus the size and method
// statuses that follow Stripe's use of invalid_request_error where the contract is silent.
bool status_fits_type(std::uint16_t status, error_type type) {
  switch (type) {
    case invalid_request_error:
      return status == 400 || status == 404 || status == 405 || status == 409 || status == 413 ||
             status == 415 || status == 422 || status == 429 || status == 431;
    case authentication_error:
      return status == 401;
    case permission_error:
      return status == 403;
    case idempotency_error:
      return status == 409 || status == 422;
    case processor_error:
      return status == 502;
    case api_error:
      return status == 500 || status == 503;
  }
  return false;
}

TEST(error_code_table, every_number_in_range_maps_to_the_expected_enumerator) {
  std::set<std::uint16_t> expected_numbers;
  for (const auto& row : expected_rows) expected_numbers.insert(row.number);
  int known = 0;
  for (std::uint32_t number = 0; number <= 0xffff; ++number) {
    const auto code = error_code_from_number(static_cast<std::uint16_t>(number));
    const bool expected = expected_numbers.count(static_cast<std::uint16_t>(number)) == 1;
    ASSERT_EQ(code.has_value(), expected) << "number " << number;
    if (!code) continue;
    ++known;
    EXPECT_EQ(static_cast<std::uint16_t>(*code), number);
  }
  EXPECT_EQ(known, static_cast<int>(std::size(expected_rows)));
}

TEST(error_code_table, numbers_names_statuses_and_types_are_stable) {
  for (const auto& row : expected_rows) {
    SCOPED_TRACE(std::string(row.name));
    EXPECT_EQ(static_cast<std::uint16_t>(row.code), row.number);
    const auto& description = describe(row.code);
    EXPECT_EQ(description.code, row.name);
    EXPECT_EQ(description.http_status, row.http_status);
    EXPECT_EQ(description.type, row.type);
  }
}

TEST(error_code_table, every_description_is_sane) {
  std::set<std::string_view> names;
  for (std::uint32_t number = 0; number <= 0xffff; ++number) {
    const auto code = error_code_from_number(static_cast<std::uint16_t>(number));
    if (!code) continue;
    const auto& description = describe(*code);
    SCOPED_TRACE("number " + std::to_string(number));
    EXPECT_TRUE(is_snake_case(description.code)) << description.code;
    EXPECT_FALSE(description.message.empty());
    EXPECT_EQ(description.message.back(), '.') << description.message;
    EXPECT_GE(description.http_status, 200);
    EXPECT_LE(description.http_status, 599);
    if (*code != error_code::ok) {
      EXPECT_GE(description.http_status, 400) << "a rejection must not be a success";
      EXPECT_TRUE(status_fits_type(description.http_status, description.type))
          << description.http_status << " " << to_string(description.type);
    }
    EXPECT_TRUE(names.insert(description.code).second) << "duplicate code " << description.code;
  }
}

TEST(error_code_table, contract_examples_have_their_contract_statuses) {
  EXPECT_EQ(describe(error_code::insufficient_funds).http_status, 409);  // never 402
  EXPECT_EQ(describe(error_code::invalid_state_transition).http_status, 409);
  EXPECT_EQ(describe(error_code::idempotency_key_in_use).http_status, 409);
  EXPECT_EQ(describe(error_code::idempotency_key_reused).http_status, 422);
  EXPECT_EQ(describe(error_code::not_found).http_status, 404);
  EXPECT_EQ(describe(error_code::permission_denied).http_status, 403);
  EXPECT_EQ(describe(error_code::authentication_required).http_status, 401);
  EXPECT_EQ(describe(error_code::storage_full).type, api_error);
}

TEST(error_code_table, unknown_numbers_are_not_codes) {
  EXPECT_EQ(error_code_from_number(14), std::nullopt);
  EXPECT_EQ(error_code_from_number(99), std::nullopt);
  EXPECT_EQ(error_code_from_number(0xffff), std::nullopt);
}

TEST(error_type_names, are_the_api_words) {
  EXPECT_EQ(to_string(invalid_request_error), "invalid_request_error");
  EXPECT_EQ(to_string(authentication_error), "authentication_error");
  EXPECT_EQ(to_string(permission_error), "permission_error");
  EXPECT_EQ(to_string(idempotency_error), "idempotency_error");
  EXPECT_EQ(to_string(processor_error), "processor_error");
  EXPECT_EQ(to_string(api_error), "api_error");
}

}  // namespace
}  // namespace escrowd
