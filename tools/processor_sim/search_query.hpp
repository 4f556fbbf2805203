// The subset of Stripe's search query language (docs.stripe.com/search) the simulator answers
// for PaymentIntents: clauses `field:value`, `-field:value` (negated) and, on the numeric
// fields, `field>N`, `field<N`, `field>=N`, `field<=N`; joined by spaces or AND (all must
// hold) or by OR (one must), never both in one query, at most 10 clauses. Fields: amount,
// created, currency, status and metadata['key'] (or metadata["key"]). String values are
// quoted, '...' or "...", a backslash taking the next character literally; numbers may be
// quoted or not. Anything else is refused with the reason rather than answered with a guess:
// a query the simulator misread would find the wrong objects without a word.
// Pure functions: any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace escrowd::processor_sim {

enum class search_field { amount, created, currency, status, metadata };

enum class search_comparison { equals, greater, greater_or_equal, less, less_or_equal };

struct search_clause {
  search_field field = search_field::amount;
  std::string metadata_key;  // metadata only
  search_comparison comparison = search_comparison::equals;
  bool negated = false;
  std::string text;         // currency, status, metadata
  std::int64_t number = 0;  // amount, created (Unix seconds)

  bool operator==(const search_clause&) const = default;
};

// How the clauses combine: every one must hold, or at least one.
enum class search_join { all, any };

struct search_query {
  std::vector<search_clause> clauses;  // 1..search_clauses_max
  search_join join = search_join::all;
};

inline constexpr std::size_t search_clauses_max = 10;

struct parsed_search_query {
  std::optional<search_query> query;
  std::string error;  // why the text is not a query, when `query` is empty
};

[[nodiscard]] parsed_search_query parse_search_query(std::string_view text);

}  // namespace escrowd::processor_sim
