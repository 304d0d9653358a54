// Unicode tables, the regex engine and the pre-tokenizer splits (spec §4.4).
#include <catch2/catch.hpp>

#include "engine/tokenizer/pretokenizer.h"
#include "engine/tokenizer/regex.h"
#include "engine/tokenizer/tokenizer.h"
#include "engine/tokenizer/unicode.h"

using namespace hearth::tok;
namespace u = hearth::tok::unicode;

TEST_CASE("unicode tables (generated from the UCD)", "[tokenizer][unicode]") {
  CHECK(u::category(U'A') == u::Category::Lu);
  CHECK(u::category(U'é') == u::Category::Ll);
  CHECK(u::category(U'ǅ') == u::Category::Lt);
  CHECK(u::category(U'中') == u::Category::Lo);
  CHECK(u::category(0x0663) == u::Category::Nd);   // ARABIC-INDIC DIGIT THREE
  CHECK(u::category(0x2166) == u::Category::Nl);   // ROMAN NUMERAL SEVEN
  CHECK(u::category(0x0301) == u::Category::Mn);   // COMBINING ACUTE ACCENT
  CHECK(u::category(U'~') == u::Category::Sm);
  CHECK(u::category(U'$') == u::Category::Sc);
  CHECK(u::category(0x1F642) == u::Category::So);  // 🙂
  CHECK(u::category(0x200B) == u::Category::Cf);   // ZERO WIDTH SPACE
  CHECK(u::category(0xE000) == u::Category::Co);
  CHECK(u::category(0x0378) == u::Category::Cn);   // unassigned
  CHECK(u::category(0x10FFFF) == u::Category::Cn);
  CHECK(u::category(0x110000) == u::Category::Cn);
  CHECK(u::category(0x20000) == u::Category::Lo);  // CJK Extension B (a <..., First>/<..., Last> range)
  // White_Space: exactly the set of spec §4.4.
  for (char32_t c : {0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000, 0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000}) {
    INFO(static_cast<uint32_t>(c));
    CHECK(u::is_whitespace(c));
  }
  for (char32_t c : {0x08, 0x0E, 0x1C, 0x200B, 0xFEFF, 0x180E, 0x2060}) {
    INFO(static_cast<uint32_t>(c));
    CHECK_FALSE(u::is_whitespace(c));
  }
  CHECK(u::to_lower(U'Ä') == U'ä');
  CHECK(u::to_lower(U'Σ') == U'σ');
  CHECK(u::to_lower(U'a') == U'a');
  CHECK(u::nfd_first(U'é') == U'e');
  CHECK(u::nfd_first(0x1E09) == U'c');    // ḉ → c + cedilla + acute
  CHECK(u::nfd_first(0xAC01) == 0x1100);  // Hangul 각 → ᄀ
  CHECK(u::nfd_first(0x212B) == U'A');    // ANGSTROM SIGN → Å → A
  CHECK(u::nfd_first(U'x') == U'x');
  CHECK(std::string(u::ucd_version()).size() > 0);
}

namespace {

std::vector<std::string> split(const char* pre, std::string_view text) {
  return PreTokenizer(find_pre_tokenizer(pre)).split_raw(text);
}
using Pieces = std::vector<std::string>;

}  // namespace

TEST_CASE("gpt-2 split semantics (spec 4.4)", "[tokenizer][pre]") {
  CHECK(split("gpt-2", "Hello world") == Pieces{"Hello", " world"});
  // a whitespace run before text leaves its last character for the next piece
  CHECK(split("gpt-2", "Hello   world") == Pieces{"Hello", "  ", " world"});
  // at the end of the fragment the whole run is one piece
  CHECK(split("gpt-2", "Hello   ") == Pieces{"Hello", "   "});
  CHECK(split("gpt-2", "it's they'll") == Pieces{"it", "'s", " they", "'ll"});
  CHECK(split("gpt-2", "IT'S") == Pieces{"IT", "'", "S"});  // case-sensitive contractions
  CHECK(split("gpt-2", "abc123 !!?x") == Pieces{"abc", "123", " !!?", "x"});
  CHECK(split("gpt-2", "\n\nx") == Pieces{"\n", "\n", "x"});
}

TEST_CASE("llama3 and qwen2 split semantics (spec 4.4)", "[tokenizer][pre]") {
  CHECK(split("llama-bpe", "IT'S 1234567") == Pieces{"IT", "'S", " ", "123", "456", "7"});
  CHECK(split("qwen2", "1234") == Pieces{"1", "2", "3", "4"});
  // one leading non-letter character joins the letters
  CHECK(split("llama-bpe", "\tfoo.bar") == Pieces{"\tfoo", ".bar"});
  // a whitespace run containing newlines is cut after its last newline
  CHECK(split("llama-bpe", "a \n\n  b") == Pieces{"a", " \n\n", " ", " b"});
  CHECK(split("llama-bpe", "x!!\n\ny") == Pieces{"x", "!!\n\n", "y"});
  CHECK(split("llama-bpe", "end   ") == Pieces{"end", "   "});
}

TEST_CASE("multi-pattern pre-tokenizers keep matches and gaps", "[tokenizer][pre]") {
  // starcoder: digits one by one, then the gpt-2 rules
  CHECK(split("starcoder", "ab 123") == Pieces{"ab", " ", "1", "2", "3"});
  // falcon: punctuation runs first, then gpt-2, then groups of three ASCII digits
  CHECK(split("falcon", "a+b=12345") == Pieces{"a", "+", "b", "=", "123", "45"});
  // deepseek-coder: [\r\n] then letters with an optional leading space
  CHECK(split("deepseek-coder", "hi\nthere 42") == Pieces{"hi", "\n", "there", " ", "4", "2"});
}

TEST_CASE("deepseek-llm letter class: llama.cpp's code points, in ascending ranges", "[tokenizer][pre]") {
  const PreTokenizerSpec& spec = find_pre_tokenizer("deepseek-llm");
  REQUIRE(spec.patterns.size() == 6);
  const std::vector<char32_t> cps = u::decode_utf8(spec.patterns[1]);
  // \s?[ ... ]+  — walk the class body
  REQUIRE(cps.size() > 10);
  std::size_t i = 4;  // after "\s?["
  REQUIRE(cps[3] == U'[');
  char32_t prev_end = 0;
  std::size_t ranges = 0;
  bool ascending = true;
  while (i < cps.size() && cps[i] != U']') {
    char32_t lo = cps[i], hi = lo;
    if (i + 2 < cps.size() && cps[i + 1] == U'-') {
      hi = cps[i + 2];
      i += 3;
    } else {
      i += 1;
    }
    if (ranges > 0 && lo <= prev_end) ascending = false;
    if (hi < lo) ascending = false;
    CHECK((u::flags(lo) & u::kLetter));
    CHECK((u::flags(hi) & u::kLetter));
    prev_end = hi;
    ++ranges;
  }
  CHECK(ascending);
  CHECK(ranges == 87);
  // The six characters with singleton canonical decompositions must be the originals.
  for (char32_t c : {0x1F7D, 0x1FBE, 0x1FD3, 0x1FDB, 0x2126, 0x212A}) {
    INFO(static_cast<uint32_t>(c));
    CHECK(std::find(cps.begin(), cps.end(), c) != cps.end());
  }
  // The class takes KELVIN SIGN, OHM SIGN and friends, and stops at U+2129 (a symbol).
  Regex letters(spec.patterns[1]);
  PreText text(u::decode_utf8(" \u212Aelvin\u2126\u1FBE\u1F7D\u1FD3\u1FDB\u2129"));
  std::size_t b = 0, e = 0;
  REQUIRE(letters.search(text, 0, text.size(), 0, b, e));
  CHECK(b == 0);
  CHECK(e == text.size() - 1);
}

TEST_CASE("every pre-tokenizer name the spec lists is known", "[tokenizer][pre]") {
  for (const char* name :
       {"default", "", "llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2",
        "jina-v5-nano", "dbrx", "smaug-bpe", "glm4", "chatglm-bpe", "qwen2", "deepseek-r1-qwen", "stablelm2", "megrez",
        "hunyuan", "kormo", "f2llmv2", "solar-open", "gpt-2", "phi-2", "mpt", "olmo", "jais", "mellum", "jina-es",
        "jina-de", "jina-v2-es", "jina-v2-de", "gigachat", "a.x-4.0", "modern-bert", "exaone4", "roberta-bpe",
        "jina-v1-en", "jina-v2-code", "trillion", "granite-docling", "starcoder", "refact", "command-r", "smollm",
        "codeshell", "exaone", "minerva-7b", "mellum2", "falcon", "deepseek-llm", "deepseek-coder", "deepseek-v3",
        "qwen35", "tekken", "gpt-4o", "llama4", "bloom", "chameleon", "poro-chat", "viking", "seed-coder",
        "bailingmoe", "tiny_aya", "superbpe", "exaone-moe", "youtu", "spark2_5", "minicpm5", "grok-2"}) {
    INFO(name);
    CHECK_NOTHROW(PreTokenizer(find_pre_tokenizer(name)).split("Hello, World 123 \n  日本語 🙂"));
  }
  CHECK_THROWS_AS(find_pre_tokenizer("nope"), TokenizerError);
}

TEST_CASE("regex engine features", "[tokenizer][regex]") {
  auto matches = [](const char* pattern, std::u32string_view text) {
    Regex re(pattern);
    PreText t(std::vector<char32_t>(text.begin(), text.end()));
    std::vector<std::u32string> out;
    std::size_t from = 0, b, e;
    while (from < t.size() && re.search(t, 0, t.size(), from, b, e)) {
      out.emplace_back(text.substr(b, e - b));
      from = e > b ? e : b + 1;
    }
    return out;
  };
  using M = std::vector<std::u32string>;
  CHECK(matches(R"(a+?b)", U"aaab") == M{U"aaab"});
  CHECK(matches(R"(\d{2,3})", U"1 12 1234") == M{U"12", U"123"});
  CHECK(matches(R"(x(?=y))", U"xz xy") == M{U"x"});
  CHECK(matches(R"(x(?!y))", U"xy xz") == M{U"x"});
  CHECK(matches(R"(\bab\b)", U"ab cab ab") == M{U"ab", U"ab"});
  CHECK(matches(R"(^a|b$)", U"aab") == M{U"a", U"b"});
  CHECK(matches(R"([^\s\p{L}]+)", U"ab, ¿12?") == M{U",", U"¿12?"});
  CHECK(matches(R"(\p{Lu}\p{Ll}+)", U"hello World ÉCOLE École") == M{U"World", U"École"});
  CHECK(matches(R"((?:ab|a)c)", U"acabc") == M{U"ac", U"abc"});
  CHECK(matches(R"([a\-z]+)", U"-az-b") == M{U"-az-"});
  CHECK(matches(R"(\x41\u00e9)", U"Aé") == M{U"Aé"});
  CHECK(matches(R"((a|b)*c)", U"ababc") == M{U"ababc"});
  CHECK_THROWS_AS(Regex("(abc"), TokenizerError);
  CHECK_THROWS_AS(Regex("[abc"), TokenizerError);
  CHECK_THROWS_AS(Regex("a++"), TokenizerError);
  CHECK_THROWS_AS(Regex(R"(\p{Han})"), TokenizerError);
  CHECK_THROWS_AS(Regex("(?<=a)b"), TokenizerError);
}
