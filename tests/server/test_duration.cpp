// Go duration parsing/formatting and keep_alive decoding. Expected values are Go's (time package
// tests for ParseDuration and Duration.String) and Ollama's api/types_test.go rules for
// keep_alive (numbers are seconds, negative means forever, unitless strings are errors).
#include <catch2/catch.hpp>

#include "server/duration.h"

using namespace hearth::server;
using namespace std::chrono;
using hearth::Json;

TEST_CASE("parse_go_duration accepts what time.ParseDuration accepts", "[server][duration]") {
  const std::pair<const char*, int64_t> cases[] = {
      {"0", 0},
      {"5s", 5'000'000'000},
      {"30s", 30'000'000'000},
      {"1478s", 1'478'000'000'000},
      {"-5s", -5'000'000'000},
      {"+5s", 5'000'000'000},
      {"-0", 0},
      {"+0", 0},
      {"5.0s", 5'000'000'000},
      {"5.6s", 5'600'000'000},
      {"5.s", 5'000'000'000},
      {".5s", 500'000'000},
      {"1.004s", 1'004'000'000},
      {"100.00100s", 100'001'000'000},
      {"10ns", 10},
      {"11us", 11'000},
      {"12\xC2\xB5s", 12'000},
      {"12\xCE\xBCs", 12'000},
      {"13ms", 13'000'000},
      {"15m", 900'000'000'000},
      {"16h", 57'600'000'000'000},
      {"3h30m", 12'600'000'000'000},
      {"10.5s4m", 250'500'000'000},
      {"-2m3.4s", -123'400'000'000},
      {"1h2m3s4ms5us6ns", 3'723'004'005'006},
      {"39h9m14.425s", 140'954'425'000'000},
      {"52763797000ns", 52'763'797'000},
      {"0.3333333333333333333h", 1'200'000'000'000},
      {"9007199254740993ns", 9'007'199'254'740'993},
      {"9223372036854775807ns", INT64_MAX},
      {"-9223372036854775808ns", INT64_MIN},
      {"0.100000000000000000000h", 360'000'000'000},
      {"0.830103483285477580700h", 2'988'372'539'827},
  };
  for (const auto& [text, ns] : cases) {
    INFO(text);
    CHECK(parse_go_duration(text).count() == ns);
  }
}

TEST_CASE("parse_go_duration rejects what time.ParseDuration rejects", "[server][duration]") {
  for (const char* bad : {"", "3", "-", "s", ".", "-.", ".s", "+.s", "1d", "9223372036854775808ns", "3000000h"}) {
    INFO(bad);
    CHECK_THROWS_AS(parse_go_duration(bad), DurationError);
  }
  CHECK_THROWS_WITH(parse_go_duration("3600"), "time: missing unit in duration \"3600\"");
  CHECK_THROWS_WITH(parse_go_duration("1d"), "time: unknown unit \"d\" in duration \"1d\"");
}

TEST_CASE("format_go_duration matches Duration.String", "[server][duration]") {
  const std::pair<int64_t, const char*> cases[] = {
      {0, "0s"},
      {1, "1ns"},
      {1100, "1.1\xC2\xB5s"},
      {2'200'000, "2.2ms"},
      {3'300'000'000, "3.3s"},
      {240'000'000'000, "4m0s"},
      {300'000'000'000, "5m0s"},
      {3'600'000'000'000, "1h0m0s"},
      {4'980'000'000'000, "1h23m0s"},
      {-4'980'000'000'000, "-1h23m0s"},
      {5'000'000'000'000 + 1, "1h23m20.000000001s"},
      {INT64_MAX, "2562047h47m16.854775807s"},
      {INT64_MIN, "-2562047h47m16.854775808s"},
  };
  for (const auto& [ns, text] : cases) {
    INFO(ns);
    CHECK(format_go_duration(Nanos(ns)) == text);
  }
}

TEST_CASE("keep_alive JSON values", "[server][duration]") {
  CHECK(parse_keep_alive_json(Json(50)) == seconds(50));
  CHECK(parse_keep_alive_json(Json(0.5)) == milliseconds(500));
  CHECK(parse_keep_alive_json(Json(0)) == Nanos(0));
  CHECK(parse_keep_alive_json(Json(-1)) == kForever);
  CHECK(parse_keep_alive_json(Json("5m")) == minutes(5));
  CHECK(parse_keep_alive_json(Json("1h30m")) == minutes(90));
  CHECK(parse_keep_alive_json(Json("0")) == Nanos(0));
  CHECK(parse_keep_alive_json(Json("-1s")) == kForever);
  CHECK(parse_keep_alive_json(Json("-1m")) == kForever);
  CHECK_THROWS_AS(parse_keep_alive_json(Json("3600")), DurationError);
  CHECK_THROWS_AS(parse_keep_alive_json(Json(true)), DurationError);
}

TEST_CASE("OLLAMA_KEEP_ALIVE accepts durations and integer seconds", "[server][duration]") {
  CHECK(parse_env_duration("5m") == minutes(5));
  CHECK(parse_env_duration("3600") == seconds(3600));
  CHECK(parse_env_duration("-1") == kForever);
  CHECK(parse_env_duration("-1m") == kForever);
  CHECK(parse_env_duration("0") == Nanos(0));
  CHECK_FALSE(parse_env_duration("forever").has_value());
  CHECK_FALSE(parse_env_duration("").has_value());
}
