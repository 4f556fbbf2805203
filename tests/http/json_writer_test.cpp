// Tests http/json_writer.hpp against boost::json's serializer: every byte value in a
// string, and nested objects and arrays with numbers, booleans and nulls, come out byte
// for byte as boost::json writes them.
#include "http/json_writer.hpp"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <limits>
#include <string>

namespace escrowd::http {
namespace {

namespace json = boost::json;

std::string written_string(std::string_view text) {
  json_writer writer(1);  // grows as it goes
  writer.string(text);
  return std::move(writer).take();
}

TEST(json_writer, every_byte_of_a_string_is_escaped_as_boost_json_escapes_it) {
  for (int byte = 0; byte < 256; ++byte) {
    const std::string text = "a" + std::string(1, static_cast<char>(byte)) + "z";
    EXPECT_EQ(written_string(text), json::serialize(json::value(json::string_view(text))))
        << "byte " << byte;
  }
  const std::string utf8 = "caf\xc3\xa9 \xe2\x82\xac \"quoted\" back\\slash";
  EXPECT_EQ(written_string(utf8), json::serialize(json::value(json::string_view(utf8))));
}

TEST(json_writer, nested_values_match_boost_json) {
  json_writer writer(8);
  writer.begin_object();
  writer.key("n").number(std::numeric_limits<std::int64_t>::min());
  writer.key("m").number(std::numeric_limits<std::int64_t>::max());
  writer.key("zero").number(0);
  writer.key("list").begin_array();
  writer.begin_object().key("t").boolean(true).key("f").boolean(false).end_object();
  writer.begin_array().end_array();
  writer.null();
  writer.string("x");
  writer.end_array();
  writer.key("empty").begin_object().end_object();
  writer.key("absent").string_or_null("");
  writer.key("present").string_or_null("here");
  writer.end_object();

  json::object expected{
      {"n", std::numeric_limits<std::int64_t>::min()},
      {"m", std::numeric_limits<std::int64_t>::max()},
      {"zero", 0},
      {"list", json::array{json::object{{"t", true}, {"f", false}}, json::array{}, nullptr, "x"}},
      {"empty", json::object{}},
      {"absent", nullptr},
      {"present", "here"},
  };
  EXPECT_EQ(std::move(writer).take(), json::serialize(expected));
}

}  // namespace
}  // namespace escrowd::http
