// The framing rules of RFC 9112 a server must enforce once a request's header is read and
// before its body is: a body framed in a way the server does not implement would be read
// as the next request (request smuggling behind a proxy that frames it otherwise).
// Thread affinity: none; pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace escrowd::http {

struct request_framing {
  unsigned version = 11;  // 10 or 11
  std::size_t host_fields = 0;
  std::vector<std::string_view> transfer_encodings;  // each Transfer-Encoding field's value
};

// Why the request must be refused with 400 and its connection closed; nullopt if it may be
// read. Refused: a Transfer-Encoding other than exactly "chunked" (RFC 9112 6.3: a request
// whose final coding is not chunked MUST be; no other coding is implemented here), any
// Transfer-Encoding in HTTP/1.0 (6.1: its framing MUST be treated as faulty: an HTTP/1.0
// proxy would read the chunks as the next request), and an
// HTTP/1.1 request without exactly one Host (3.2: MUST).
[[nodiscard]] std::optional<std::string> framing_refusal(const request_framing& framing);

}  // namespace escrowd::http
