// Tests the webhook signature against vectors computed independently with
// `printf '%s' '<t>.<body>' | openssl dgst -sha256 -hmac '<secret>'`.
#include "webhook_signature.hpp"

#include <gtest/gtest.h>

namespace escrowd::processor_sim {
namespace {

TEST(webhook_signature, hmac_matches_openssl_cli) {
  EXPECT_EQ(hmac_sha256_hex("key", "The quick brown fox jumps over the lazy dog"),
            "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
}

TEST(webhook_signature, header_signs_timestamp_dot_body) {
  EXPECT_EQ(stripe_signature_header("whsec_test_secret", 1700000000,
                                    R"({"id":"evt_1","object":"event"})"),
            "t=1700000000,v1=0c8670ed117751cc551a20e35839447075c42800ea3cf3e8a2fbda99cd1e6edd");
}

TEST(webhook_signature, another_secret_or_body_changes_the_signature) {
  auto base = stripe_signature_header("s1", 1, "body");
  EXPECT_NE(base, stripe_signature_header("s2", 1, "body"));
  EXPECT_NE(base, stripe_signature_header("s1", 2, "body"));
  EXPECT_NE(base, stripe_signature_header("s1", 1, "body "));
}

}  // namespace
}  // namespace escrowd::processor_sim
