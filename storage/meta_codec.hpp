// Codecs of the small values: the store header in the meta table (magic and store format
// version, checked at open) and processed webhook events (FORMAT.md "meta", "webhook_events").
// Thread affinity: none.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/result.hpp"
#include "storage/records.hpp"

namespace escrowd::storage {

inline constexpr std::string_view store_magic = "escrowd\n";  // 8 bytes
// The layout of the whole store (tables, keys, values). A store written with another
// version is refused at open rather than misread. Bump on any incompatible change.
inline constexpr std::uint32_t store_format_version = 2;

struct store_header {
  std::uint32_t format_version = store_format_version;
  std::int64_t created_at = 0;  // Unix seconds of the first open

  friend bool operator==(const store_header&, const store_header&) = default;
};

void encode_header(const store_header& header, std::string& out);
// A wrong magic is corruption; a readable header of another version is returned as is, so
// the caller can say which version it found.
[[nodiscard]] result<store_header> decode_header(std::string_view stored);

void encode_webhook_event(const webhook_event_record& row, std::string& out);
[[nodiscard]] result<webhook_event_record> decode_webhook_event(std::string_view stored);

}  // namespace escrowd::storage
