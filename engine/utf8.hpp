// UTF-8 well-formedness as JSON parsers check it (RFC 3629): no overlong forms, no
// surrogates, no code points past U+10FFFF. Shared by the log's JSON writer (which replaces
// what fails) and the processor simulator (which refuses it before saving anything).
// Thread affinity: none; pure functions.
#pragma once

#include <cstddef>
#include <string_view>

namespace escrowd {

// The length of the well-formed sequence starting at `text[at]` (1 for ASCII), or 0 if
// none starts there. `at` must be inside `text`.
[[nodiscard]] std::size_t utf8_sequence_length(std::string_view text, std::size_t at);

[[nodiscard]] bool is_utf8(std::string_view text);

}  // namespace escrowd
