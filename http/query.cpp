#include "http/query.hpp"

#include <algorithm>
#include <charconv>

#include "engine/error_message.hpp"
#include "http/request.hpp"

namespace escrowd::http {
namespace {

int hex_value(char digit) {
  if (digit >= '0' && digit <= '9') return digit - '0';
  if (digit >= 'a' && digit <= 'f') return digit - 'a' + 10;
  if (digit >= 'A' && digit <= 'F') return digit - 'A' + 10;
  return -1;
}

std::optional<std::string> percent_decode(std::string_view encoded) {
  std::string decoded;
  decoded.reserve(encoded.size());
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    const char c = encoded[i];
    if (c == '+') {
      decoded.push_back(' ');
    } else if (c == '%') {
      if (i + 2 >= encoded.size()) return std::nullopt;
      const int high = hex_value(encoded[i + 1]);
      const int low = hex_value(encoded[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      decoded.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else {
      decoded.push_back(c);
    }
  }
  return decoded;
}

bool is_unreserved(char c) {  // RFC 3986 2.3
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

bool starts_with_scheme(std::string_view target, std::string_view scheme) {
  return target.size() >= scheme.size() && ascii_iequals(target.substr(0, scheme.size()), scheme);
}

}  // namespace

std::string normalized_target(std::string_view target) {
  if (starts_with_scheme(target, "http://") || starts_with_scheme(target, "https://")) {
    const auto authority = target.find("://") + 3;
    const auto origin = target.find_first_of("/?", authority);
    target = origin == std::string_view::npos ? std::string_view{} : target.substr(origin);
  }
  std::string normal;
  if (target.empty() || target.front() == '?') normal.push_back('/');
  const auto path_end = std::min(target.find('?'), target.size());
  if (target.substr(0, path_end).find('%') == std::string_view::npos) return normal.append(target);
  normal.reserve(target.size());
  for (std::size_t i = 0; i < path_end; ++i) {
    if (target[i] == '%' && i + 2 < path_end) {
      const int high = hex_value(target[i + 1]);
      const int low = hex_value(target[i + 2]);
      const char decoded = static_cast<char>(high * 16 + low);
      if (high >= 0 && low >= 0 && is_unreserved(decoded)) {
        normal.push_back(decoded);
        i += 2;
        continue;
      }
    }
    normal.push_back(target[i]);
  }
  return normal.append(target.substr(path_end));
}

split_target split_request_target(std::string_view target) {
  const std::size_t mark = target.find('?');
  if (mark == std::string_view::npos) return {target, {}};
  return {target.substr(0, mark), target.substr(mark + 1)};
}

result<query_parameters> query_parameters::parse(std::string_view query) {
  query_parameters parameters;
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    const std::size_t eq = pair.find('=');
    if (eq == 0)
      return rejection(error_code::parameter_invalid, "query",
                       "The query string has a parameter without a name.");
    auto name = percent_decode(pair.substr(0, eq));
    auto value =
        percent_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
    if (!name || !value)
      return rejection(error_code::parameter_invalid, "query",
                       "The query string has a malformed percent-encoding.");
    if (parameters.values_.contains(*name))
      return rejection(error_code::parameter_invalid, *name, *name + " is given more than once.");
    parameters.values_.emplace(std::move(*name), std::move(*value));
  }
  return parameters;
}

std::optional<std::string> query_parameters::take(std::string_view name) {
  auto found = values_.find(name);
  if (found == values_.end()) return std::nullopt;
  std::string value = std::move(found->second);
  values_.erase(found);
  return value;
}

status query_parameters::finish() const {
  if (values_.empty()) return {};
  return error{error_code::parameter_unknown, values_.begin()->first};
}

result<std::size_t> read_list_limit(query_parameters& parameters) {
  auto text = parameters.take("limit");
  if (!text) return static_cast<std::size_t>(list_limit_default);
  std::int64_t limit = 0;
  const char* end = text->data() + text->size();
  auto [stop, failure] = std::from_chars(text->data(), end, limit);
  if (failure != std::errc{} || stop != end || limit < 1 || limit > list_limit_max)
    return rejection(error_code::parameter_invalid, "limit",
                     "limit is an integer from 1 to " + std::to_string(list_limit_max) + ".");
  return static_cast<std::size_t>(limit);
}

}  // namespace escrowd::http
