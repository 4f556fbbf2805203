#include "storage/crc32c.hpp"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace escrowd::storage {
namespace {

constexpr std::uint32_t reflected_polynomial = 0x82f63b78u;

constexpr std::array<std::uint32_t, 256> make_table() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t crc = i;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ ((crc & 1u) ? reflected_polynomial : 0u);
    table[i] = crc;
  }
  return table;
}

constexpr auto table = make_table();

std::uint32_t extend_portable(std::uint32_t crc, std::string_view bytes) {
  for (char c : bytes) crc = table[(crc ^ std::uint8_t(c)) & 0xffu] ^ (crc >> 8);
  return crc;
}

#if defined(__x86_64__)
// The SSE4.2 crc32 instruction computes exactly this polynomial, 8 bytes per step. Every
// value of every commit is checksummed, so this is on the hot path.
__attribute__((target("sse4.2"))) std::uint32_t extend_sse42(std::uint32_t crc,
                                                             std::string_view bytes) {
  const char* data = bytes.data();
  std::size_t left = bytes.size();
  std::uint64_t wide = crc;
  for (; left >= 8; left -= 8, data += 8) {
    std::uint64_t word = 0;
    std::memcpy(&word, data, 8);
    wide = _mm_crc32_u64(wide, word);
  }
  crc = std::uint32_t(wide);
  for (; left > 0; --left, ++data) crc = _mm_crc32_u8(crc, std::uint8_t(*data));
  return crc;
}

const bool has_sse42 = __builtin_cpu_supports("sse4.2");
#endif

}  // namespace

std::uint32_t crc32c_extend(std::uint32_t crc, std::string_view bytes) {
  crc = ~crc;
#if defined(__x86_64__)
  crc = has_sse42 ? extend_sse42(crc, bytes) : extend_portable(crc, bytes);
#else
  crc = extend_portable(crc, bytes);
#endif
  return ~crc;
}

}  // namespace escrowd::storage
