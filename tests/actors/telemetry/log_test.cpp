// Tests the JSON-lines logs: each line is one JSON object (checked with Boost.JSON) with
// time, level and message first; strings are escaped (quotes, backslashes, control bytes,
// invalid UTF-8); secrets never appear: by field name, by the shape of the value, card
// numbers by Luhn; the level filters; concurrent writers never interleave within a line.
#include "actors/telemetry/log.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "actors/telemetry/redaction.hpp"

namespace escrowd::actors::telemetry {
namespace {

using namespace std::chrono_literals;

std::string escaped(std::string_view text) {
  std::string out;
  append_json_string(out, text);
  return out;
}

std::chrono::system_clock::time_point fixed_time() {
  // 2026-01-02T03:04:05.678Z
  return std::chrono::system_clock::time_point(1'767'323'045'678ms);
}

boost::json::object parse_line(const std::string& line) {
  EXPECT_TRUE(line.ends_with("\n"));
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "one line: " << line;
  return boost::json::parse(line).as_object();
}

TEST(log_escaping, quotes_backslashes_and_control_characters) {
  EXPECT_EQ(escaped("plain"), "\"plain\"");
  EXPECT_EQ(escaped("say \"hi\"\\"), R"("say \"hi\"\\")");
  EXPECT_EQ(escaped("a\nb\rc\td\be\ff"), R"("a\nb\rc\td\be\ff")");
  EXPECT_EQ(escaped(std::string_view("nul\0x", 5)), R"("nul\u0000x")");
  EXPECT_EQ(escaped("\x1f\x7f"), R"("\u001f\u007f")");
}

TEST(log_escaping, valid_utf8_passes_and_invalid_bytes_become_replacement_characters) {
  EXPECT_EQ(escaped("café €5 😀"), "\"café €5 😀\"");
  EXPECT_EQ(escaped("\xff"), R"("\ufffd")");
  EXPECT_EQ(escaped("a\xc3"), R"("a\ufffd")");                              // truncated sequence
  EXPECT_EQ(escaped("\xc0\xaf"), R"("\ufffd\ufffd")");                      // overlong '/'
  EXPECT_EQ(escaped("\xed\xa0\x80"), R"("\ufffd\ufffd\ufffd")");            // a surrogate
  EXPECT_EQ(escaped("\xf4\x90\x80\x80"), R"("\ufffd\ufffd\ufffd\ufffd")");  // past U+10FFFF
  // Whatever the bytes, the result parses as JSON.
  std::string every_byte;
  for (int c = 0; c < 256; ++c) every_byte.push_back(char(c));
  EXPECT_NO_THROW(boost::json::parse(escaped(every_byte)));
}

TEST(log_line, carries_time_level_message_and_typed_fields_in_order) {
  const log_field fields[] = {{"request_id", "req_1"},
                              {"principal", "key_9"},
                              {"route", "POST /v1/tasks/{id}/fund"},
                              {"status", 201u},
                              {"duration_ms", 1.5},
                              {"replayed", false},
                              {"delta", -3}};
  const auto line = format_log_line(log_level::info, fixed_time(), "request", fields);
  EXPECT_EQ(
      line.rfind(R"({"time":"2026-01-02T03:04:05.678Z","level":"info","message":"request",)", 0),
      0u)
      << line;
  const auto object = parse_line(line);
  EXPECT_EQ(object.at("request_id").as_string(), "req_1");
  EXPECT_EQ(object.at("principal").as_string(), "key_9");
  EXPECT_EQ(object.at("route").as_string(), "POST /v1/tasks/{id}/fund");
  EXPECT_EQ(object.at("status").to_number<std::uint64_t>(), 201u);
  EXPECT_EQ(object.at("duration_ms").as_double(), 1.5);
  EXPECT_EQ(object.at("replayed").as_bool(), false);
  EXPECT_EQ(object.at("delta").as_int64(), -3);
}

TEST(log_line, fractional_numbers_are_never_redacted) {
  // 12.3456789012342 holds a 13-digit run that passes the Luhn check.
  const log_field fields[] = {{"duration_ms", 12.3456789012342}};
  const auto object = parse_line(format_log_line(log_level::info, fixed_time(), "m", fields));
  EXPECT_EQ(object.at("duration_ms").as_double(), 12.3456789012342);
}

TEST(log_line, non_finite_numbers_are_null) {
  const log_field fields[] = {{"ratio", std::numeric_limits<double>::infinity()}};
  const auto object = parse_line(format_log_line(log_level::warn, fixed_time(), "m", fields));
  EXPECT_TRUE(object.at("ratio").is_null());
}

TEST(log_time, rfc3339_utc_with_milliseconds) {
  EXPECT_EQ(format_rfc3339_utc(fixed_time()), "2026-01-02T03:04:05.678Z");
  EXPECT_EQ(format_rfc3339_utc(std::chrono::system_clock::time_point{}),
            "1970-01-01T00:00:00.000Z");
}

TEST(log_redaction, sensitive_field_names) {
  for (auto name : {"key", "api_key", "Secret", "webhook_secret", "password", "token",
                    "access_token", "authorization", "Authorization", "card_number", "card", "cvc",
                    "cvv", "cookie", "Stripe-Signature", "secret_key", "STRIPE_API_KEY"})
    EXPECT_TRUE(is_sensitive_field(name)) << name;
  for (auto name : {"key_id", "principal", "idempotency_key", "request_id", "route", "status",
                    "account_id", "task_id", "amount", "currency", "keyboard"})
    EXPECT_FALSE(is_sensitive_field(name)) << name;
}

TEST(log_redaction, values_that_look_like_secrets) {
  EXPECT_TRUE(looks_secret("esk_AbCdEf0123456789AbCdEf0123456789AbCdEf01234"));
  EXPECT_TRUE(looks_secret("key=esk_0123456789"));
  EXPECT_TRUE(looks_secret("sk_test_4eC39HqLyjWDarjtT1zdp7dc"));
  EXPECT_TRUE(looks_secret("rk_live_abcdefghijkl"));
  EXPECT_TRUE(looks_secret("whsec_abcdefghijklmnop"));
  EXPECT_TRUE(looks_secret("Bearer abc"));
  EXPECT_TRUE(looks_secret("authorization: bearer xyz"));
  EXPECT_TRUE(looks_secret("4242424242424242"));           // Visa test number, passes Luhn
  EXPECT_TRUE(looks_secret("card 4242 4242 4242 4242."));  // spaced
  EXPECT_TRUE(looks_secret("5555-5555-5555-4444"));        // dashed Mastercard test number
  EXPECT_TRUE(looks_secret("378282246310005"));            // 15-digit Amex test number

  EXPECT_FALSE(looks_secret("desk_0123456789"));        // "esk_" inside a word
  EXPECT_FALSE(looks_secret("esk_short"));              // too short to be a secret
  EXPECT_FALSE(looks_secret("4242424242424241"));       // fails Luhn
  EXPECT_FALSE(looks_secret("acct_4242424242424242"));  // digits inside an id
  EXPECT_FALSE(looks_secret("424242424242"));           // 12 digits: too short
  EXPECT_FALSE(looks_secret("42424242424242420000"));   // 20 digits: too long for a card
  EXPECT_FALSE(looks_secret("POST /v1/tasks/{id}/fund"));
  EXPECT_FALSE(looks_secret("pm_card_visa"));  // a test payment method id, not a number
  EXPECT_FALSE(looks_secret("1767323045"));    // a Unix time
  // Decimals are not card numbers, on either side of the point (regression: a request's
  // duration_ms 1.0858230000000001 was redacted).
  EXPECT_FALSE(looks_secret("12.3456789012342"));
  EXPECT_FALSE(looks_secret("4242424242424242.5"));
  EXPECT_TRUE(looks_secret("paid with 4242424242424242."));  // a sentence's full stop
}

TEST(log_redaction, lines_never_contain_secrets) {
  const std::string secret = "esk_AbCdEf0123456789AbCdEf0123456789AbCdEf01234";
  const std::string admin_secret = "any-operator-chosen-admin-secret";
  // Field values are views: the strings they show must outlive the array.
  const std::string bearer = "Bearer " + admin_secret;
  const std::string note = "issued " + secret;
  const log_field fields[] = {{"authorization", bearer},
                              {"key", admin_secret},
                              {"note", note},
                              {"card_number", 4242424242424242u},
                              {"amount_raw", 4242424242424242u},
                              {"principal", "key_9"}};
  const auto line = format_log_line(log_level::info, fixed_time(), "key issued " + secret, fields);
  EXPECT_EQ(line.find(secret), std::string::npos) << line;
  EXPECT_EQ(line.find(admin_secret), std::string::npos) << line;
  EXPECT_EQ(line.find("4242424242424242"), std::string::npos) << line;
  const auto object = parse_line(line);
  EXPECT_EQ(object.at("message").as_string(), redacted_text);
  EXPECT_EQ(object.at("authorization").as_string(), redacted_text);
  EXPECT_EQ(object.at("key").as_string(), redacted_text);
  EXPECT_EQ(object.at("note").as_string(), redacted_text);
  EXPECT_EQ(object.at("card_number").as_string(), redacted_text);
  EXPECT_EQ(object.at("amount_raw").as_string(), redacted_text);
  EXPECT_EQ(object.at("principal").as_string(), "key_9");
}

TEST(log_levels, parse_and_filter) {
  EXPECT_EQ(parse_log_level("debug"), log_level::debug);
  EXPECT_EQ(parse_log_level("warning"), log_level::warn);
  EXPECT_EQ(parse_log_level("off"), log_level::off);
  EXPECT_EQ(parse_log_level("loud"), std::nullopt);

  std::vector<std::string> lines;
  logger log(log_level::warn, [&](std::string_view line) { lines.emplace_back(line); });
  log.debug("d");
  log.info("i");
  log.warn("w");
  log.error("e", {{"code", "storage_failed"}});
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(parse_line(lines[0]).at("level").as_string(), "warn");
  EXPECT_EQ(parse_line(lines[1]).at("code").as_string(), "storage_failed");
  log.set_level(log_level::off);
  log.error("dropped");
  EXPECT_EQ(lines.size(), 2u);
}

TEST(logger, concurrent_lines_arrive_whole) {
  std::string output;  // the sink is called under the logger's lock
  logger log(log_level::info, [&](std::string_view line) { output.append(line); });
  constexpr int threads = 4;
  constexpr int per_thread = 500;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i)
        log.info("request", {{"thread", t}, {"i", i}, {"route", "POST /v1/tasks"}});
    });
  for (auto& worker : workers) worker.join();
  std::size_t count = 0;
  std::size_t start = 0;
  while (start < output.size()) {
    const auto end = output.find('\n', start);
    ASSERT_NE(end, std::string::npos);
    EXPECT_NO_THROW(boost::json::parse(output.substr(start, end - start)));
    ++count;
    start = end + 1;
  }
  EXPECT_EQ(count, std::size_t(threads * per_thread));
}

}  // namespace
}  // namespace escrowd::actors::telemetry
