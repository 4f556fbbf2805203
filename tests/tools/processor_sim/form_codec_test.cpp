// Tests form_codec: percent-decoding, '+' as space, Stripe's bracket notation, array
// numbering, canonical fingerprints, and the malformed inputs it must refuse.
#include "form_codec.hpp"

#include <gtest/gtest.h>

#include "engine/utf8.hpp"

namespace escrowd::processor_sim {
namespace {

form_params parse_ok(std::string_view text) {
  auto result = parse_form(text);
  EXPECT_TRUE(result.params.has_value()) << result.error;
  return result.params.value_or(form_params{});
}

TEST(form_codec, decodes_plain_fields) {
  auto params = parse_ok("amount=1000&currency=usd");
  ASSERT_EQ(params.fields.size(), 2u);
  EXPECT_EQ(*params.find("amount"), "1000");
  EXPECT_EQ(*params.find("currency"), "usd");
}

TEST(form_codec, decodes_percent_escapes_and_plus) {
  auto params = parse_ok("description=Top+up%20for%2Btask%3D1&empty=&flag");
  EXPECT_EQ(*params.find("description"), "Top up for+task=1");
  EXPECT_EQ(*params.find("empty"), "");
  EXPECT_EQ(*params.find("flag"), "");
}

TEST(form_codec, bracket_notation_encoded_or_not_is_the_same_key) {
  auto params = parse_ok("metadata%5Btopup_id%5D=t%3A1&metadata[task]=x+y");
  auto metadata = nested_fields(params, "metadata");
  ASSERT_EQ(metadata.size(), 2u);
  EXPECT_EQ(metadata["topup_id"], "t:1");
  EXPECT_EQ(metadata["task"], "x y");
  EXPECT_EQ(top_level_names(params), std::vector<std::string>{"metadata"});
}

TEST(form_codec, empty_brackets_are_numbered_in_order) {
  auto params = parse_ok("expand[]=a&expand[]=b&expand[]=c");
  EXPECT_EQ(*params.find("expand[0]"), "a");
  EXPECT_EQ(*params.find("expand[1]"), "b");
  EXPECT_EQ(*params.find("expand[2]"), "c");
}

TEST(form_codec, nested_fields_ignore_deeper_levels) {
  auto params = parse_ok("metadata[a]=1&metadata[b][c]=2&metadatax[d]=3");
  auto metadata = nested_fields(params, "metadata");
  ASSERT_EQ(metadata.size(), 1u);
  EXPECT_EQ(metadata["a"], "1");
}

TEST(form_codec, repeated_key_keeps_the_last_value) {
  EXPECT_EQ(*parse_ok("amount=1&amount=2").find("amount"), "2");
}

TEST(form_codec, canonical_text_ignores_field_order) {
  auto a = parse_ok("currency=usd&amount=100&metadata[x]=1");
  auto b = parse_ok("metadata%5Bx%5D=1&amount=100&currency=usd");
  auto c = parse_ok("metadata[x]=2&amount=100&currency=usd");
  EXPECT_EQ(canonical_text(a), canonical_text(b));
  EXPECT_NE(canonical_text(a), canonical_text(c));
}

TEST(form_codec, refuses_malformed_escapes_and_brackets) {
  for (std::string_view bad : {"a=%zz", "a=%4", "a=%", "a[b=1", "a]b=1", "[a]=1", "a[b]c=1",
                               "a[b[c]]=1", "a[1][2][3][4]=1"}) {
    EXPECT_FALSE(parse_form(bad).params.has_value()) << bad;
  }
}

TEST(form_codec, refuses_too_many_fields) {
  std::string text;
  for (int i = 0; i < 300; ++i) text += "f" + std::to_string(i) + "=1&";
  EXPECT_FALSE(parse_form(text).params.has_value());
}

TEST(form_codec, utf8_is_checked_strictly_as_json_parsers_do) {
  EXPECT_TRUE(is_utf8("plain ascii"));
  EXPECT_TRUE(is_utf8("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"));  // é € and an emoji
  EXPECT_FALSE(is_utf8("\xFF"));
  EXPECT_FALSE(is_utf8("\xC3"));              // cut short
  EXPECT_FALSE(is_utf8("\xC0\xAF"));          // overlong
  EXPECT_FALSE(is_utf8("\xE0\x80\xAF"));      // overlong
  EXPECT_FALSE(is_utf8("\xED\xA0\x80"));      // a surrogate
  EXPECT_FALSE(is_utf8("\xF4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(parse_form("metadata[k]=%E2%82").params);
  EXPECT_TRUE(parse_form("metadata[k]=%E2%82%AC").params);
}

TEST(form_codec, percent_encode_round_trips) {
  std::string raw = "a b+c/d?e=f&g[h]~ü";
  std::string encoded = percent_encode(raw);
  EXPECT_EQ(encoded.find_first_of(" +/?=&[]"), std::string::npos);
  EXPECT_EQ(percent_decode(encoded, false), raw);
}

}  // namespace
}  // namespace escrowd::processor_sim
