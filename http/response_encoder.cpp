// encode_header: hand-written rather than Beast's serializer so a batch of responses is one
// gathered write and the header block is one allocation.
#include "http/response_encoder.hpp"

#include <algorithm>
#include <array>
#include <boost/beast/http/status.hpp>
#include <charconv>

namespace escrowd::http {
namespace {

// Framing headers the transport writes itself; a handler's copy would contradict them.
constexpr std::array<std::string_view, 6> reserved_names = {
    "content-length", "transfer-encoding", "connection", "request-id", "server", "content-type"};

char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool is_reserved(std::string_view name) {
  return std::any_of(reserved_names.begin(), reserved_names.end(), [name](std::string_view r) {
    return r.size() == name.size() &&
           std::equal(r.begin(), r.end(), name.begin(),
                      [](char a, char b) { return a == ascii_lower(b); });
  });
}

// RFC 9110 token characters, so a header name cannot smuggle a separator.
bool is_token(std::string_view name) {
  constexpr std::string_view specials = "!#$%&'*+-.^_`|~";
  return !name.empty() && std::all_of(name.begin(), name.end(), [&](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           specials.find(c) != std::string_view::npos;
  });
}

// A value with CR, LF or NUL would end the header early: response splitting.
bool is_safe_value(std::string_view value) {
  return value.find_first_of(std::string_view{"\r\n\0", 3}) == std::string_view::npos;
}

bool status_allows_body(unsigned status) {
  return status >= 200 && status != 204 && status != 304;
}

void append_number(std::string& out, std::uint64_t number) {
  std::array<char, 24> digits{};
  const auto [end, ec] = std::to_chars(digits.data(), digits.data() + digits.size(), number);
  out.append(digits.data(), end);
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(": ").append(value).append("\r\n");
}

}  // namespace

bool body_is_sent(const response& answer, const response_framing& framing) {
  return !framing.head_request && status_allows_body(answer.status);
}

std::string encode_header(const response& answer, const response_framing& framing) {
  namespace beast_http = boost::beast::http;
  const auto reason = beast_http::obsolete_reason(static_cast<beast_http::status>(answer.status));
  std::string out;
  out.reserve(160 + answer.content_type.size() + 64 * answer.headers.size());
  out.append(framing.http_version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ");
  append_number(out, answer.status);
  out.push_back(' ');
  // Beast names unknown codes "<unknown-status>"; an empty reason is what RFC 9112 allows.
  if (reason.front() != '<') out.append(reason.data(), reason.size());
  out.append("\r\nServer: escrowd\r\n");
  append_field(out, "Request-Id", framing.request_id);
  if (status_allows_body(answer.status)) {
    if (!answer.content_type.empty() && is_safe_value(answer.content_type)) {
      append_field(out, "Content-Type", answer.content_type);
    }
    out.append("Content-Length: ");
    append_number(out, answer.body.size());
    out.append("\r\n");
  }
  if (!framing.keep_alive) {
    out.append("Connection: close\r\n");
  } else if (framing.http_version == 10) {
    out.append("Connection: keep-alive\r\n");
  }
  for (const auto& [name, value] : answer.headers) {
    if (is_token(name) && is_safe_value(value) && !is_reserved(name)) {
      append_field(out, name, value);
    }
  }
  out.append("\r\n");
  return out;
}

}  // namespace escrowd::http
