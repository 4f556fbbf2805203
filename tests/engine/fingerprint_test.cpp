// Tests engine/fingerprint.hpp: the canonical JSON that request fingerprints are made of.
// Equal JSON written with another key order, spacing or escaping must canonicalize (and so
// fingerprint) the same; any difference in values, method or path must not; malformed JSON,
// duplicate keys and nesting deeper than json_depth_max are json_invalid; an empty body is {}.
// Randomized: objects re-serialized with shuffled keys and random whitespace. Boost.JSON (the
// HTTP layer's parser) is the reference for where the nesting limit falls.
#include "engine/fingerprint.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/engine_printers.hpp"
#include "tests/support/seeded_random.hpp"

namespace escrowd {
namespace {

std::string canonical(std::string_view body) {
  auto held = canonical_json(body);
  if (!held) {
    ADD_FAILURE() << "rejected: " << body;
    return "<rejected>";
  }
  return *held;
}

std::string fingerprint(std::string_view body) {
  auto held = request_fingerprint("POST", "/v1/tasks", body);
  if (!held) {
    ADD_FAILURE() << "rejected: " << body;
    return "<rejected>";
  }
  return *held;
}

void expect_json_invalid(std::string_view body) {
  auto held = canonical_json(body);
  EXPECT_FALSE(held) << "accepted: " << body;
  if (!held) {
    EXPECT_EQ(held.code(), error_code::json_invalid) << body;
  }
  auto print = request_fingerprint("POST", "/v1/tasks", body);
  EXPECT_FALSE(print) << "fingerprinted: " << body;
  if (!print) {
    EXPECT_EQ(print.code(), error_code::json_invalid) << body;
  }
}

TEST(fingerprint_canonical, sorts_keys_and_drops_whitespace) {
  EXPECT_EQ(canonical(R"({ "b" : 1 ,
      "a" : [ 1 , 2 , { "d" : null , "c" : true } ] })"),
            R"({"a":[1,2,{"c":true}],"b":1})");
}

// openapi.yaml: a field given as null counts as left out, so the retry that spells it null
// is the same request; a null inside an array keeps its place.
TEST(fingerprint_canonical, a_member_given_as_null_is_left_out) {
  EXPECT_EQ(canonical(R"({"currency":"usd","owner":null})"), R"({"currency":"usd"})");
  EXPECT_EQ(fingerprint(R"({"currency":"usd","owner":null})"),
            fingerprint(R"({"currency":"usd"})"));
  EXPECT_EQ(canonical(R"({"a":null})"), "{}");
  EXPECT_EQ(canonical(R"({"a":{"b":null,"c":1}})"), R"({"a":{"c":1}})");
  EXPECT_EQ(canonical(R"({"a":[null,1]})"), R"({"a":[null,1]})");
  EXPECT_NE(fingerprint(R"({"a":[null]})"), fingerprint(R"({"a":[]})"));
  EXPECT_FALSE(canonical_json(R"({"a":null,"a":1})")) << "a repeated key is refused even as null";
}

TEST(fingerprint_canonical, key_order_and_spacing_do_not_matter) {
  const std::string first = R"({"payer":"acct_1","amount":1250,"currency":"usd","fund":true})";
  const std::string second =
      "{\n  \"fund\": true,\r\n\t\"currency\":\"usd\",  \"amount\" :1250, \"payer\": \"acct_1\"}";
  EXPECT_EQ(canonical(first), canonical(second));
  EXPECT_EQ(fingerprint(first), fingerprint(second));
}

TEST(fingerprint_canonical, nested_objects_and_arrays_sort_at_every_level) {
  const std::string first = R"({"z":{"y":{"b":[{"q":1,"p":2}],"a":0}},"m":[[],{},[{"k":"v"}]]})";
  const std::string second = R"({ "m" : [ [ ] , { } , [ { "k" : "v" } ] ], )"
                             R"("z": {"y": {"a": 0, "b": [{"p": 2, "q": 1}]}}})";
  EXPECT_EQ(canonical(first), canonical(second));
  EXPECT_EQ(canonical(first), R"({"m":[[],{},[{"k":"v"}]],"z":{"y":{"a":0,"b":[{"p":2,"q":1}]}}})");
  EXPECT_EQ(fingerprint(first), fingerprint(second));
}

TEST(fingerprint_canonical, array_order_matters) {
  EXPECT_NE(fingerprint(R"({"a":[1,2]})"), fingerprint(R"({"a":[2,1]})"));
}

TEST(fingerprint_canonical, different_values_differ) {
  const std::string base = fingerprint(R"({"amount":1250,"currency":"usd"})");
  EXPECT_NE(base, fingerprint(R"({"amount":1251,"currency":"usd"})"));
  EXPECT_NE(base, fingerprint(R"({"amount":"1250","currency":"usd"})"));
  EXPECT_NE(base, fingerprint(R"({"amount":1250,"currency":"eur"})"));
  EXPECT_NE(base, fingerprint(R"({"amount":1250})"));
  EXPECT_NE(base, fingerprint(R"({"amount":1250,"currency":"usd","fund":false})"));
  EXPECT_NE(base, fingerprint(R"({"Amount":1250,"currency":"usd"})"));
  EXPECT_NE(fingerprint(R"({"a":true})"), fingerprint(R"({"a":false})"));
  EXPECT_NE(fingerprint(R"({"a":null})"), fingerprint(R"({"a":"null"})"));
  EXPECT_NE(fingerprint(R"({"a":{}})"), fingerprint(R"({"a":[]})"));
  EXPECT_NE(fingerprint(R"({"a":"x y"})"), fingerprint(R"({"a":"xy"})"));
}

TEST(fingerprint_canonical, numbers_are_kept_as_written) {
  EXPECT_EQ(canonical(R"({"a":-0.5e+10})"), R"({"a":-0.5e+10})");
  EXPECT_EQ(canonical(R"({"a":1E3})"), R"({"a":1E3})");
  // Not normalized: another spelling of the same number is another request.
  EXPECT_NE(fingerprint(R"({"a":1})"), fingerprint(R"({"a":1.0})"));
}

TEST(fingerprint_canonical, escapes_decode_before_comparing) {
  EXPECT_EQ(canonical(R"({"a":"\u0041"})"), R"({"a":"A"})");
  EXPECT_EQ(fingerprint(R"({"a":"\u0041"})"), fingerprint(R"({"a":"A"})"));
  EXPECT_EQ(fingerprint(R"({"\u0061":1})"), fingerprint(R"({"a":1})"));
  EXPECT_EQ(fingerprint(R"({"a":"\/"})"), fingerprint(R"({"a":"/"})"));
  EXPECT_EQ(fingerprint(R"({"a":"\u00e9"})"), fingerprint("{\"a\":\"\xc3\xa9\"}"));
  EXPECT_EQ(fingerprint(R"({"a":"\ud83d\ude00"})"), fingerprint("{\"a\":\"\xf0\x9f\x98\x80\"}"));
  EXPECT_EQ(fingerprint(R"({"a":"\n"})"), fingerprint(R"({"a":"\u000a"})"));
  EXPECT_EQ(fingerprint(R"({"a":"\u000A"})"), fingerprint(R"({"a":"\u000a"})"));
  EXPECT_EQ(fingerprint(R"({"a":"\"\\"})"), fingerprint(R"({"a":"\u0022\u005c"})"));
  // Escapes stay escaped where they must: quote, backslash and control characters.
  EXPECT_EQ(canonical(R"({"a":"\"\\\t"})"), R"({"a":"\"\\\u0009"})");
}

TEST(fingerprint_canonical, keys_sort_bytewise_on_the_decoded_text) {
  EXPECT_EQ(canonical(R"({"b":1,"B":2,"a":3,"_":4,"\u00e9":5})"),
            "{\"B\":2,\"_\":4,\"a\":3,\"b\":1,\"\xc3\xa9\":5}");
  EXPECT_EQ(canonical(R"({"ab":1,"a":2})"), R"({"a":2,"ab":1})");
}

TEST(fingerprint_canonical, empty_body_is_an_empty_object) {
  EXPECT_EQ(canonical(""), "{}");
  EXPECT_EQ(canonical(" \r\n\t"), "{}");
  EXPECT_EQ(fingerprint(""), fingerprint("{}"));
  EXPECT_EQ(fingerprint(""), fingerprint(" { } "));
}

// Members of every nesting level share the reader's buffers: escaped keys short and long
// (past the small-string buffer) keep their meaning while many members follow them, and
// an inner object's members do not leak into the outer one.
TEST(fingerprint_canonical, escaped_keys_and_nested_objects_among_many_members) {
  std::string body =
      R"({"\u0062_short":1,"\u0061_a_key_longer_than_sixteen":{"z":[{"y":2,"x":3}],"w":4})";
  std::string expected =
      R"({"a_a_key_longer_than_sixteen":{"w":4,"z":[{"x":3,"y":2}]},"b_short":1)";
  for (int i = 40; i >= 10; --i) {
    body += ",\"k" + std::to_string(i) + "\":" + std::to_string(i);
  }
  for (int i = 10; i <= 40; ++i) expected += ",\"k" + std::to_string(i) + "\":" + std::to_string(i);
  body += "}";
  expected += "}";
  EXPECT_EQ(canonical(body), expected);
  expect_json_invalid(R"({"o":{"a":1},"a":{"o":2,"\u006f":3}})");
  EXPECT_EQ(canonical(R"({"o":{"a":1},"a":{"o":2}})"), R"({"a":{"o":2},"o":{"a":1}})");
}

TEST(fingerprint_rejects, duplicate_keys) {
  expect_json_invalid(R"({"a":1,"a":1})");
  expect_json_invalid(R"({"a":1,"b":2,"a":3})");
  expect_json_invalid(R"({"a":1,"\u0061":2})");  // the same key once decoded
  expect_json_invalid(R"({"x":{"a":1,"a":2}})");
  expect_json_invalid(R"([{"a":1,"a":2}])");
}

TEST(fingerprint_rejects, malformed_json) {
  for (const char* body : {"{",
                           "}",
                           "[",
                           "]",
                           "{\"a\"}",
                           "{\"a\":}",
                           "{\"a\" 1}",
                           "{\"a\":1,}",
                           "{,}",
                           "[1,]",
                           "[,1]",
                           "{\"a\":1}}",
                           "{}{}",
                           "{} x",
                           "{a:1}",
                           "{'a':1}",
                           "{\"a\":tru}",
                           "{\"a\":nul}",
                           "{\"a\":True}",
                           "{\"a\":01}",
                           "{\"a\":1.}",
                           "{\"a\":.5}",
                           "{\"a\":-}",
                           "{\"a\":+1}",
                           "{\"a\":1e}",
                           "{\"a\":NaN}",
                           "{\"a\":Infinity}",
                           "{\"a\":\"unterminated}",
                           "{\"a\":\"\\x\"}",
                           "{\"a\":\"\\u12\"}",
                           "{\"a\":\"\\u12g4\"}",
                           "{\"a\":\"\\\"}",
                           "{\"a\":\"\\ud83d\"}",
                           "{\"a\":\"\\ude00\"}",
                           "{\"a\":\"\\ud83d\\u0041\"}",
                           "{1:2}",
                           "\"just a string"}) {
    expect_json_invalid(body);
  }
}

TEST(fingerprint_rejects, raw_control_characters_in_strings) {
  expect_json_invalid("{\"a\":\"line\nbreak\"}");
  expect_json_invalid("{\"a\":\"tab\there\"}");
  expect_json_invalid(std::string("{\"a\":\"nul\0\"}", 12));
}

TEST(fingerprint_rejects, whitespace_that_json_does_not_allow) {
  expect_json_invalid("{\"a\":1\v}");
  expect_json_invalid("{\"a\":1\f}");
  expect_json_invalid("\xc2\xa0{}");  // no-break space
}

std::string nested_arrays(std::size_t depth, std::string_view inside) {
  return std::string(depth, '[') + std::string(inside) + std::string(depth, ']');
}

std::string nested_objects(std::size_t depth) {
  std::string body;
  for (std::size_t i = 0; i < depth; ++i) body += "{\"k\":";
  body += "1";
  body += std::string(depth, '}');
  return body;
}

TEST(fingerprint_depth, accepts_nesting_up_to_the_limit) {
  EXPECT_EQ(json_depth_max, 32u);
  EXPECT_TRUE(canonical_json(nested_arrays(json_depth_max, "")));
  EXPECT_TRUE(canonical_json(nested_arrays(json_depth_max, "1")));
  EXPECT_TRUE(canonical_json(nested_arrays(json_depth_max, "\"s\"")));
  EXPECT_TRUE(canonical_json(nested_objects(json_depth_max)));
}

TEST(fingerprint_depth, rejects_nesting_beyond_the_limit) {
  expect_json_invalid(nested_arrays(json_depth_max + 1, ""));
  expect_json_invalid(nested_arrays(json_depth_max + 1, "1"));
  expect_json_invalid(nested_objects(json_depth_max + 1));
  // Deep enough to overflow the stack if the limit were not enforced while descending.
  expect_json_invalid(nested_arrays(100'000, ""));
  expect_json_invalid(std::string(100'000, '['));
}

// Regression: 32 nested containers were accepted when empty but rejected when the innermost
// held a scalar, while http/body_reader (Boost.JSON, max_depth = json_depth_max) accepts
// both: the body parsed, then its fingerprint failed. Both readers must agree at every depth.
TEST(fingerprint_depth, regression_agrees_with_the_http_parser_at_every_depth) {
  boost::json::parse_options options;
  options.max_depth = json_depth_max;
  for (std::size_t depth = 1; depth <= json_depth_max + 2; ++depth) {
    for (const std::string& body :
         {nested_arrays(depth, ""), nested_arrays(depth, "1"), nested_arrays(depth, "{}"),
          nested_objects(depth), "{\"a\":" + nested_arrays(depth - 1, "true") + "}"}) {
      std::error_code failure;
      (void)boost::json::parse(body, failure, {}, options);
      EXPECT_EQ(canonical_json(body).has_value(), !failure) << "depth " << depth << ": " << body;
    }
  }
}

TEST(fingerprint_request, method_path_and_body_all_count) {
  const std::string body = R"({"worker":"acct_2"})";
  auto base = request_fingerprint("POST", "/v1/tasks/task_1/assign", body);
  ASSERT_TRUE(base);
  EXPECT_EQ(base->size(), 64u);
  EXPECT_NE(*base, *request_fingerprint("PUT", "/v1/tasks/task_1/assign", body));
  EXPECT_NE(*base, *request_fingerprint("POST", "/v1/tasks/task_2/assign", body));
  EXPECT_NE(*base, *request_fingerprint("POST", "/v1/tasks/task_1/assign", "{}"));
  EXPECT_EQ(*base, *request_fingerprint("POST", "/v1/tasks/task_1/assign",
                                        R"( { "worker" : "acct_2" } )"));
}

TEST(fingerprint_request, is_the_sha256_of_method_path_and_canonical_body) {
  auto print = request_fingerprint("POST", "/v1/accounts", R"({ "currency" : "usd" })");
  ASSERT_TRUE(print);
  EXPECT_EQ(*print, to_hex(sha256_of("POST\n/v1/accounts\n{\"currency\":\"usd\"}")));
  auto empty = request_fingerprint("POST", "/v1/tasks/t/fund", "");
  ASSERT_TRUE(empty);
  EXPECT_EQ(*empty, to_hex(sha256_of("POST\n/v1/tasks/t/fund\n{}")));
}

// The HTTP layer canonicalizes each body once and fingerprints that.
TEST(fingerprint_request, of_a_canonical_body_is_the_same) {
  const std::string body = R"({ "b" : "x\"y\u0041", "a" : [1, {"z": null}] })";
  auto canonical = canonical_json(body);
  ASSERT_TRUE(canonical);
  EXPECT_EQ(fingerprint_of_canonical("POST", "/v1/tasks", *canonical),
            *request_fingerprint("POST", "/v1/tasks", body));
}

// Writes `members` as a JSON object in the order given, with random whitespace.
std::string write_object(const std::vector<std::pair<std::string, std::string>>& members,
                         testing::seeded_random& random) {
  static const std::vector<std::string> spaces = {"", " ", "\n", "\t", "  ", "\r\n"};
  std::string out = random.pick(spaces) + "{";
  for (std::size_t i = 0; i < members.size(); ++i) {
    if (i > 0) out += random.pick(spaces) + ",";
    out += random.pick(spaces) + "\"" + members[i].first + "\"" + random.pick(spaces) + ":" +
           random.pick(spaces) + members[i].second + random.pick(spaces);
  }
  return out + "}" + random.pick(spaces);
}

TEST(fingerprint_random, shuffled_keys_and_whitespace_fingerprint_the_same) {
  auto random = testing::seeded_random::from_environment(2024);
  SCOPED_TRACE(random.describe());
  const std::vector<std::string> values = {
      "1",          "-2", "3.5", "true", "false", "null", "\"s\"", "[1,2]", "{\"x\":1,\"y\":[]}",
      "\"\\u0041\""};
  for (int round = 0; round < 500; ++round) {
    std::vector<std::pair<std::string, std::string>> members;
    const std::size_t count = random.below(8);
    for (std::size_t i = 0; i < count; ++i)
      members.emplace_back(std::string("k").append(std::to_string(i)), random.pick(values));
    const std::string first = write_object(members, random);
    for (std::size_t i = members.size(); i > 1; --i)
      std::swap(members[i - 1], members[random.below(i)]);
    const std::string second = write_object(members, random);
    ASSERT_EQ(fingerprint(first), fingerprint(second)) << first << "\n" << second;
    if (!members.empty()) {
      members.front().second = "\"changed\"";
      ASSERT_NE(fingerprint(first), fingerprint(write_object(members, random))) << first;
    }
  }
}

}  // namespace
}  // namespace escrowd
