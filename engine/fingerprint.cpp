#include "engine/fingerprint.hpp"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

namespace escrowd {
namespace {

// A recursive-descent JSON reader (RFC 8259) that writes the canonical form as it goes.
// Every POST body passes here, so it avoids allocating per member: an object's members are
// kept on one stack shared by all nesting levels (keys as views of the body unless they
// hold escapes, values written to one scratch buffer), sorted in place, then written out.
class canonicalizer {
 public:
  explicit canonicalizer(std::string_view text) : text_(text) {
    members_.reserve(16);
    scratch_.reserve(text.size());
  }

  bool run(std::string& out) {
    skip_whitespace();
    if (!value(out, 0)) return false;
    skip_whitespace();
    return position_ == text_.size();
  }

  // After run() failed: why, for the person reading the 400.
  std::string failure() const {
    if (!failure_.empty()) return failure_;
    if (position_ >= text_.size()) return "The body is not valid JSON: it ends too early.";
    return "The body is not valid JSON: unexpected character at byte " + std::to_string(position_) +
           ".";
  }

 private:
  // Plain data, cheap to move while sorting: a key is a range of the body when written
  // without escapes, else a range of decoded_keys_.
  struct member {
    bool escaped = false;
    std::size_t key_begin = 0;
    std::size_t key_end = 0;
    std::size_t value_begin = 0;  // the canonical value in scratch_
    std::size_t value_end = 0;
  };

  std::string_view key_of(const member& m) const {
    const std::string_view from = m.escaped ? std::string_view(decoded_keys_) : text_;
    return from.substr(m.key_begin, m.key_end - m.key_begin);
  }

  // `depth` counts the containers around the value: 32 nested arrays holding a scalar are
  // as deep as 32 empty ones (the same rule as Boost.JSON's max_depth in http/).
  bool value(std::string& out, std::size_t depth) {
    if (position_ >= text_.size()) return false;
    switch (text_[position_]) {
      case '{':
        return object(out, depth + 1);
      case '[':
        return array(out, depth + 1);
      case '"':
        return string_value(out);
      case 't':
        return literal("true", out);
      case 'f':
        return literal("false", out);
      case 'n':
        return literal("null", out);
      default:
        return number(out);
    }
  }

  bool object(std::string& out, std::size_t depth) {
    if (depth > json_depth_max) return too_deep();
    // A nested object's members share scratch_ with the object around it, whose value it
    // is being written as: it is assembled aside, then appended.
    if (&out == &scratch_) {
      std::string nested;
      if (!object(nested, depth)) return false;
      scratch_ += nested;
      return true;
    }
    ++position_;  // '{'
    const std::size_t first = members_.size();
    const std::size_t scratch_mark = scratch_.size();
    const std::size_t decoded_keys_mark = decoded_keys_.size();
    skip_whitespace();
    bool closed = consume('}');
    while (!closed) {
      skip_whitespace();
      member next{};
      if (!key(next)) return false;
      skip_whitespace();
      if (!consume(':')) return false;
      skip_whitespace();
      next.value_begin = scratch_.size();
      if (!value(scratch_, depth)) return false;
      next.value_end = scratch_.size();
      members_.push_back(std::move(next));
      skip_whitespace();
      closed = consume('}');
      if (!closed && !consume(',')) return false;
    }
    const bool written = write_object(first, out);
    members_.resize(first);
    scratch_.resize(scratch_mark);
    decoded_keys_.resize(decoded_keys_mark);
    return written;
  }

  bool write_object(std::size_t first, std::string& out) {
    const auto begin = members_.begin() + std::ptrdiff_t(first);
    std::sort(begin, members_.end(),
              [this](const member& a, const member& b) { return key_of(a) < key_of(b); });
    for (auto it = begin; it != members_.end(); ++it)
      if (it != begin && key_of(*it) == key_of(*(it - 1))) {
        failure_ = "The body repeats the key \"" + std::string(key_of(*it)) + "\".";
        return false;
      }
    out.push_back('{');
    bool first_written = true;
    for (auto it = begin; it != members_.end(); ++it) {
      // api.md's bodies read a member given as null as left out, so it fingerprints so too:
      // a retry that spells an optional field null is the same request.
      if (std::string_view(scratch_).substr(it->value_begin, it->value_end - it->value_begin) ==
          "null")
        continue;
      if (!first_written) out.push_back(',');
      first_written = false;
      write_string(key_of(*it), out);
      out.push_back(':');
      out.append(scratch_, it->value_begin, it->value_end - it->value_begin);
    }
    out.push_back('}');
    return true;
  }

  bool key(member& next) {
    const std::size_t start = position_;
    if (plain_string()) {
      next.key_begin = start + 1;
      next.key_end = position_ - 1;
      return true;
    }
    position_ = start;
    next.escaped = true;
    next.key_begin = decoded_keys_.size();
    if (!string(decoded_keys_)) return false;
    next.key_end = decoded_keys_.size();
    return true;
  }

  // A string without escapes (the usual case) is copied as it stands: it is canonical.
  bool string_value(std::string& out) {
    const std::size_t start = position_;
    if (plain_string()) {
      out.append(text_.data() + start, position_ - start);
      return true;
    }
    position_ = start;
    std::string decoded;
    if (!string(decoded)) return false;
    write_string(decoded, out);
    return true;
  }

  // Past a string with no escape and no control character, true; otherwise false, with
  // the position somewhere inside it.
  bool plain_string() {
    if (!consume('"')) return false;
    while (position_ < text_.size() && is_plain(text_[position_])) ++position_;
    return consume('"');
  }

  bool array(std::string& out, std::size_t depth) {
    if (depth > json_depth_max) return too_deep();
    ++position_;  // '['
    out.push_back('[');
    skip_whitespace();
    if (consume(']')) {
      out.push_back(']');
      return true;
    }
    while (true) {
      skip_whitespace();
      if (!value(out, depth)) return false;
      skip_whitespace();
      if (consume(']')) {
        out.push_back(']');
        return true;
      }
      if (!consume(',')) return false;
      out.push_back(',');
    }
  }

  // Runs of plain characters are appended whole (a character at a time cost tens of
  // instructions each, and every POST body passes here).
  bool string(std::string& decoded) {
    if (!consume('"')) return false;
    while (position_ < text_.size()) {
      const std::size_t run = position_;
      while (position_ < text_.size() && is_plain(text_[position_])) ++position_;
      decoded.append(text_.data() + run, position_ - run);
      if (position_ >= text_.size()) return false;
      const char c = text_[position_++];
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20) return false;
      if (position_ >= text_.size()) return false;
      const char escape = text_[position_++];
      switch (escape) {
        case '"':
          decoded.push_back('"');
          break;
        case '\\':
          decoded.push_back('\\');
          break;
        case '/':
          decoded.push_back('/');
          break;
        case 'b':
          decoded.push_back('\b');
          break;
        case 'f':
          decoded.push_back('\f');
          break;
        case 'n':
          decoded.push_back('\n');
          break;
        case 'r':
          decoded.push_back('\r');
          break;
        case 't':
          decoded.push_back('\t');
          break;
        case 'u':
          if (!unicode_escape(decoded)) return false;
          break;
        default:
          return false;
      }
    }
    return false;
  }

  bool hex4(std::uint32_t& code) {
    if (position_ + 4 > text_.size()) return false;
    code = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = text_[position_++];
      code <<= 4;
      if (c >= '0' && c <= '9')
        code |= std::uint32_t(c - '0');
      else if (c >= 'a' && c <= 'f')
        code |= std::uint32_t(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        code |= std::uint32_t(c - 'A' + 10);
      else
        return false;
    }
    return true;
  }

  bool unicode_escape(std::string& decoded) {
    std::uint32_t code = 0;
    if (!hex4(code)) return false;
    if (code >= 0xDC00 && code <= 0xDFFF) return false;  // lone low surrogate
    if (code >= 0xD800 && code <= 0xDBFF) {
      std::uint32_t low = 0;
      if (!consume('\\') || !consume('u') || !hex4(low)) return false;
      if (low < 0xDC00 || low > 0xDFFF) return false;
      code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
    }
    append_utf8(code, decoded);
    return true;
  }

  static void append_utf8(std::uint32_t code, std::string& out) {
    if (code < 0x80) {
      out.push_back(char(code));
    } else if (code < 0x800) {
      out.push_back(char(0xC0 | (code >> 6)));
      out.push_back(char(0x80 | (code & 0x3F)));
    } else if (code < 0x10000) {
      out.push_back(char(0xE0 | (code >> 12)));
      out.push_back(char(0x80 | ((code >> 6) & 0x3F)));
      out.push_back(char(0x80 | (code & 0x3F)));
    } else {
      out.push_back(char(0xF0 | (code >> 18)));
      out.push_back(char(0x80 | ((code >> 12) & 0x3F)));
      out.push_back(char(0x80 | ((code >> 6) & 0x3F)));
      out.push_back(char(0x80 | (code & 0x3F)));
    }
  }

  // Neither a quote, a backslash nor a control character: copied as it is.
  static bool is_plain(char c) {
    return static_cast<unsigned char>(c) >= 0x20 && c != '"' && c != '\\';
  }

  static void write_string(std::string_view decoded, std::string& out) {
    static constexpr std::string_view digits = "0123456789abcdef";
    out.push_back('"');
    std::size_t run = 0;
    for (std::size_t i = 0; i < decoded.size(); ++i) {
      const char c = decoded[i];
      if (is_plain(c)) continue;
      out.append(decoded.data() + run, i - run);
      run = i + 1;
      const auto byte = static_cast<unsigned char>(c);
      if (c == '"' || c == '\\') {
        const char escaped[] = {'\\', c};
        out.append(escaped, 2);
      } else {
        const char escaped[] = {'\\', 'u', '0', '0', digits[byte >> 4], digits[byte & 0xf]};
        out.append(escaped, sizeof escaped);
      }
    }
    out.append(decoded.data() + run, decoded.size() - run);
    out.push_back('"');
  }

  bool number(std::string& out) {
    const std::size_t start = position_;
    consume('-');
    if (consume('0')) {
      // no leading zeros
    } else if (!digits()) {
      return false;
    }
    if (consume('.') && !digits()) return false;
    if (consume('e') || consume('E')) {
      if (!consume('+')) consume('-');
      if (!digits()) return false;
    }
    out.append(text_.substr(start, position_ - start));
    return true;
  }

  bool digits() {
    const std::size_t start = position_;
    while (position_ < text_.size() && text_[position_] >= '0' && text_[position_] <= '9')
      ++position_;
    return position_ > start;
  }

  bool literal(std::string_view word, std::string& out) {
    if (text_.substr(position_, word.size()) != word) return false;
    position_ += word.size();
    out.append(word);
    return true;
  }

  bool too_deep() {
    failure_ = "The body nests deeper than " + std::to_string(json_depth_max) + " levels.";
    return false;
  }

  bool consume(char expected) {
    if (position_ < text_.size() && text_[position_] == expected) {
      ++position_;
      return true;
    }
    return false;
  }

  void skip_whitespace() {
    while (position_ < text_.size() && (text_[position_] == ' ' || text_[position_] == '\t' ||
                                        text_[position_] == '\n' || text_[position_] == '\r'))
      ++position_;
  }

  std::string_view text_;
  std::size_t position_ = 0;
  std::vector<member> members_;  // the members of the objects being read, outermost first
  std::string scratch_;          // their canonical values
  std::string decoded_keys_;     // their keys that were written with escapes
  std::string failure_;          // set where the position alone would not say why
};

bool is_blank(std::string_view body) {
  return std::all_of(body.begin(), body.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
}

}  // namespace

result<std::string> canonical_json(std::string_view body) {
  if (is_blank(body)) return std::string("{}");
  std::string out;
  out.reserve(body.size());
  canonicalizer reader(body);
  if (!reader.run(out)) return error{error_code::json_invalid, {}, reader.failure()};
  return out;
}

result<std::string> request_fingerprint(std::string_view method, std::string_view path,
                                        std::string_view body) {
  auto canonical = canonical_json(body);
  if (!canonical) return canonical.failure();
  return fingerprint_of_canonical(method, path, *canonical);
}

std::string fingerprint_of_canonical(std::string_view method, std::string_view path,
                                     std::string_view canonical_body) {
  sha256 hasher;
  hasher.update(method);
  hasher.update("\n");
  hasher.update(path);
  hasher.update("\n");
  hasher.update(canonical_body);
  return to_hex(hasher.finish());
}

}  // namespace escrowd
