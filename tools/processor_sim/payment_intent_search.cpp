// Search scans the intents newest first, like the lists: linear, which is fine at the
// simulator's bounded sizes. The page cursor names the last intent answered, so a page goes
// on below it whatever was created since, and stays valid across a restart.
#include "payment_intent_search.hpp"

#include <optional>
#include <string_view>

namespace escrowd::processor_sim {
namespace {

constexpr std::string_view cursor_prefix = "sp_";
constexpr std::string_view hex_digits = "0123456789abcdef";

// Hex, so that clients treat it as the opaque token Stripe's next_page is.
std::string encode_cursor(const std::string& id) {
  std::string out(cursor_prefix);
  for (unsigned char c : id) {
    out += hex_digits[c >> 4];
    out += hex_digits[c & 0xf];
  }
  return out;
}

std::optional<std::string> decode_cursor(std::string_view cursor) {
  if (!cursor.starts_with(cursor_prefix)) return std::nullopt;
  cursor.remove_prefix(cursor_prefix.size());
  if (cursor.empty() || cursor.size() % 2 != 0) return std::nullopt;
  std::string id;
  for (std::size_t i = 0; i < cursor.size(); i += 2) {
    const auto high = hex_digits.find(cursor[i]);
    const auto low = hex_digits.find(cursor[i + 1]);
    if (high == std::string_view::npos || low == std::string_view::npos) return std::nullopt;
    id += static_cast<char>(high << 4 | low);
  }
  return id;
}

char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
}

// Stripe matches these fields' values without regard to case ("USD" finds usd).
bool equal_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

bool compare(std::int64_t have, search_comparison comparison, std::int64_t want) {
  switch (comparison) {
    case search_comparison::equals:
      return have == want;
    case search_comparison::greater:
      return have > want;
    case search_comparison::greater_or_equal:
      return have >= want;
    case search_comparison::less:
      return have < want;
    case search_comparison::less_or_equal:
      return have <= want;
  }
  return false;
}

bool clause_holds(const search_clause& clause, const payment_intent& intent) {
  switch (clause.field) {
    case search_field::amount:
      return compare(intent.amount, clause.comparison, clause.number);
    case search_field::created:
      return compare(intent.created_s, clause.comparison, clause.number);
    case search_field::currency:
      return equal_ignoring_case(intent.currency, clause.text);
    case search_field::status:
      return equal_ignoring_case(intent.status, clause.text);
    case search_field::metadata: {
      auto it = intent.metadata.find(clause.metadata_key);
      return it != intent.metadata.end() && it->second == clause.text;
    }
  }
  return false;
}

// When the search index has the intent. An intent restored from the state file knows its
// creation to the second only (created_ms is not kept there): its second's start counts.
std::int64_t created_ms_of(const payment_intent& intent) {
  return intent.created_ms != 0 ? intent.created_ms : intent.created_s * 1000;
}

}  // namespace

checked<search_request> parse_search_request(const form_params& params) {
  if (auto unknown = check_known_params(params, {"query", "limit", "page", "expand"})) {
    return {{}, unknown};
  }
  search_request request;
  const std::string* text = params.find("query");
  if (text == nullptr) return {{}, errors::parameter_missing("query")};
  auto parsed = parse_search_query(*text);
  if (!parsed.query) {
    return {{}, errors::parameter_invalid("query", "Invalid search query: " + parsed.error + ".")};
  }
  request.query = std::move(*parsed.query);
  auto limit = parse_list_limit(params);
  if (limit.error) return {{}, limit.error};
  request.limit = limit.value;
  if (const std::string* page = params.find("page")) request.page = *page;
  return {std::move(request), std::nullopt};
}

bool search_matches(const search_query& query, const payment_intent& intent) {
  const bool all = query.join == search_join::all;
  for (const auto& clause : query.clauses) {
    const bool holds = clause_holds(clause, intent) != clause.negated;
    if (all && !holds) return false;
    if (!all && holds) return true;
  }
  return all;
}

search_page search_payment_intents(const sim_state& state, const search_request& request,
                                   std::int64_t now_ms, std::int64_t search_lag_ms) {
  search_page out;
  const auto& intents = state.payment_intents();
  std::size_t end = intents.size();  // exclusive upper bound of positions to consider
  if (!request.page.empty()) {
    auto id = decode_cursor(request.page);
    auto position = id ? state.payment_intent_position(*id) : std::nullopt;
    if (!position) {
      out.page_unknown = true;
      return out;
    }
    end = *position;
  }
  const auto limit = static_cast<std::size_t>(request.limit);
  for (std::size_t i = end; i-- > 0;) {
    const payment_intent& intent = intents[i];
    if (now_ms - created_ms_of(intent) < search_lag_ms) continue;  // not indexed yet
    if (!search_matches(request.query, intent)) continue;
    if (out.data.size() == limit) {
      out.has_more = true;
      out.next_page = encode_cursor(out.data.back()->id);
      break;
    }
    out.data.push_back(&intent);
  }
  return out;
}

}  // namespace escrowd::processor_sim
