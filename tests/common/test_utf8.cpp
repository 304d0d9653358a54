#include <catch2/catch.hpp>

#include "common/utf8.h"

using namespace hearth;

TEST_CASE("utf8 sequence validation", "[utf8]") {
  CHECK(utf8_valid_sequence_length("a") == 1);
  CHECK(utf8_valid_sequence_length("\xC3\xA9") == 2);
  CHECK(utf8_valid_sequence_length("\xE2\x96\x81") == 3);
  CHECK(utf8_valid_sequence_length("\xF0\x9F\x98\x80") == 4);
  CHECK(utf8_valid_sequence_length("\xC0\x80") == 0);          // overlong
  CHECK(utf8_valid_sequence_length("\xED\xA0\x80") == 0);      // surrogate
  CHECK(utf8_valid_sequence_length("\xF4\x90\x80\x80") == 0);  // > U+10FFFF
  CHECK(utf8_valid_sequence_length("\xE2\x96") == 0);          // truncated
}

TEST_CASE("utf8 incomplete tail detection", "[utf8]") {
  CHECK(utf8_incomplete_tail("abc") == 0);
  CHECK(utf8_incomplete_tail("ab\xE2") == 1);
  CHECK(utf8_incomplete_tail("ab\xE2\x96") == 2);
  CHECK(utf8_incomplete_tail("ab\xE2\x96\x81") == 0);
  CHECK(utf8_incomplete_tail("\xF0\x9F\x98") == 3);
}

TEST_CASE("utf8 encode/decode round trip", "[utf8]") {
  for (char32_t cp : {U'a', U'\u00e9', U'\u2581', U'\U0001F600'}) {
    std::string s;
    utf8_append(s, cp);
    std::size_t pos = 0;
    CHECK(utf8_decode(s, pos) == cp);
    CHECK(pos == s.size());
  }
  std::size_t pos = 0;
  CHECK(utf8_decode("\xFF", pos) == 0xFFFD);
  CHECK(pos == 1);
}
