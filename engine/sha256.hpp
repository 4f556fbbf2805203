// SHA-256 (FIPS 180-4) in plain C++ so the engine stays free of OpenSSL; used for
// request fingerprints. Not for secrets (API key hashing lives in storage/http).
// Thread affinity: none.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace escrowd {

using sha256_digest = std::array<std::uint8_t, 32>;

class sha256 {
 public:
  sha256();
  void update(std::string_view bytes);
  sha256_digest finish();

 private:
  void compress(const std::uint8_t* block);
  std::array<std::uint32_t, 8> state_;
  std::array<std::uint8_t, 64> buffer_{};
  std::size_t buffered_ = 0;
  std::uint64_t total_bytes_ = 0;
};

[[nodiscard]] sha256_digest sha256_of(std::string_view bytes);
[[nodiscard]] std::string to_hex(const sha256_digest& digest);

}  // namespace escrowd
