#include "http/fresh_ids.hpp"

#include <openssl/rand.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdlib>

#include "engine/id.hpp"
#include "http/thread_random.hpp"

namespace escrowd::http {
namespace {

constexpr std::string_view alphabet =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
constexpr std::string_view secret_prefix = "esk_";
constexpr std::size_t secret_random_bytes = 32;

}  // namespace

std::string make_object_id(std::string_view prefix) {
  auto& generator = thread_random();
  const std::uint64_t high = generator();
  const std::uint64_t low = generator();
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now().time_since_epoch());
  return make_time_ordered_id(prefix, now.count(), high, low);
}

std::string make_api_secret() {
  std::array<unsigned char, secret_random_bytes> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) std::abort();
  std::string secret(secret_prefix);
  // Base62 digits of each 8-byte word: 11 digits hold 62^11 > 2^64.
  for (std::size_t word = 0; word < bytes.size() / 8; ++word) {
    std::uint64_t bits = 0;
    for (std::size_t i = 0; i < 8; ++i) bits = (bits << 8) | bytes[word * 8 + i];
    for (int digit = 0; digit < 11; ++digit) {
      secret.push_back(alphabet[bits % alphabet.size()]);
      bits /= alphabet.size();
    }
  }
  return secret;
}

}  // namespace escrowd::http
