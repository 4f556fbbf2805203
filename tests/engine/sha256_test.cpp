// Tests engine/sha256.hpp against the FIPS 180-4 / NIST example vectors ("", "abc", the
// 448-bit and 896-bit messages, one million 'a'), checks that streaming in any chunking gives
// the one-shot digest, and cross-checks random messages of every length around the block and
// padding boundaries against OpenSSL's implementation.
#include "engine/sha256.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <string>

#include "tests/support/seeded_random.hpp"

namespace escrowd {
namespace {

std::string hex_of(std::string_view message) {
  return to_hex(sha256_of(message));
}

std::string openssl_hex(std::string_view message) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EXPECT_EQ(EVP_Digest(message.data(), message.size(), digest, &length, EVP_sha256(), nullptr), 1);
  sha256_digest copy{};
  EXPECT_EQ(length, copy.size());
  for (std::size_t i = 0; i < copy.size(); ++i) copy[i] = digest[i];
  return to_hex(copy);
}

TEST(sha256_vectors, empty_message) {
  EXPECT_EQ(hex_of(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(sha256_vectors, abc) {
  EXPECT_EQ(hex_of("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(sha256_vectors, four_hundred_forty_eight_bits) {
  EXPECT_EQ(hex_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(sha256_vectors, eight_hundred_ninety_six_bits) {
  EXPECT_EQ(
      hex_of("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopq"
             "klmnopqrlmnopqrsmnopqrstnopqrstu"),
      "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

TEST(sha256_vectors, one_million_a) {
  const std::string expected = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
  EXPECT_EQ(hex_of(std::string(1'000'000, 'a')), expected);
  // The same million bytes streamed in uneven chunks.
  for (std::size_t chunk : {1u, 55u, 63u, 64u, 65u, 1000u}) {
    sha256 hasher;
    const std::string piece(chunk, 'a');
    std::size_t fed = 0;
    while (fed + chunk <= 1'000'000) {
      hasher.update(piece);
      fed += chunk;
    }
    hasher.update(std::string(1'000'000 - fed, 'a'));
    EXPECT_EQ(to_hex(hasher.finish()), expected) << "chunk " << chunk;
  }
}

TEST(sha256_hex, is_sixty_four_lower_case_digits) {
  sha256_digest digest{};
  for (std::size_t i = 0; i < digest.size(); ++i) digest[i] = static_cast<std::uint8_t>(i * 9);
  const std::string hex = to_hex(digest);
  ASSERT_EQ(hex.size(), 64u);
  EXPECT_EQ(hex.substr(0, 8), "0009121b");
  EXPECT_EQ(to_hex(sha256_digest{}), std::string(64, '0'));
  sha256_digest ones{};
  ones.fill(0xff);
  EXPECT_EQ(to_hex(ones), std::string(64, 'f'));
}

TEST(sha256_reference, matches_openssl_at_every_length_around_block_boundaries) {
  auto random = testing::seeded_random::from_environment(256);
  SCOPED_TRACE(random.describe());
  for (std::size_t length = 0; length <= 300; ++length) {
    std::string message(length, '\0');
    for (auto& byte : message) byte = static_cast<char>(random.below(256));
    ASSERT_EQ(hex_of(message), openssl_hex(message)) << "length " << length;
    // Split at a random point: streaming must not depend on how the bytes arrive.
    const std::size_t split = length == 0 ? 0 : random.below(length + 1);
    sha256 hasher;
    hasher.update(std::string_view(message).substr(0, split));
    hasher.update(std::string_view(message).substr(split));
    ASSERT_EQ(to_hex(hasher.finish()), openssl_hex(message)) << "length " << length;
  }
}

}  // namespace
}  // namespace escrowd
