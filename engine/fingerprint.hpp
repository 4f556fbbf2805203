// Request fingerprints for idempotency keys: a canonical form of (method, path, body) so
// that the same JSON with another key order or spacing fingerprints the same.
// Canonical JSON: no insignificant whitespace, object members sorted by key (bytewise on
// the decoded UTF-8), strings re-escaped minimally, numbers as written. Duplicate keys and
// nesting deeper than json_depth_max are rejected. Thread affinity: none.
#pragma once

#include <string>
#include <string_view>

#include "engine/result.hpp"
#include "engine/sha256.hpp"

namespace escrowd {

inline constexpr std::size_t json_depth_max = 32;

// An empty body canonicalizes as "{}".
[[nodiscard]] result<std::string> canonical_json(std::string_view body);

// Hex SHA-256 of "METHOD\nPATH\nCANONICAL_BODY".
[[nodiscard]] result<std::string> request_fingerprint(std::string_view method,
                                                      std::string_view path, std::string_view body);
// The same, for a body already in canonical form (canonical_json's output).
[[nodiscard]] std::string fingerprint_of_canonical(std::string_view method, std::string_view path,
                                                   std::string_view canonical_body);

}  // namespace escrowd
