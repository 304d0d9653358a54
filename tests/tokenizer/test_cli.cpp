// `hearth tokenize`, `hearth detokenize` and `hearth tokenizer import` against the library.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>

#include "common/json.h"
#include "support/fixtures.h"
#include "tokenizer/tokenizer_test_support.h"

using namespace hearth;
using namespace hearth::test;

namespace {

bool have_binary() { return std::filesystem::exists(HEARTH_BINARY); }

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

// Runs a command, returning its exit status and standard output.
int run(const std::string& cmd, std::string& out) {
  out.clear();
  FILE* p = ::popen((cmd + " 2>/dev/null").c_str(), "r");
  if (p == nullptr) return -1;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  return ::pclose(p);
}

}  // namespace

TEST_CASE("hearth tokenize / detokenize", "[tokenizer][cli]") {
  SKIP_WITHOUT_FIXTURES();
  if (!have_binary()) {
    WARN("SKIPPED: " << HEARTH_BINARY << " is not built");
    return;
  }
  const auto vocab = fixture_path("vocab/ggml-vocab-phi-3.gguf");
  auto t = load_gguf_tokenizer(vocab);
  const std::string text = "Hello <|end|> wörld 🙂";
  std::string out;

  REQUIRE(run(std::string(HEARTH_BINARY) + " tokenize " + quote(vocab.string()) + " " + quote(text), out) == 0);
  std::string expected_json = "[";
  for (int32_t id : t->encode(text, true, true)) {
    if (expected_json.size() > 1) expected_json += ',';
    expected_json += std::to_string(id);
  }
  expected_json += "]\n";
  CHECK(out == expected_json);

  REQUIRE(run(std::string(HEARTH_BINARY) + " tokenize --no-special --no-bos " + quote(vocab.string()) + " " + quote(text), out) == 0);
  std::vector<int32_t> plain = t->encode(text, false, false);
  Json parsed = Json::parse(out);
  std::vector<int32_t> got;
  for (const Json& v : parsed.as_array()) got.push_back(static_cast<int32_t>(v.as_int()));
  CHECK(got == plain);

  std::string ids;
  for (int32_t id : plain) {
    ids += ' ';
    ids += std::to_string(id);
  }
  REQUIRE(run(std::string(HEARTH_BINARY) + " detokenize " + quote(vocab.string()) + ids, out) == 0);
  CHECK(out == text + "\n");

  CHECK(run(std::string(HEARTH_BINARY) + " detokenize " + quote(vocab.string()) + " 999999", out) != 0);
  CHECK(run(std::string(HEARTH_BINARY) + " tokenize", out) != 0);
}

TEST_CASE("hearth tokenizer import writes a loadable vocabulary GGUF", "[tokenizer][cli][.npm]") {
  SKIP_WITHOUT_FIXTURES();
  std::string why;
  auto dir = npm_model_dir("qwen3", why);
  if (!have_binary() || !dir) {
    WARN("SKIPPED: " << (have_binary() ? why : std::string(HEARTH_BINARY) + " is not built"));
    return;
  }
  auto out_path = std::filesystem::temp_directory_path() / ("hearth-import-" + std::to_string(::getpid()) + ".gguf");
  std::string out;
  REQUIRE(run(std::string(HEARTH_BINARY) + " tokenizer import " + quote((*dir / "tokenizer.json").string()) + " " +
                  quote((*dir / "tokenizer_config.json").string()) + " -o " + quote(out_path.string()),
              out) == 0);
  auto from_file = load_gguf_tokenizer(out_path);
  std::filesystem::remove(out_path);
  auto in_memory = imported_npm_tokenizer("qwen3", why);
  REQUIRE(in_memory);
  CHECK(from_file->n_vocab() == in_memory->n_vocab());
  const std::string text = "<|im_start|>user\nHi there, 你好 123<|im_end|>";
  CHECK(from_file->encode(text, true, true) == in_memory->encode(text, true, true));
}
