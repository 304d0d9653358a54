#include <catch2/catch.hpp>

#include "common/json.h"

using hearth::Json;
using hearth::JsonError;

TEST_CASE("json parses every kind and keeps object order", "[json]") {
  Json v = Json::parse(R"({"b": 1, "a": [true, null, 2.5, "x\u00e9\n"], "big": 18446744073709551615, "neg": -3})");
  REQUIRE(v.is_object());
  auto it = v.as_object().begin();
  CHECK(it->first == "b");
  CHECK(v.at("b").as_int() == 1);
  CHECK(v.at("a").as_array()[0].as_bool());
  CHECK(v.at("a").as_array()[1].is_null());
  CHECK(v.at("a").as_array()[2].as_double() == 2.5);
  CHECK(v.at("a").as_array()[3].as_string() == "x\xC3\xA9\n");
  CHECK(v.at("big").is_double());
  CHECK(v.at("neg").as_int() == -3);
}

TEST_CASE("json dump is compact and escapes control characters", "[json]") {
  Json v = Json::object({{"s", "a\"b\\c\n\x01"}, {"n", 3}, {"d", 0.5}, {"l", Json::array({1, "x"})}});
  CHECK(v.dump() == R"({"s":"a\"b\\c\n\u0001","n":3,"d":0.5,"l":[1,"x"]})");
  CHECK(Json::parse(v.dump()) == v);
}

TEST_CASE("json replaces invalid UTF-8 on output", "[json]") {
  Json v(std::string("ok\xFF\xC3"));
  CHECK(v.dump() == "\"ok\xEF\xBF\xBD\xEF\xBF\xBD\"");
}

TEST_CASE("json errors name what went wrong", "[json]") {
  CHECK_THROWS_AS(Json::parse("{"), JsonError);
  CHECK_THROWS_AS(Json::parse(""), JsonError);
  CHECK_THROWS_AS(Json::parse("[1,]"), JsonError);
  Json v = Json::parse(R"({"model": 5})");
  CHECK_THROWS_WITH(v.get_string("model"), Catch::Contains("model") && Catch::Contains("expected string"));
  CHECK(v.get_string("missing", "dflt") == "dflt");
}

TEST_CASE("json repeated keys keep the last value", "[json]") {
  Json v = Json::parse(R"({"a":1,"a":2})");
  CHECK(v.size() == 1);
  CHECK(v.at("a").as_int() == 2);
}

TEST_CASE("json parses large objects quickly and keeps the last of repeated keys", "[json]") {
  std::string text = "{";
  for (int i = 0; i < 200000; ++i) text += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  text += "\"k5\":-1}";
  Json v = Json::parse(text);
  REQUIRE(v.size() == 200000);
  CHECK(v.at("k5").as_int() == -1);
  CHECK(v.as_object().begin()->first == "k0");
  CHECK(v.at("k199999").as_int() == 199999);
}
