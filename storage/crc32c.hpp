// CRC-32C (Castagnoli, the polynomial of iSCSI, ext4 and LevelDB's log format): the
// checksum every stored value carries. Uses the SSE4.2 crc32 instruction when the CPU has
// it (8 bytes per step) and a compile-time table otherwise; both give the same result.
// Thread affinity: none; pure functions over constant data.
#pragma once

#include <cstdint>
#include <string_view>

namespace escrowd::storage {

// Continues a CRC from `crc` (0 to start) over `bytes`.
[[nodiscard]] std::uint32_t crc32c_extend(std::uint32_t crc, std::string_view bytes);

[[nodiscard]] inline std::uint32_t crc32c(std::string_view bytes) {
  return crc32c_extend(0, bytes);
}

}  // namespace escrowd::storage
