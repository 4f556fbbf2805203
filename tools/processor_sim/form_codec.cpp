// Form decoding. Written for clarity over speed: bodies are small and bounded.
#include "form_codec.hpp"

#include <set>

#include "engine/utf8.hpp"
#include "limits.hpp"

namespace escrowd::processor_sim {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_unreserved(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

// Joins segments back into the canonical "a[b][c]" form, numbering empty `[]` segments so
// that `expand[]=x&expand[]=y` keeps both values.
std::string canonical_key(const std::vector<std::string>& segments,
                          std::map<std::string, int>& array_counters) {
  std::string key = segments.front();
  for (std::size_t i = 1; i < segments.size(); ++i) {
    std::string segment = segments[i];
    if (segment.empty()) segment = std::to_string(array_counters[key]++);
    key += '[' + segment + ']';
  }
  return key;
}

}  // namespace

const std::string* form_params::find(std::string_view key) const {
  auto it = fields.find(std::string(key));
  return it == fields.end() ? nullptr : &it->second;
}

std::optional<std::string> percent_decode(std::string_view text, bool plus_as_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+' && plus_as_space) {
      out += ' ';
    } else if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      int high = hex_value(text[i + 1]);
      int low = hex_value(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      out += static_cast<char>(high * 16 + low);
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

std::string percent_encode(std::string_view text) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    if (is_unreserved(c)) {
      out += c;
    } else {
      auto byte = static_cast<unsigned char>(c);
      out += '%';
      out += digits[byte >> 4];
      out += digits[byte & 0x0F];
    }
  }
  return out;
}

std::optional<std::vector<std::string>> split_bracket_key(std::string_view key) {
  std::size_t open = key.find('[');
  std::vector<std::string> segments{std::string(key.substr(0, open))};
  if (segments.front().empty() || segments.front().find(']') != std::string::npos) {
    return std::nullopt;
  }
  while (open != std::string_view::npos) {
    std::size_t close = key.find(']', open);
    if (close == std::string_view::npos) return std::nullopt;
    std::string_view inner = key.substr(open + 1, close - open - 1);
    if (inner.find('[') != std::string_view::npos) return std::nullopt;
    segments.emplace_back(inner);
    if (segments.size() > form_key_depth_max) return std::nullopt;
    open = close + 1;
    if (open == key.size()) break;
    if (key[open] != '[') return std::nullopt;  // text after a closing bracket
  }
  return segments;
}

form_result parse_form(std::string_view text) {
  form_params params;
  std::map<std::string, int> array_counters;
  std::size_t count = 0;
  while (!text.empty()) {
    std::size_t amp = text.find('&');
    std::string_view pair = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view{} : text.substr(amp + 1);
    if (pair.empty()) continue;
    if (++count > form_fields_max) return {std::nullopt, "too many form fields"};
    std::size_t eq = pair.find('=');
    auto key = percent_decode(pair.substr(0, eq), true);
    auto value = percent_decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), true);
    if (!key || !value) return {std::nullopt, "malformed percent-encoding"};
    // Stored as given, such bytes would make every answer showing them invalid JSON and the
    // state file unreadable at the next start.
    if (!is_utf8(*key) || !is_utf8(*value)) {
      return {std::nullopt, "a parameter name or value is not valid UTF-8"};
    }
    auto segments = split_bracket_key(*key);
    if (!segments) return {std::nullopt, "malformed parameter name '" + *key + "'"};
    params.fields[canonical_key(*segments, array_counters)] = std::move(*value);
  }
  return {std::move(params), {}};
}

std::map<std::string, std::string> nested_fields(const form_params& params, std::string_view name) {
  std::map<std::string, std::string> out;
  std::string prefix = std::string(name) + '[';
  for (auto it = params.fields.lower_bound(prefix);
       it != params.fields.end() && it->first.starts_with(prefix); ++it) {
    std::string_view rest = std::string_view(it->first).substr(prefix.size());
    if (rest.empty() || rest.back() != ']') continue;
    rest.remove_suffix(1);
    if (rest.find('[') != std::string_view::npos) continue;  // deeper than one level
    out.emplace(std::string(rest), it->second);
  }
  return out;
}

std::vector<std::string> top_level_names(const form_params& params) {
  std::set<std::string> names;
  for (const auto& [key, value] : params.fields) names.insert(key.substr(0, key.find('[')));
  return {names.begin(), names.end()};
}

std::string canonical_text(const form_params& params) {
  std::string out;
  for (const auto& [key, value] : params.fields) {
    if (!out.empty()) out += '&';
    out += percent_encode(key) + '=' + percent_encode(value);
  }
  return out;
}

}  // namespace escrowd::processor_sim
