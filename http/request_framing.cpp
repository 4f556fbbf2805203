#include "http/request_framing.hpp"

#include "http/request.hpp"

namespace escrowd::http {

std::optional<std::string> framing_refusal(const request_framing& framing) {
  if (!framing.transfer_encodings.empty()) {
    if (framing.version < 11)
      return "An HTTP/1.0 request may not carry Transfer-Encoding (RFC 9112 6.1).";
    std::size_t codings = 0;
    bool only_chunked = true;
    for (auto field : framing.transfer_encodings) {
      std::size_t start = 0;
      while (start <= field.size()) {
        const auto comma = field.find(',', start);
        const auto end = comma == std::string_view::npos ? field.size() : comma;
        ++codings;
        if (!ascii_iequals(trimmed_ows(field.substr(start, end - start)), "chunked"))
          only_chunked = false;
        start = end + 1;
      }
    }
    if (codings != 1 || !only_chunked)
      return "Transfer-Encoding other than a single chunked is not accepted.";
  }
  if (framing.version >= 11 && framing.host_fields != 1)
    return "An HTTP/1.1 request must carry exactly one Host header.";
  return std::nullopt;
}

}  // namespace escrowd::http
