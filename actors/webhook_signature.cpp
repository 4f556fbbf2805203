#include "actors/webhook_signature.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <charconv>
#include <vector>

namespace escrowd::actors {
namespace {

struct parsed_header {
  std::string_view timestamp;
  std::vector<std::string_view> signatures;  // the v1 entries
};

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

parsed_header parse_header(std::string_view header) {
  parsed_header parsed;
  while (!header.empty()) {
    const auto comma = header.find(',');
    const std::string_view item = trim(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
    const auto equals = item.find('=');
    if (equals == std::string_view::npos) continue;
    const std::string_view name = item.substr(0, equals);
    const std::string_view value = item.substr(equals + 1);
    if (name == "t") parsed.timestamp = value;
    if (name == "v1") parsed.signatures.push_back(value);
  }
  return parsed;
}

bool parse_seconds(std::string_view text, std::int64_t& seconds) {
  if (text.empty()) return false;
  const auto* end = text.data() + text.size();
  auto [stop, failure] = std::from_chars(text.data(), end, seconds);
  return failure == std::errc{} && stop == end;
}

// Constant time in the compared length, so a forger learns nothing from timing.
bool same_signature(std::string_view expected, std::string_view offered) {
  if (expected.size() != offered.size()) return false;
  return CRYPTO_memcmp(expected.data(), offered.data(), expected.size()) == 0;
}

}  // namespace

std::string_view to_string(signature_verdict verdict) {
  switch (verdict) {
    case signature_verdict::valid:
      return "valid";
    case signature_verdict::missing:
      return "missing";
    case signature_verdict::malformed:
      return "malformed";
    case signature_verdict::timestamp_outside_tolerance:
      return "timestamp_outside_tolerance";
    case signature_verdict::no_matching_secret:
      return "no_matching_secret";
  }
  return "malformed";
}

std::string hmac_sha256_hex(std::string_view key, std::string_view message) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest.data(),
       &length);
  static constexpr std::string_view digits = "0123456789abcdef";
  std::string hex;
  hex.reserve(std::size_t{length} * 2);
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(digits[digest[i] >> 4]);
    hex.push_back(digits[digest[i] & 0x0f]);
  }
  return hex;
}

std::string sign_webhook(std::string_view secret, std::int64_t t, std::string_view payload) {
  const std::string timestamp = std::to_string(t);
  std::string signed_text = timestamp;
  signed_text.push_back('.');
  signed_text.append(payload);
  return "t=" + timestamp + ",v1=" + hmac_sha256_hex(secret, signed_text);
}

signature_verdict verify_webhook_signature(std::span<const std::string> secrets,
                                           std::string_view header, std::string_view payload,
                                           std::int64_t now_s, std::int64_t tolerance_s) {
  bool any_secret = false;
  for (const auto& secret : secrets) any_secret = any_secret || !secret.empty();
  if (header.empty() || !any_secret) return signature_verdict::missing;
  if (header.size() > webhook_signature_header_bytes_max) return signature_verdict::malformed;
  const parsed_header parsed = parse_header(header);
  std::int64_t timestamp = 0;
  if (!parse_seconds(parsed.timestamp, timestamp) || parsed.signatures.empty())
    return signature_verdict::malformed;
  // Checked before any HMAC; a timestamp so far off that the difference overflows is
  // refused like any other stale one.
  std::int64_t skew = 0;
  if (__builtin_sub_overflow(now_s, timestamp, &skew) || skew > tolerance_s || skew < -tolerance_s)
    return signature_verdict::timestamp_outside_tolerance;
  std::string signed_text(parsed.timestamp);
  signed_text.push_back('.');
  signed_text.append(payload);
  for (const auto& secret : secrets) {
    if (secret.empty()) continue;
    const std::string expected = hmac_sha256_hex(secret, signed_text);
    for (auto offered : parsed.signatures)
      if (same_signature(expected, offered)) return signature_verdict::valid;
  }
  return signature_verdict::no_matching_secret;
}

}  // namespace escrowd::actors
