#include "http/request_framing.hpp"

#include <cctype>

namespace escrowd::http {
namespace {

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool is_chunked(std::string_view coding) {
  constexpr std::string_view chunked = "chunked";
  if (coding.size() != chunked.size()) return false;
  for (std::size_t i = 0; i < coding.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(coding[i])) != chunked[i]) return false;
  return true;
}

}  // namespace

std::optional<std::string> framing_refusal(const request_framing& framing) {
  if (!framing.transfer_encodings.empty()) {
    std::size_t codings = 0;
    bool only_chunked = true;
    for (auto field : framing.transfer_encodings) {
      std::size_t start = 0;
      while (start <= field.size()) {
        const auto comma = field.find(',', start);
        const auto end = comma == std::string_view::npos ? field.size() : comma;
        ++codings;
        if (!is_chunked(trimmed(field.substr(start, end - start)))) only_chunked = false;
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
