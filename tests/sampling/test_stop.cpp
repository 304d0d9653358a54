// Stop sequences over streamed pieces: never emit stop text, hold back only possible prefixes.
#include <catch2/catch.hpp>

#include "engine/sampling/stop.h"

using namespace hearth::sampling;

namespace {

// Feeds the pieces; returns everything emitted and which stop (if any) ended the stream.
std::pair<std::string, std::string> stream(StopMatcher& m, const std::vector<std::string>& pieces) {
  std::string out;
  for (const std::string& p : pieces) {
    auto r = m.push(p);
    out += r.text;
    if (r.stopped) return {out, r.stop};
  }
  out += m.flush();
  return {out, ""};
}

}  // namespace

TEST_CASE("stop: a stop inside one piece cuts the text before it", "[sampling][stop]") {
  StopMatcher m({"</s>"});
  auto r = m.push("Hello</s>world");
  CHECK(r.text == "Hello");
  CHECK(r.stopped);
  CHECK(r.stop == "</s>");
  CHECK(m.stopped());
  CHECK(m.push("more").text.empty());
}

TEST_CASE("stop: a stop spanning pieces is never emitted", "[sampling][stop]") {
  StopMatcher m({"</s>"});
  auto r1 = m.push("Hel");
  CHECK(r1.text == "Hel");
  auto r2 = m.push("lo<");
  CHECK(r2.text == "lo");  // "<" could start "</s>"
  CHECK(m.held_bytes() == 1);
  auto r3 = m.push("/");
  CHECK(r3.text.empty());
  auto r4 = m.push("s>tail");
  CHECK(r4.stopped);
  CHECK(r4.text.empty());
}

TEST_CASE("stop: a false start is released as soon as it cannot match", "[sampling][stop]") {
  StopMatcher m({"</s>"});
  CHECK(m.push("a<").text == "a");
  CHECK(m.push("/x").text == "</x");
  CHECK(m.held_bytes() == 0);
  StopMatcher n({"User:"});
  auto [out, stop] = stream(n, {"Use", "ful text"});
  CHECK(out == "Useful text");
  CHECK(stop.empty());
}

TEST_CASE("stop: overlapping prefixes hold back only the longest possible start", "[sampling][stop]") {
  StopMatcher m({"aab"});
  CHECK(m.push("a").text.empty());
  CHECK(m.push("a").text.empty());
  CHECK(m.push("a").text == "a");  // "aaa": only the last "aa" can still become "aab"
  auto r = m.push("b");
  CHECK(r.stopped);
  CHECK(r.text.empty());
}

TEST_CASE("stop: multi-byte characters split across pieces", "[sampling][stop]") {
  // "é" is C3 A9; the detokenizer may deliver the bytes separately.
  StopMatcher m({"é"});
  CHECK(m.push("caf\xC3").text == "caf");
  auto r = m.push("\xA9!");
  CHECK(r.stopped);
  CHECK(r.text.empty());
  // "ê" (C3 AA) shares the first byte; it is released whole once it cannot match.
  StopMatcher n({"é"});
  CHECK(n.push("\xC3").text.empty());
  CHECK(n.push("\xAA").text == "\xC3\xAA");
  // A multi-character stop of CJK text spanning three pieces.
  StopMatcher cjk({"終わり"});
  auto [out, stop] = stream(cjk, {"これで\xE7\xB5", "\x82\xE3\x82\x8F", "り。"});
  CHECK(out == "これで");
  CHECK(stop == "終わり");
}

TEST_CASE("stop: several stops, earliest start wins; empty stops are ignored", "[sampling][stop]") {
  StopMatcher m({"b", "abc", ""});
  auto r = m.push("xabcx");
  CHECK(r.stopped);
  CHECK(r.text == "x");
  CHECK(r.stop == "abc");
  StopMatcher n({"", ""});
  auto [out, stop] = stream(n, {"plain", " text"});
  CHECK(out == "plain text");
  CHECK(stop.empty());
  StopMatcher same_start({"ab", "abcd"});
  auto s = same_start.push("zabcd");
  CHECK(s.stop == "abcd");  // equal starts: the longer stop
}

TEST_CASE("stop: flush releases what was held when generation ends", "[sampling][stop]") {
  StopMatcher m({"\nUser:"});
  CHECK(m.push("answer\nUs").text == "answer");
  CHECK(m.flush() == "\nUs");
  CHECK(m.held_bytes() == 0);
}
