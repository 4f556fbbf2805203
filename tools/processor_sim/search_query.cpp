// A hand-written recursive-descent reader over the query text: one clause at a time, then
// the separator before the next. Errors quote the position (1-based, in characters of the
// query) so that a client's log says where its query went wrong.
#include "search_query.hpp"

#include <charconv>

namespace escrowd::processor_sim {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

bool is_numeric(search_field field) {
  return field == search_field::amount || field == search_field::created;
}

// Thrown inside the reader only, caught by parse_search_query: the first problem ends it.
struct query_error {
  std::string message;
};

class reader {
 public:
  explicit reader(std::string_view text) : text_(text) {}

  search_query read_query() {
    search_query query;
    std::optional<search_join> join;  // as given so far; none before the second clause
    skip_spaces();
    if (at_end()) fail("the query is empty");
    for (;;) {
      if (query.clauses.size() == search_clauses_max) {
        fail("a query has at most " + std::to_string(search_clauses_max) + " clauses");
      }
      query.clauses.push_back(read_clause());
      const bool spaced = skip_spaces();
      if (at_end()) break;
      if (!spaced) fail("expected a space, AND or OR after the clause at " + where(pos_));
      const search_join next = read_join();
      if (join && *join != next) {
        fail("AND and OR cannot be combined in one query (at " + where(pos_) + ")");
      }
      join = next;
      if (at_end()) fail("the query ends after AND or OR");
    }
    query.join = join.value_or(search_join::all);
    return query;
  }

 private:
  [[nodiscard]] bool at_end() const { return pos_ == text_.size(); }

  [[nodiscard]] static std::string where(std::size_t pos) {
    return "position " + std::to_string(pos + 1);
  }

  [[noreturn]] static void fail(std::string message) { throw query_error{std::move(message)}; }

  bool skip_spaces() {
    const std::size_t start = pos_;
    while (!at_end() && is_space(text_[pos_])) ++pos_;
    return pos_ != start;
  }

  // After the spaces that end a clause: AND or OR (any case, then spaces) or, when neither,
  // the next clause follows and the spaces alone meant AND.
  search_join read_join() {
    for (const auto& [word, join] : {std::pair{std::string_view("AND"), search_join::all},
                                     std::pair{std::string_view("OR"), search_join::any}}) {
      const std::string_view ahead = text_.substr(pos_, word.size());
      const std::size_t after = pos_ + word.size();
      if (equals_ignoring_case(ahead, word) && (after == text_.size() || is_space(text_[after]))) {
        pos_ = after;
        if (!skip_spaces() && !at_end()) fail(std::string(word) + " must be followed by a space");
        return join;
      }
    }
    return search_join::all;
  }

  search_clause read_clause() {
    search_clause clause;
    const std::size_t start = pos_;
    if (text_[pos_] == '-') {
      clause.negated = true;
      ++pos_;
    }
    read_field(clause);
    clause.comparison = read_comparison(clause);
    if (at_end() || is_space(text_[pos_])) fail("the clause at " + where(start) + " has no value");
    if (is_numeric(clause.field)) {
      clause.number = read_number(clause);
    } else {
      if (text_[pos_] != '\'' && text_[pos_] != '"') {
        fail("the value at " + where(pos_) + " must be quoted: string values are '...' or \"...\"");
      }
      clause.text = read_quoted();
    }
    return clause;
  }

  void read_field(search_clause& clause) {
    const std::size_t start = pos_;
    while (!at_end() && is_name_char(text_[pos_])) ++pos_;
    const std::string_view name = text_.substr(start, pos_ - start);
    if (name.empty()) fail("expected a field name at " + where(start));
    if (name == "amount") {
      clause.field = search_field::amount;
    } else if (name == "created") {
      clause.field = search_field::created;
    } else if (name == "currency") {
      clause.field = search_field::currency;
    } else if (name == "status") {
      clause.field = search_field::status;
    } else if (name == "metadata") {
      clause.field = search_field::metadata;
      if (at_end() || text_[pos_] != '[') {
        fail("metadata needs a key: metadata['key'] (at " + where(pos_) + ")");
      }
      ++pos_;
      if (at_end() || (text_[pos_] != '\'' && text_[pos_] != '"')) {
        fail("the metadata key at " + where(pos_) + " must be quoted: metadata['key']");
      }
      clause.metadata_key = read_quoted();
      if (clause.metadata_key.empty()) fail("the metadata key at " + where(start) + " is empty");
      if (at_end() || text_[pos_] != ']') fail("expected ] after the metadata key");
      ++pos_;
    } else {
      fail("Field `" + std::string(name) +
           "` is an unsupported search field for payment_intents (the simulator supports "
           "amount, created, currency, status and metadata['key'])");
    }
  }

  search_comparison read_comparison(const search_clause& clause) {
    const std::size_t start = pos_;
    if (at_end()) fail("the clause ending at " + where(start) + " has no operator and value");
    const char first = text_[pos_];
    if (first == ':') {
      ++pos_;
      return search_comparison::equals;
    }
    if (first != '>' && first != '<') {
      fail("expected : or a comparison (>, <, >=, <=) at " + where(start));
    }
    ++pos_;
    const bool or_equal = !at_end() && text_[pos_] == '=';
    if (or_equal) ++pos_;
    if (!is_numeric(clause.field)) {
      fail("the comparison at " + where(start) + " applies to amount and created only");
    }
    if (first == '>')
      return or_equal ? search_comparison::greater_or_equal : search_comparison::greater;
    return or_equal ? search_comparison::less_or_equal : search_comparison::less;
  }

  // '...' or "...": a backslash escapes the next character, the quote included.
  std::string read_quoted() {
    const std::size_t start = pos_;
    const char quote = text_[pos_++];
    std::string out;
    for (;;) {
      if (at_end()) fail("the quoted string at " + where(start) + " is not closed");
      const char c = text_[pos_++];
      if (c == quote) return out;
      if (c == '\\') {
        if (at_end()) fail("the quoted string at " + where(start) + " is not closed");
        out += text_[pos_++];
      } else {
        out += c;
      }
    }
  }

  std::int64_t read_number(const search_clause& clause) {
    const std::size_t start = pos_;
    std::string digits;
    if (text_[pos_] == '\'' || text_[pos_] == '"') {
      digits = read_quoted();
    } else {
      while (!at_end() && !is_space(text_[pos_])) digits += text_[pos_++];
    }
    std::int64_t value = 0;
    auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (digits.empty() || error != std::errc{} || end != digits.data() + digits.size()) {
      fail("the value at " + where(start) + " must be an integer: " +
           (clause.field == search_field::amount ? "amount" : "created") + " is numeric");
    }
    return value;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

parsed_search_query parse_search_query(std::string_view text) {
  try {
    return {reader(text).read_query(), {}};
  } catch (const query_error& error) {
    return {std::nullopt, error.message};
  }
}

}  // namespace escrowd::processor_sim
