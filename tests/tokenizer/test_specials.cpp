// Special tokens, BOS/EOS and end-of-generation sets (spec §4.2, §4.5), and the fixture models'
// reference prompts: llama.cpp's own tokenization of each prompt in models/reference.json.
#include <catch2/catch.hpp>

#include <algorithm>
#include <iostream>
#include <set>

#include "common/json.h"
#include "support/fixtures.h"
#include "tokenizer/tokenizer_test_support.h"

using namespace hearth;
using namespace hearth::test;

namespace {

std::set<int32_t> eog_set(const tok::Tokenizer& t) {
  std::set<int32_t> s;
  for (int32_t id = 0; id < t.n_vocab(); ++id) {
    if (t.is_eog(id)) s.insert(id);
  }
  return s;
}

}  // namespace

TEST_CASE("fixture models: encode(prompt, add_special, parse_special) equals llama.cpp's prompt_tokens", "[tokenizer][reference]") {
  SKIP_WITHOUT_FIXTURES();
  const Json ref = Json::parse(read_file(fixture_path("models/reference.json")));
  std::size_t checked = 0;
  for (const auto& [file, model] : ref.at("models").as_object()) {
    auto tokenizer = load_gguf_tokenizer(fixture_path("models/" + file));
    const Json& cases = model.is_object() ? model.at("cases") : model;
    std::size_t ok = 0;
    for (const Json& c : cases.as_array()) {
      const std::string& prompt = c.at("prompt").as_string();
      std::vector<int32_t> expected;
      for (const Json& id : c.at("prompt_tokens").as_array()) expected.push_back(static_cast<int32_t>(id.as_int()));
      std::vector<int32_t> got = tokenizer->encode(prompt, /*add_special=*/true, /*parse_special=*/true);
      INFO(file << ": '" << escape_for_message(prompt) << "'");
      CHECK(ids_to_string(got) == ids_to_string(expected));
      ok += got == expected;
      ++checked;
    }
    std::cout << "reference " << file << ": " << ok << "/" << cases.as_array().size() << " prompts\n";
  }
  CHECK(checked > 0);
}

TEST_CASE("end-of-generation sets follow llama.cpp (spec 4.5)", "[tokenizer][eog]") {
  SKIP_WITHOUT_FIXTURES();
  SECTION("phi-3: </s>, <|endoftext|>, <|end|>") {
    auto t = load_gguf_tokenizer(fixture_path("vocab/ggml-vocab-phi-3.gguf"));
    CHECK(eog_set(*t) == std::set<int32_t>{2, 32000, 32007});
    CHECK(t->is_control(32007));
  }
  SECTION("llama-spm: </s>") {
    auto t = load_gguf_tokenizer(fixture_path("vocab/ggml-vocab-llama-spm.gguf"));
    CHECK(eog_set(*t) == std::set<int32_t>{2});
    CHECK(t->bos_id() == 1);
    CHECK(t->add_bos());
    CHECK_FALSE(t->add_eos());
  }
}

TEST_CASE("end-of-generation sets of the npm vocabularies (spec 4.5)", "[tokenizer][eog][.npm]") {
  SECTION("Llama 3.0 (npm tokenizer.json): <|end_of_text|>, <|eot_id|>, no 128008") {
    std::string why;
    auto t = imported_npm_tokenizer("llama3", why);
    if (!t) {
      WARN("SKIPPED: " << why);
      return;
    }
    CHECK(eog_set(*t) == std::set<int32_t>{128001, 128009});
    CHECK(t->eot_id() == 128009);
    CHECK(t->bos_id() == 128000);
    CHECK(t->add_bos());  // the llama-bpe pre-tokenizer turns add_bos on
  }
  SECTION("Qwen3 (npm tokenizer.json): <|endoftext|>, <|im_end|>, FIM pad/repo/file-sep, </s>") {
    std::string why;
    auto t = imported_npm_tokenizer("qwen3", why);
    if (!t) {
      WARN("SKIPPED: " << why);
      return;
    }
    // llama.cpp adds fim_pad / fim_rep / fim_sep to the set, and every token whose text is
    // "</s>" — Qwen's vocabulary has an ordinary "</s>" at 128247 (llama-vocab.cpp, special_eog_ids).
    CHECK(t->token_text(128247) == "</s>");
    CHECK(eog_set(*t) == std::set<int32_t>{128247, 151643, 151645, 151662, 151663, 151664});
    CHECK_FALSE(t->add_bos());
    CHECK(t->eos_id() == 151645);
  }
}

TEST_CASE("special tokens are matched as whole strings only with parse_special", "[tokenizer][special]") {
  SKIP_WITHOUT_FIXTURES();
  auto t = load_gguf_tokenizer(fixture_path("vocab/ggml-vocab-phi-3.gguf"));
  const int32_t end = t->find_token("<|end|>");
  REQUIRE(end == 32007);

  // parse_special on: the control token is one id; phi-3 strips whitespace after it (RSTRIP),
  // and SPM prepends a space to the text that follows a special token.
  std::vector<int32_t> with = t->encode("Hi<|end|>  \n there", false, true);
  std::vector<int32_t> expected = t->encode("Hi", false, false);
  expected.push_back(end);
  for (int32_t id : t->encode("there", false, false)) expected.push_back(id);
  CHECK(ids_to_string(with) == ids_to_string(expected));

  // parse_special off: the text is ordinary characters.
  std::vector<int32_t> without = t->encode("Hi<|end|>", false, false);
  CHECK(std::find(without.begin(), without.end(), end) == without.end());

  // add_special adds BOS only when asked.
  CHECK(t->encode("Hi", true, true).front() == t->bos_id());
  CHECK(t->encode("Hi", false, true).front() != t->bos_id());
}

TEST_CASE("bad token ids are errors, never undefined behaviour", "[tokenizer][errors]") {
  SKIP_WITHOUT_FIXTURES();
  auto t = load_gguf_tokenizer(fixture_path("vocab/ggml-vocab-gpt-2.gguf"));
  CHECK_THROWS_AS(t->token_to_piece(-1, true), tok::TokenizerError);
  CHECK_THROWS_AS(t->token_to_piece(t->n_vocab(), true), tok::TokenizerError);
  CHECK_THROWS_AS(t->token_text(1 << 30), tok::TokenizerError);
  const std::vector<int32_t> bad = {15496, 50257};
  CHECK_THROWS_AS(t->decode(bad, false, true), tok::TokenizerError);
  CHECK_FALSE(t->is_eog(-5));
  CHECK_FALSE(t->is_control(1 << 30));
}
