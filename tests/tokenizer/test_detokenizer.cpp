// Detokenization (spec §4.6): llama.cpp's clean-up rules, BOS/space handling, and the streaming
// detokenizer, which must never emit half a UTF-8 character.
#include <catch2/catch.hpp>

#include "common/utf8.h"
#include "engine/tokenizer/vocab_tokenizer.h"
#include "support/fixtures.h"
#include "tokenizer/tokenizer_test_support.h"

using namespace hearth;
using namespace hearth::test;

TEST_CASE("clean_up_spaces follows llama.cpp's three passes", "[tokenizer][detokenize]") {
  auto clean = [](std::string s) {
    tok::clean_up_spaces(s);
    return s;
  };
  // (1) a space before ? ! . , goes
  CHECK(clean("Hello , world . Yes ? No !") == "Hello, world. Yes? No!");
  // (2) spaces around a lone apostrophe go
  CHECK(clean("a ' b") == "a'b");
  // (3) the space before 's 'm 're 've goes, not before 't 'd 'll
  CHECK(clean("it 's I 'm we 're they 've") == "it's I'm we're they've");
  CHECK(clean("don 't I 'd we 'll") == "don 't I 'd we 'll");
  CHECK(clean("") == "");
  CHECK(clean(" ,") == ",");
}

TEST_CASE("SPM decode strips the prefix space, but not after a removed BOS", "[tokenizer][detokenize]") {
  SKIP_WITHOUT_FIXTURES();
  auto t = load_gguf_tokenizer(fixture_path("vocab/ggml-vocab-llama-spm.gguf"));
  std::vector<int32_t> ids = t->encode("Hello world", /*add_special=*/true, false);
  REQUIRE(ids.front() == 1);
  CHECK(t->decode(ids, /*remove_special=*/false, /*unparse_special=*/false) == " Hello world");  // BOS piece is empty
  CHECK(t->decode(ids, false, true) == "<s> Hello world");
  CHECK(t->decode(ids, /*remove_special=*/true, false) == " Hello world");  // llama.cpp keeps the space here
  std::vector<int32_t> no_bos(ids.begin() + 1, ids.end());
  CHECK(t->decode(no_bos, false, false) == "Hello world");
}

namespace {

// Streams `ids` one by one and checks each chunk is whole UTF-8 and the chunks add up to decode().
void check_streaming(const tok::Tokenizer& t, const std::vector<int32_t>& ids, bool special) {
  tok::StreamingDetokenizer stream(t, special);
  std::string joined;
  std::size_t partial_pieces = 0;
  for (int32_t id : ids) {
    std::string piece = t.token_to_piece(id, special);
    if (!utf8_is_valid(piece)) ++partial_pieces;
    std::string chunk = stream.push(id);
    INFO("after id " << id);
    CHECK(utf8_is_valid(chunk));
    joined += chunk;
  }
  joined += stream.flush();
  CHECK(joined == t.decode(ids, false, special));
  // The check is only meaningful when some pieces really were partial characters.
  CHECK(partial_pieces > 0);
}

}  // namespace

TEST_CASE("streaming detokenizer never emits partial UTF-8", "[tokenizer][detokenize][stream]") {
  SKIP_WITHOUT_FIXTURES();
  const std::string text = "Emoji 🙂😀👍🏽 and CJK 日本語 中文 한국어 and ñ é ü, plus 𝄞 music";
  SECTION("SPM byte fallback (llama-spm)") {
    auto t = load_gguf_tokenizer(fixture_path("vocab/ggml-vocab-llama-spm.gguf"));
    check_streaming(*t, t->encode(text, true, false), false);
  }
  SECTION("byte-level BPE (gpt-2)") {
    auto t = load_gguf_tokenizer(fixture_path("vocab/ggml-vocab-gpt-2.gguf"));
    check_streaming(*t, t->encode(text, false, false), true);
  }
  SECTION("an unfinished character is flushed as U+FFFD") {
    auto t = load_gguf_tokenizer(fixture_path("vocab/ggml-vocab-llama-spm.gguf"));
    const int32_t f0 = t->find_token("<0xF0>");
    const int32_t x9f = t->find_token("<0x9F>");
    REQUIRE(f0 >= 0);
    REQUIRE(x9f >= 0);
    tok::StreamingDetokenizer stream(*t);
    CHECK(stream.push(f0).empty());
    CHECK(stream.push(x9f).empty());
    CHECK(stream.flush() == "\xEF\xBF\xBD\xEF\xBF\xBD");
    CHECK(stream.flush().empty());
  }
  SECTION("a continuation keeps its leading space when asked") {
    auto t = load_gguf_tokenizer(fixture_path("vocab/ggml-vocab-llama-spm.gguf"));
    std::vector<int32_t> ids = t->encode("Hello world", false, false);
    tok::StreamingDetokenizer keep(*t, false, /*strip_leading_space=*/false);
    std::string s;
    for (int32_t id : ids) s += keep.push(id);
    CHECK(s == " Hello world");
  }
}

TEST_CASE("decode(encode(x)) == x on varied text", "[tokenizer][roundtrip]") {
  SKIP_WITHOUT_FIXTURES();
  // Random strings over a mixed alphabet; no " ," style sequences, which vocabularies with
  // clean_spaces rewrite on purpose.
  const char* const alphabet[] = {"a", "b", "Z", "0", "7", " ", "  ", "\n", "\t", "é", "ß", "日", "本", "🙂", "𝄞",
                                  "ا", "ש", "-", "_", "(", ")", "'s", "<", ">", "ñ", "\r\n", "Ω", "ﬀ"};
  uint32_t state = 7;
  std::vector<std::string> texts;
  for (int i = 0; i < 200; ++i) {
    std::string s;
    int len = 1 + static_cast<int>((state = state * 1664525u + 1013904223u) >> 28);
    for (int k = 0; k < len * 3; ++k) {
      state = state * 1664525u + 1013904223u;
      s += alphabet[(state >> 8) % (sizeof(alphabet) / sizeof(alphabet[0]))];
    }
    texts.push_back(s);
  }
  for (const char* name : {"llama-spm", "phi-3", "deepseek-llm", "deepseek-coder"}) {
    DYNAMIC_SECTION(name) {
      auto t = load_gguf_tokenizer(fixture_path(std::string("vocab/ggml-vocab-") + name + ".gguf"));
      std::size_t ok = 0;
      for (const std::string& s : texts) {
        std::string back = t->decode(t->encode(s, false, false), false, false);
        if (back == s) ++ok;
        else FAIL_CHECK(name << ": '" << escape_for_message(s) << "' came back as '" << escape_for_message(back) << "'");
      }
      CHECK(ok == texts.size());
    }
  }
}
