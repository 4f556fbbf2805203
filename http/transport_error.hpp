// The responses the transport itself sends (413, 431, 400, 503, 500) in the API's error shape
// {"error": {"type", "code", "message"}}, so a client parses them like any endpoint's error.
// Thread affinity: none; pure.
#pragma once

#include <string_view>

#include "engine/error_code.hpp"
#include "http/request.hpp"

namespace escrowd::http {

// Status from the error table; `message` overrides the table's default sentence.
response transport_error(error_code code, std::string_view message = {});

// Adds Retry-After: 1 to a 503 that has none (every 503 of escrowd is temporary).
void with_retry_hint(response& answer);

}  // namespace escrowd::http
