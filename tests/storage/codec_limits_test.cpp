// Round trips of every table value at the edges of its fields: int64 extremes, empty
// strings, strings exactly at their bound (multi-byte UTF-8 and NUL bytes included), the
// longest task history, and one past each bound refused by the decoder. The codec tests
// (codec_test.cpp) attack corruption; these pin that nothing the engine may produce is cut,
// widened or refused on the way back.
#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "storage/account_codec.hpp"
#include "storage/codec.hpp"
#include "storage/idempotency_codec.hpp"
#include "storage/journal_codec.hpp"
#include "storage/limits.hpp"
#include "storage/operation_codec.hpp"
#include "storage/outbox_codec.hpp"
#include "storage/task_codec.hpp"
#include "tests/storage/storage_test_support.hpp"

namespace escrowd::storage {
namespace {

using namespace escrowd::storage::testing;

constexpr std::int64_t int64_min = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t int64_max = std::numeric_limits<std::int64_t>::max();

// `bytes` long, of three-byte UTF-8 characters ("€"), a NUL and plain ASCII.
std::string text_of_length(std::size_t bytes) {
  std::string text;
  while (text.size() + 3 <= bytes) text += "\xe2\x82\xac";
  if (text.size() < bytes) text.push_back('\0');
  while (text.size() < bytes) text.push_back('z');
  return text;
}

TEST(codec_limits, an_account_at_its_extremes_round_trips) {
  account_row row{new_account(std::string(id_length_max, 'a'), int64_min), ~std::uint64_t{0}};
  row.data.owner = text_of_length(owner_length_max);
  row.data.available = int64_max;
  row.data.pending_withdrawal = int64_max;
  row.data.escrowed = 0;
  row.data.pending_topup = int64_max;
  std::string value;
  encode_account(row, value);
  EXPECT_EQ(*decode_account_row(value), row);
  row.data.owner.push_back('x');
  encode_account(row, value);
  EXPECT_FALSE(decode_account_row(value).has_value());
}

TEST(codec_limits, a_task_with_the_longest_history_round_trips) {
  task row;
  row.id = std::string(id_length_max, 't');
  row.payer = std::string(id_length_max, 'p');
  row.worker = "";
  row.amount = int64_max;
  row.currency = usd();
  row.review_window_s = int64_min;
  row.created_at = int64_min;
  row.state = task_state::disputed;
  row.last_transition = task_transition::review_window_lapsed;
  row.escrow = int64_max;
  row.review_deadline = int64_max;
  row.worker_amount = int64_min;
  row.submission = text_of_length(submission_length_max);
  row.dispute_reason = text_of_length(dispute_reason_length_max);
  for (std::size_t i = 0; i < task_history_max; ++i)
    row.history.push_back({task_transition::assign, task_state::cancelled,
                           i % 2 ? int64_max : int64_min, std::string(id_length_max, 'x')});
  std::string value;
  encode_task(row, value);
  EXPECT_EQ(*decode_task(value), row);
  const auto standing = decode_task_standing(value);
  ASSERT_TRUE(standing.has_value());
  EXPECT_EQ(standing->escrow, int64_max);
  EXPECT_EQ(standing->review_deadline, int64_max);
  row.history.push_back(row.history.back());
  encode_task(row, value);
  EXPECT_FALSE(decode_task(value).has_value());
}

TEST(codec_limits, an_operation_at_its_bounds_round_trips_and_one_past_is_not_storable) {
  processor_operation row;
  row.kind = processor_kind::withdrawal;
  row.id = std::string(id_length_max, 'w');
  row.account_id = std::string(id_length_max, 'a');
  row.amount = int64_max;
  row.currency = usd();
  row.instrument = text_of_length(short_string_bytes_max);
  row.status = processor_status::cancelled;
  row.created_at = int64_min;
  row.updated_at = int64_max;
  row.processor_object_id = text_of_length(short_string_bytes_max);
  row.failure_code = "";
  row.failure_message = text_of_length(short_string_bytes_max);
  EXPECT_TRUE(is_storable(row));
  std::string value;
  encode_operation(row, value);
  EXPECT_EQ(*decode_operation(value), row);
  row.failure_code = text_of_length(short_string_bytes_max + 1);
  EXPECT_FALSE(is_storable(row));
  encode_operation(row, value);
  EXPECT_FALSE(decode_operation(value).has_value());
}

TEST(codec_limits, a_journal_entry_with_the_most_legs_and_extreme_amounts_round_trips) {
  journal_entry entry{
      entry_kind::withdrawal_reversed, std::string(id_length_max, 'r'), int64_min, {}};
  for (std::size_t i = 0; i < legs_per_entry_max / 2; ++i) {
    const std::string owner = std::string(id_length_max - 2, 'a') + std::to_string(10 + i);
    entry.legs.push_back({clearing_book(usd()), -int64_max});
    entry.legs.push_back({available_book(owner, usd()), int64_max});
  }
  std::vector<std::uint64_t> links(entry.legs.size(), 0);
  std::string value;
  encode_entry(~std::uint64_t{0}, entry, links, value);
  auto decoded = decode_entry(value, ~std::uint64_t{0});
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->entry, entry);
  entry.legs.push_back({clearing_book(usd()), 1});
  entry.legs.push_back({clearing_book(usd()), -1});
  links.resize(entry.legs.size(), 0);
  encode_entry(1, entry, links, value);
  EXPECT_FALSE(decode_entry(value, 1).has_value());
}

TEST(codec_limits, an_idempotency_record_and_an_outbox_row_at_their_bounds_round_trip) {
  idempotency_record record =
      idempotency_for(std::string(idempotency_scope_bytes_max, 's'),
                      std::string(idempotency_key_bytes_max, 'k'), int64_min);
  record.expires_at = int64_max;
  record.status_code = 0xffff;
  record.response_body = std::string(3, '\0') + text_of_length(100'000);
  record.fingerprint = "";
  std::string value;
  encode_idempotency(record, value);
  EXPECT_EQ(*decode_idempotency(value), record);

  outbox_row row{std::string(outbox_key_bytes_max, 'o'),
                 processor_kind::withdrawal,
                 std::string(id_length_max, 'w'),
                 text_of_length(100'000),
                 ~std::uint32_t{0},
                 int64_min,
                 outbox_state::parked,
                 int64_max};
  encode_outbox(row, value);
  EXPECT_EQ(*decode_outbox(value), row);
}

}  // namespace
}  // namespace escrowd::storage
