// HMAC through OpenSSL's one-shot HMAC(), which OpenSSL 3 keeps undeprecated.
#include "webhook_signature.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>

namespace escrowd::processor_sim {

std::string hmac_sha256_hex(std::string_view key, std::string_view message) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest.data(),
       &length);
  static constexpr char digits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    hex += digits[digest[i] >> 4];
    hex += digits[digest[i] & 0x0F];
  }
  return hex;
}

std::string stripe_signature_header(std::string_view secret, std::int64_t timestamp_s,
                                    std::string_view body) {
  std::string timestamp = std::to_string(timestamp_s);
  std::string signed_payload = timestamp + "." + std::string(body);
  return "t=" + timestamp + ",v1=" + hmac_sha256_hex(secret, signed_payload);
}

}  // namespace escrowd::processor_sim
