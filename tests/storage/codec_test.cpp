// Tests of the on-disk value codecs, one table at a time: every value survives a round
// trip, and every corruption we can construct is rejected with storage_failed, never a
// crash or a silently wrong value: each byte flipped, every truncation, a wrong version
// or tag (with a recomputed CRC, so the version check itself is exercised), trailing
// bytes, and out-of-range fields. Runs under ASan/UBSan in CI to catch over-reads.
#include "storage/codec.hpp"

#include <gtest/gtest.h>

#include <functional>

#include "storage/account_codec.hpp"
#include "storage/api_key_codec.hpp"
#include "storage/crc32c.hpp"
#include "storage/idempotency_codec.hpp"
#include "storage/journal_codec.hpp"
#include "storage/keys.hpp"
#include "storage/meta_codec.hpp"
#include "storage/operation_codec.hpp"
#include "storage/outbox_codec.hpp"
#include "storage/task_codec.hpp"
#include "tests/storage/storage_test_support.hpp"

namespace escrowd::storage {
namespace {

using namespace escrowd::storage::testing;

// Re-seals a modified value with a correct CRC, so only the check under test can fail.
std::string reseal(std::string value) {
  value.resize(value.size() - 4);
  finish_value(value);
  return value;
}

template <class T>
void expect_rejects_corruption(const std::string& good,
                               const std::function<result<T>(std::string_view)>& decode) {
  ASSERT_TRUE(decode(good).has_value());
  for (std::size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] = char(~bad[i]);
    auto decoded = decode(bad);
    ASSERT_FALSE(decoded.has_value()) << "flipped byte " << i;
    EXPECT_EQ(decoded.code(), error_code::storage_failed);
  }
  for (std::size_t length = 0; length < good.size(); ++length)
    ASSERT_FALSE(decode(std::string_view(good).substr(0, length)).has_value())
        << "truncated to " << length;
  std::string other_version = good;
  other_version[0] = char(value_format_version + 1);
  EXPECT_FALSE(decode(reseal(other_version)).has_value());
  std::string other_tag = good;
  other_tag[1] = char(std::uint8_t(other_tag[1]) + 1);
  EXPECT_FALSE(decode(reseal(other_tag)).has_value());
  std::string trailing = good;
  trailing.insert(trailing.size() - 4, 1, '\0');
  EXPECT_FALSE(decode(reseal(trailing)).has_value());
}

TEST(crc32c, matches_the_standard_check_value) {
  EXPECT_EQ(crc32c("123456789"), 0xe3069283u);  // RFC 3720 / the CRC catalogue
  EXPECT_EQ(crc32c(""), 0u);
  EXPECT_EQ(crc32c_extend(crc32c("1234"), "56789"), crc32c("123456789"));
  // 32 zero bytes: the iSCSI test vector (RFC 3720 B.4), long enough for the 8-byte steps.
  EXPECT_EQ(crc32c(std::string(32, '\0')), 0x8a9136aau);
  EXPECT_EQ(crc32c(std::string(32, '\xff')), 0x62a8ab43u);
}

TEST(byte_reader, fails_sticky_and_never_reads_past_the_end) {
  const std::string bytes =
      "\x05\x00\x00\x00"
      "abc";  // claims 5 bytes, has 3
  byte_reader reader(bytes);
  EXPECT_EQ(reader.string(100), "");
  EXPECT_FALSE(reader.ok());
  EXPECT_EQ(reader.u64(), 0u);
  EXPECT_FALSE(reader.done());
  byte_reader too_long("\xff\xff\xff\xff");
  EXPECT_EQ(too_long.string(16), "");
  EXPECT_FALSE(too_long.ok());
}

TEST(account_codec, round_trips_and_rejects_corruption) {
  account row = new_account("acct_1");
  row.available = 1234;
  row.pending_withdrawal = 5;
  row.escrowed = 7;
  row.pending_topup = 9;
  std::string value;
  encode_account({row, 77}, value);
  EXPECT_EQ(*decode_account(value), row);
  EXPECT_EQ(*decode_account_row(value), (account_row{row, 77}));
  expect_rejects_corruption<account_row>(value, decode_account_row);
}

TEST(account_codec, rejects_a_negative_balance) {
  account row = new_account("acct_1");
  row.available = -1;
  std::string value;
  encode_account({row, 0}, value);
  EXPECT_EQ(decode_account(value).code(), error_code::storage_failed);
}

task submitted_task() {
  task row;
  row.id = "task_1";
  row.payer = "payer";
  row.worker = "worker";
  row.amount = 500;
  row.currency = usd();
  row.created_at = 100;
  row.state = task_state::submitted;
  row.last_transition = task_transition::submit;
  row.escrow = 500;
  row.review_deadline = 3700;
  row.submission = "a submission long enough to need the heap";
  row.history = {{task_transition::create, task_state::open, 100, "payer"},
                 {task_transition::fund, task_state::funded, 101, "payer"},
                 {task_transition::submit, task_state::submitted, 102, "worker"}};
  return row;
}

TEST(task_codec, round_trips_with_history_and_rejects_corruption) {
  const auto row = submitted_task();
  std::string value;
  encode_task(row, value);
  EXPECT_EQ(*decode_task(value), row);
  expect_rejects_corruption<task>(value, decode_task);
}

// The writer's short read of a row it replaces: the same escrow, state and deadline as the
// full decode, and the envelope's checks (any flipped or missing byte is refused).
TEST(task_codec, the_standing_matches_the_full_row_and_rejects_corruption) {
  auto row = submitted_task();
  std::string value;
  encode_task(row, value);
  auto standing = decode_task_standing(value);
  ASSERT_TRUE(standing.has_value());
  EXPECT_EQ(standing->escrow, 500);
  EXPECT_EQ(standing->state, task_state::submitted);
  EXPECT_EQ(standing->review_deadline, 3700);
  for (std::size_t i = 0; i < value.size(); ++i) {
    std::string bad = value;
    bad[i] = char(~bad[i]);
    EXPECT_FALSE(decode_task_standing(bad).has_value()) << "flipped byte " << i;
  }
  for (std::size_t length = 0; length < value.size(); ++length)
    EXPECT_FALSE(decode_task_standing(std::string_view(value).substr(0, length)).has_value())
        << "truncated to " << length;
  row.state = task_state(42);
  encode_task(row, value);
  EXPECT_FALSE(decode_task_standing(value).has_value());
}

TEST(task_codec, rejects_an_unknown_state) {
  task row;
  row.id = "t";
  row.currency = usd();
  row.state = task_state(42);
  std::string value;
  encode_task(row, value);
  EXPECT_FALSE(decode_task(value).has_value());
}

TEST(operation_codec, round_trips_and_rejects_corruption) {
  auto record = topup_record(new_account("acct_1"), "top_1", 900, 50);
  const auto& row = record.operation_creates.front();
  std::string value;
  encode_operation(row, value);
  EXPECT_EQ(*decode_operation(value), row);
  expect_rejects_corruption<processor_operation>(value, decode_operation);
}

TEST(journal_codec, round_trips_and_rejects_corruption) {
  auto entry = transfer_entry(entry_kind::task_fund, "task_1", 77, available_book("a", usd()),
                              escrow_book("task_1", usd()), 300);
  const std::vector<std::uint64_t> links{17, 0};
  std::string value;
  encode_entry(42, entry, links, value);
  auto decoded = decode_entry(value, 42);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->entry, entry);
  EXPECT_EQ(decoded->sequence, 42u);
  EXPECT_EQ(decoded->owner_previous, links);
  EXPECT_EQ(previous_of(*decoded, "a"), 17u);
  EXPECT_EQ(previous_of(*decoded, "task_1"), std::nullopt);  // an escrow book: no chain
  EXPECT_EQ(previous_of(*decoded, "b"), std::nullopt);
  expect_rejects_corruption<sequenced_entry>(
      value, [](std::string_view stored) { return decode_entry(stored, 42); });
}

TEST(journal_codec, rejects_links_that_cannot_be_a_chain) {
  // Two legs of one account: available and pending_withdrawal.
  journal_entry entry =
      transfer_entry(entry_kind::withdrawal_hold, "wd_1", 5, available_book("a", usd()),
                     pending_withdrawal_book("a", usd()), 40);
  auto decodes = [&](std::vector<std::uint64_t> links) {
    std::string value;
    encode_entry(9, entry, links, value);
    return decode_entry(value, 9).has_value();
  };
  EXPECT_TRUE(decodes({3, 3}));
  EXPECT_TRUE(decodes({0, 0}));
  EXPECT_FALSE(decodes({3, 4}));  // one account, two different previous entries
  EXPECT_FALSE(decodes({9, 9}));  // not older than the entry itself
  EXPECT_FALSE(decodes({12, 12}));
  auto escrow = transfer_entry(entry_kind::task_fund, "t", 1, available_book("a", usd()),
                               escrow_book("t", usd()), 1);
  std::string value;
  encode_entry(9, escrow, std::vector<std::uint64_t>{3, 2}, value);  // a link on escrow
  EXPECT_FALSE(decode_entry(value, 9).has_value());
}

TEST(journal_codec, rejects_an_entry_under_another_sequence) {
  auto entry = transfer_entry(entry_kind::task_fund, "t", 1, available_book("a", usd()),
                              escrow_book("t", usd()), 1);
  std::string value;
  encode_entry(7, entry, {}, value);
  EXPECT_FALSE(decode_entry(value, 8).has_value());
}

TEST(journal_codec, rejects_an_unbalanced_entry_after_decoding) {
  auto entry = transfer_entry(entry_kind::task_fund, "t", 1, available_book("a", usd()),
                              escrow_book("t", usd()), 10);
  entry.legs[1].amount = 11;  // encodable, but never trustworthy
  std::string value;
  encode_entry(1, entry, {}, value);
  EXPECT_EQ(decode_entry(value, 1).code(), error_code::storage_failed);
}

TEST(idempotency_codec, round_trips_and_rejects_corruption) {
  auto row = idempotency_for("key_admin", "k-1", 1000);
  std::string value;
  encode_idempotency(row, value);
  EXPECT_EQ(*decode_idempotency(value), row);
  expect_rejects_corruption<idempotency_record>(value, decode_idempotency);
}

TEST(outbox_codec, round_trips_and_rejects_corruption) {
  outbox_row row{"topup:top_1:charge",
                 processor_kind::topup,
                 "top_1",
                 R"({"amount":5})",
                 3,
                 1234,
                 outbox_state::in_flight,
                 1000};
  std::string value;
  encode_outbox(row, value);
  EXPECT_EQ(*decode_outbox(value), row);
  expect_rejects_corruption<outbox_row>(value, decode_outbox);
}

TEST(api_key_codec, round_trips_and_rejects_corruption) {
  api_key_record row;
  row.key_id = "key_1";
  row.hash = hash_api_key_secret("sk_secret");
  row.role = principal_role::account;
  row.account_id = "acct_1";
  row.created_at = 5;
  row.revoked = true;
  row.revoked_at = 9;
  std::string value;
  encode_api_key(row, value);
  EXPECT_EQ(*decode_api_key(value), row);
  expect_rejects_corruption<api_key_record>(value, decode_api_key);
  encode_api_key_id(row.hash, value);
  EXPECT_EQ(*decode_api_key_id(value), row.hash);
  expect_rejects_corruption<api_key_hash>(value, decode_api_key_id);
}

TEST(api_key_hash, is_sha256_of_the_secret) {
  const auto hash = hash_api_key_secret("abc");
  EXPECT_EQ(hash[0], 0xba);
  EXPECT_EQ(hash[31], 0xad);
}

TEST(meta_codec, header_and_webhook_events_round_trip_and_reject_corruption) {
  store_header header{store_format_version, 1'700'000'000};
  std::string value;
  encode_header(header, value);
  EXPECT_EQ(*decode_header(value), header);
  expect_rejects_corruption<store_header>(value, decode_header);

  encode_idempotency_expiry(idempotency_key("key_a", "k1"), value);
  EXPECT_EQ(*decode_idempotency_expiry(value), idempotency_key("key_a", "k1"));
  expect_rejects_corruption<std::string>(value, decode_idempotency_expiry);

  webhook_event_record event{"evt_1", 77};
  encode_webhook_event(event, value);
  EXPECT_EQ(*decode_webhook_event(value), event);
  expect_rejects_corruption<webhook_event_record>(value, decode_webhook_event);
}

TEST(keys, sort_numerically_and_by_time) {
  EXPECT_LT(sequence_key(255), sequence_key(256));
  EXPECT_LT(review_deadline_key(-5, "t"), review_deadline_key(3, "t"));
  EXPECT_EQ(unbias_time(bias_time(-123)), -123);
  EXPECT_LT(idempotency_expiry_key(10, 99, 7), idempotency_expiry_key(11, 1, 0));
  EXPECT_LT(idempotency_expiry_key(10, 5, 300), idempotency_expiry_key(10, 6, 0));
  EXPECT_LT(idempotency_expiry_key(10, 5, 255), idempotency_expiry_key(10, 5, 256));
}

}  // namespace
}  // namespace escrowd::storage
