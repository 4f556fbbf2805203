// The search query parser alone: each clause form, quoting and escapes, how clauses join,
// and every refusal naming its reason.
#include "search_query.hpp"

#include <gtest/gtest.h>

#include <string>

namespace escrowd::processor_sim {
namespace {

search_query parsed(std::string_view text) {
  auto result = parse_search_query(text);
  EXPECT_TRUE(result.query.has_value()) << text << ": " << result.error;
  return result.query.value_or(search_query{});
}

search_clause only_clause(std::string_view text) {
  auto query = parsed(text);
  EXPECT_EQ(query.clauses.size(), 1u) << text;
  return query.clauses.empty() ? search_clause{} : query.clauses[0];
}

// The refusal's message, which must contain `reason`.
void expect_refused(std::string_view text, std::string_view reason) {
  auto result = parse_search_query(text);
  EXPECT_FALSE(result.query.has_value()) << "accepted: " << text;
  EXPECT_NE(result.error.find(reason), std::string::npos)
      << text << " -> \"" << result.error << "\", expected to mention \"" << reason << "\"";
}

search_clause clause(search_field field, search_comparison comparison, std::string text,
                     std::int64_t number = 0, bool negated = false, std::string key = {}) {
  search_clause out;
  out.field = field;
  out.comparison = comparison;
  out.text = std::move(text);
  out.number = number;
  out.negated = negated;
  out.metadata_key = std::move(key);
  return out;
}

TEST(search_query_test, an_exact_match_on_each_string_field) {
  EXPECT_EQ(only_clause("status:'succeeded'"),
            clause(search_field::status, search_comparison::equals, "succeeded"));
  EXPECT_EQ(only_clause("currency:\"usd\""),
            clause(search_field::currency, search_comparison::equals, "usd"));
  EXPECT_EQ(only_clause("metadata['order']:'o-1'"),
            clause(search_field::metadata, search_comparison::equals, "o-1", 0, false, "order"));
  EXPECT_EQ(only_clause("metadata[\"order\"]:\"o-1\""),
            clause(search_field::metadata, search_comparison::equals, "o-1", 0, false, "order"));
}

TEST(search_query_test, a_minus_negates_the_clause) {
  EXPECT_EQ(only_clause("-currency:'usd'"),
            clause(search_field::currency, search_comparison::equals, "usd", 0, true));
  EXPECT_TRUE(only_clause("-amount>5").negated);
}

TEST(search_query_test, numeric_fields_take_each_comparison_quoted_or_not) {
  EXPECT_EQ(only_clause("amount:1000"),
            clause(search_field::amount, search_comparison::equals, "", 1000));
  EXPECT_EQ(only_clause("amount:'1000'"),
            clause(search_field::amount, search_comparison::equals, "", 1000));
  EXPECT_EQ(only_clause("amount>1000").comparison, search_comparison::greater);
  EXPECT_EQ(only_clause("amount>=1000").comparison, search_comparison::greater_or_equal);
  EXPECT_EQ(only_clause("created<1700000000"),
            clause(search_field::created, search_comparison::less, "", 1700000000));
  EXPECT_EQ(only_clause("created<=\"1700000000\"").comparison, search_comparison::less_or_equal);
}

TEST(search_query_test, a_backslash_escapes_the_quote_and_itself) {
  EXPECT_EQ(only_clause(R"(metadata['note']:'it\'s')").text, "it's");
  EXPECT_EQ(only_clause(R"(metadata['note']:"say \"hi\"")").text, "say \"hi\"");
  EXPECT_EQ(only_clause(R"(metadata['note']:'a\\b')").text, "a\\b");
  // The other quote needs no escape, and spaces, colons and AND stay in the value.
  EXPECT_EQ(only_clause(R"(metadata['note']:"it's: a AND b")").text, "it's: a AND b");
}

TEST(search_query_test, a_metadata_key_may_hold_quotes_and_brackets) {
  EXPECT_EQ(only_clause(R"(metadata['it\'s']:'x')").metadata_key, "it's");
  EXPECT_EQ(only_clause(R"(metadata["a]b"]:'x')").metadata_key, "a]b");
  EXPECT_EQ(only_clause(R"(metadata["say \"k\""]:'x')").metadata_key, "say \"k\"");
}

TEST(search_query_test, spaces_and_and_join_all_clauses) {
  for (const char* text :
       {"status:'succeeded' currency:'usd'", "status:'succeeded' AND currency:'usd'",
        "status:'succeeded'  and\tcurrency:'usd'"}) {
    auto query = parsed(text);
    EXPECT_EQ(query.join, search_join::all) << text;
    EXPECT_EQ(query.clauses.size(), 2u) << text;
  }
  EXPECT_EQ(parsed("  amount>1  ").clauses.size(), 1u);
}

TEST(search_query_test, or_joins_any_clause) {
  auto query = parsed("status:'canceled' OR status:'succeeded' or amount<5");
  EXPECT_EQ(query.join, search_join::any);
  EXPECT_EQ(query.clauses.size(), 3u);
}

TEST(search_query_test, and_and_or_together_are_refused) {
  expect_refused("amount>1 AND amount<9 OR currency:'usd'", "AND and OR cannot be combined");
  expect_refused("amount>1 OR amount<9 currency:'usd'", "AND and OR cannot be combined");
}

TEST(search_query_test, at_most_ten_clauses) {
  std::string text = "amount>0";
  for (int i = 1; i < 10; ++i) text += " AND amount>" + std::to_string(i);
  EXPECT_EQ(parsed(text).clauses.size(), 10u);
  expect_refused(text + " AND amount>10", "at most 10 clauses");
}

TEST(search_query_test, an_unknown_field_is_refused_by_name) {
  expect_refused("customer:'cus_1'", "Field `customer` is an unsupported search field");
  expect_refused("email~'amy'", "Field `email`");
}

TEST(search_query_test, malformed_queries_are_refused_with_the_reason) {
  expect_refused("", "empty");
  expect_refused("   ", "empty");
  expect_refused("status:succeeded", "must be quoted");
  expect_refused("status:'succeeded", "not closed");
  expect_refused(R"(status:'succeeded\')", "not closed");
  expect_refused("status:", "no value");
  expect_refused("status: 'x'", "no value");
  expect_refused("status", "no operator");
  expect_refused("status='x'", "expected : or a comparison");
  expect_refused("status~'succ'", "expected : or a comparison");
  expect_refused("status>'a'", "amount and created only");
  expect_refused("amount:ten", "must be an integer");
  expect_refused("amount:1.5", "must be an integer");
  expect_refused("amount:'99999999999999999999'", "must be an integer");
  expect_refused("status:'a'currency:'b'", "expected a space, AND or OR");
  expect_refused("status:'a' AND", "ends after AND or OR");
  expect_refused("AND status:'a'", "Field `AND`");
  expect_refused("status:'a' AND AND status:'b'", "Field `AND`");
  expect_refused("(status:'a')", "expected a field name");
  expect_refused("-", "expected a field name");
}

TEST(search_query_test, a_metadata_key_must_be_quoted_and_not_empty) {
  expect_refused("metadata:'x'", "metadata needs a key");
  expect_refused("metadata[order]:'x'", "must be quoted");
  expect_refused("metadata['']:'x'", "is empty");
  expect_refused("metadata['order':'x'", "expected ]");
  expect_refused("metadata['order", "not closed");
}

}  // namespace
}  // namespace escrowd::processor_sim
