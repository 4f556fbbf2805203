// Encodes a handler's `response` as HTTP/1.1 bytes: the status line and header block in one
// string, the body left where it is, so a pipelined batch goes out in one gathered write
// without copying bodies. The transport owns the framing headers (Content-Length,
// Connection, Request-Id, Server); see `response` for what is ignored and why.
// Thread affinity: none; a pure function over values.
#pragma once

#include <string>
#include <string_view>

#include "http/request.hpp"

namespace escrowd::http {

struct response_framing {
  std::string_view request_id;
  unsigned http_version = 11;  // 10 or 11, as the request said
  bool keep_alive = true;      // false: "Connection: close", and the connection closes
  bool head_request = false;   // HEAD: Content-Length as for GET, no body bytes
};

// The status line and headers, ending with the blank line.
std::string encode_header(const response& answer, const response_framing& framing);

// Whether the body bytes follow the header on the wire (not for HEAD, 1xx, 204, 304).
bool body_is_sent(const response& answer, const response_framing& framing);

}  // namespace escrowd::http
