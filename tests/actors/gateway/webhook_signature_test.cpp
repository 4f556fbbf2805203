// Tests the Stripe-Signature verification: a known HMAC-SHA256 vector, valid signatures
// (also among several v1 entries and with a rolled secret), and every refusal: wrong
// secret, tampered payload, stale or future timestamps, malformed and missing headers.
#include "actors/webhook_signature.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace escrowd::actors {
namespace {

constexpr std::int64_t now = 1'700'000'000;
constexpr std::string_view payload = R"({"id":"evt_1","type":"payout.paid"})";
const std::vector<std::string> secrets{"whsec_current"};

signature_verdict verify(std::string_view header, std::string_view body = payload,
                         const std::vector<std::string>& keys = secrets) {
  return verify_webhook_signature(keys, header, body, now, webhook_tolerance_s_default);
}

TEST(webhook_signature, hmac_matches_rfc_4231_test_case_2) {
  EXPECT_EQ(hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(webhook_signature, a_correct_signature_verifies) {
  EXPECT_EQ(verify(sign_webhook("whsec_current", now, payload)), signature_verdict::valid);
  EXPECT_EQ(verify(sign_webhook("whsec_current", now - 300, payload)), signature_verdict::valid);
  EXPECT_EQ(verify(sign_webhook("whsec_current", now + 300, payload)), signature_verdict::valid);
}

TEST(webhook_signature, any_matching_v1_entry_is_enough) {
  const auto good = sign_webhook("whsec_current", now, payload);
  const auto good_v1 = good.substr(good.find("v1="));
  const std::string header =
      "t=" + std::to_string(now) + ",v1=" + std::string(64, '0') + ",v0=abc, " + good_v1;
  EXPECT_EQ(verify(header), signature_verdict::valid);
}

TEST(webhook_signature, a_rolled_secret_still_verifies_during_the_roll) {
  const std::vector<std::string> rolled{"", "whsec_new", "whsec_current"};
  EXPECT_EQ(verify(sign_webhook("whsec_current", now, payload), payload, rolled),
            signature_verdict::valid);
  EXPECT_EQ(verify(sign_webhook("whsec_new", now, payload), payload, rolled),
            signature_verdict::valid);
}

TEST(webhook_signature, a_wrong_secret_or_a_changed_payload_is_refused) {
  EXPECT_EQ(verify(sign_webhook("whsec_other", now, payload)),
            signature_verdict::no_matching_secret);
  const auto header = sign_webhook("whsec_current", now, payload);
  EXPECT_EQ(verify(header, R"({"id":"evt_1","type":"payout.failed"})"),
            signature_verdict::no_matching_secret);
  // The timestamp is signed too: moving it breaks the signature.
  auto moved = header;
  moved.replace(2, 10, std::to_string(now - 1));
  EXPECT_EQ(verify(moved), signature_verdict::no_matching_secret);
}

TEST(webhook_signature, timestamps_outside_the_tolerance_are_refused) {
  EXPECT_EQ(verify(sign_webhook("whsec_current", now - 301, payload)),
            signature_verdict::timestamp_outside_tolerance);
  EXPECT_EQ(verify(sign_webhook("whsec_current", now + 301, payload)),
            signature_verdict::timestamp_outside_tolerance);
  EXPECT_EQ(verify("t=-9223372036854775808,v1=00"), signature_verdict::timestamp_outside_tolerance);
}

TEST(webhook_signature, malformed_or_missing_headers_are_refused) {
  EXPECT_EQ(verify(""), signature_verdict::missing);
  EXPECT_EQ(verify("v1=abcdef"), signature_verdict::malformed);
  EXPECT_EQ(verify("t=" + std::to_string(now)), signature_verdict::malformed);
  EXPECT_EQ(verify("t=12x,v1=abcdef"), signature_verdict::malformed);
  EXPECT_EQ(verify("garbage"), signature_verdict::malformed);
  EXPECT_EQ(verify(std::string(webhook_signature_header_bytes_max + 1, 'a')),
            signature_verdict::malformed);
  EXPECT_EQ(verify(sign_webhook("whsec_current", now, payload), payload, {}),
            signature_verdict::missing);
}

}  // namespace
}  // namespace escrowd::actors
