// Vocabulary metadata validation (spec §4.1): wrong element types, short arrays, unknown models
// and pre-tokenizers are TokenizerErrors naming the key; out-of-range special ids are ignored.
#include <catch2/catch.hpp>

#include "gguf/reader.h"
#include "support/fixtures.h"
#include "tokenizer/tokenizer_test_support.h"

using namespace hearth;
using namespace hearth::test;
using gguf::Array;
using gguf::Metadata;
using gguf::Value;

namespace {

// A small SPM vocabulary: <unk> <s> </s>, byte tokens for 'a' and 'b', and "▁a".
Metadata tiny_spm() {
  Metadata md;
  md.set("tokenizer.ggml.model", Value::string("llama"));
  md.set("tokenizer.ggml.tokens", Value::array(Array::of_strings({"<unk>", "<s>", "</s>", "<0x61>", "<0x62>", "\xE2\x96\x81" "a"})));
  md.set("tokenizer.ggml.scores", Value::array(Array::of(std::vector<float>{0, 0, 0, 0, 0, -1})));
  md.set("tokenizer.ggml.token_type", Value::array(Array::of(std::vector<int32_t>{2, 3, 3, 6, 6, 1})));
  return md;
}

void require_error(const Metadata& md, const std::string& fragment) {
  try {
    tok::Tokenizer::from_metadata(md);
    FAIL("expected a TokenizerError mentioning '" << fragment << "'");
  } catch (const tok::TokenizerError& e) {
    INFO(e.what());
    CHECK(std::string(e.what()).find(fragment) != std::string::npos);
  }
}

}  // namespace

TEST_CASE("a minimal SPM vocabulary loads and uses byte fallback", "[tokenizer][metadata]") {
  auto t = tok::Tokenizer::from_metadata(tiny_spm());
  CHECK(t->n_vocab() == 6);
  // " a" → "▁a"; " b" → "▁" has no token, so its bytes fall back: E2 96 81 are missing too and
  // become <unk> (llama.cpp would throw), 'b' is <0x62>.
  CHECK(t->encode("a", false, false) == std::vector<int32_t>{5});
  CHECK(t->encode("a", true, false) == std::vector<int32_t>{1, 5});
  CHECK(t->encode("b", false, false) == std::vector<int32_t>{0, 0, 0, 4});
  CHECK(t->token_to_piece(4, false) == "b");
  CHECK(t->token_to_piece(1, false).empty());
  CHECK(t->token_to_piece(1, true) == "<s>");
}

TEST_CASE("metadata element types are checked", "[tokenizer][metadata]") {
  SECTION("tokens must be STRING[]") {
    Metadata md = tiny_spm();
    md.set("tokenizer.ggml.tokens", Value::array(Array::of(std::vector<int32_t>{1, 2, 3})));
    require_error(md, "tokenizer.ggml.tokens");
  }
  SECTION("tokens must be an array") {
    Metadata md = tiny_spm();
    md.set("tokenizer.ggml.tokens", Value::string("abc"));
    require_error(md, "tokenizer.ggml.tokens");
  }
  SECTION("scores must be FLOAT32[]") {
    Metadata md = tiny_spm();
    md.set("tokenizer.ggml.scores", Value::array(Array::of(std::vector<uint8_t>{0, 0, 0, 0, 0, 0})));
    require_error(md, "tokenizer.ggml.scores");
  }
  SECTION("token_type must be INT32[]") {
    Metadata md = tiny_spm();
    md.set("tokenizer.ggml.token_type", Value::array(Array::of(std::vector<float>{1, 1, 1, 1, 1, 1})));
    require_error(md, "tokenizer.ggml.token_type");
  }
  SECTION("scores shorter than tokens") {
    Metadata md = tiny_spm();
    md.set("tokenizer.ggml.scores", Value::array(Array::of(std::vector<float>{0, 0})));
    require_error(md, "tokenizer.ggml.scores");
  }
  SECTION("token_type shorter than tokens") {
    Metadata md = tiny_spm();
    md.set("tokenizer.ggml.token_type", Value::array(Array::of(std::vector<int32_t>{1})));
    require_error(md, "tokenizer.ggml.token_type");
  }
  SECTION("merges must be STRING[] and are required for BPE") {
    Metadata md = tiny_spm();
    md.set("tokenizer.ggml.model", Value::string("gpt2"));
    md.set("tokenizer.ggml.pre", Value::string("gpt-2"));
    require_error(md, "tokenizer.ggml.merges");
    md.set("tokenizer.ggml.merges", Value::array(Array::of(std::vector<int32_t>{1})));
    require_error(md, "tokenizer.ggml.merges");
  }
  SECTION("model must be a string") {
    Metadata md = tiny_spm();
    md.set("tokenizer.ggml.model", Value::u32(1));
    require_error(md, "tokenizer.ggml.model");
  }
  SECTION("missing tokens") {
    Metadata md;
    md.set("tokenizer.ggml.model", Value::string("llama"));
    require_error(md, "tokenizer.ggml.tokens");
  }
  SECTION("duplicate token texts") {
    Metadata md = tiny_spm();
    md.set("tokenizer.ggml.tokens", Value::array(Array::of_strings({"<unk>", "<s>", "</s>", "<0x61>", "<0x61>", "x"})));
    require_error(md, "duplicate token");
  }
}

TEST_CASE("unknown tokenizer models and pre-tokenizers are rejected", "[tokenizer][metadata]") {
  Metadata md = tiny_spm();
  md.set("tokenizer.ggml.model", Value::string("t5"));
  require_error(md, "'t5'");
  md.set("tokenizer.ggml.model", Value::string("gpt2"));
  md.set("tokenizer.ggml.merges", Value::array(Array::of_strings({"a b"})));
  md.set("tokenizer.ggml.pre", Value::string("no-such-pre"));
  require_error(md, "no-such-pre");
  md.set("tokenizer.ggml.pre", Value::string("kimi-k2"));
  require_error(md, "kimi-k2");
}

TEST_CASE("special ids outside the vocabulary are ignored", "[tokenizer][metadata]") {
  Metadata md = tiny_spm();
  md.set("tokenizer.ggml.bos_token_id", Value::u32(1000));
  md.set("tokenizer.ggml.eos_token_id", Value::u32(0xFFFFFFFFu));
  md.set("tokenizer.ggml.eot_token_id", Value::i32(-3));
  auto t = tok::Tokenizer::from_metadata(md);
  CHECK(t->bos_id() == 1);  // the SPM default stays
  CHECK(t->eos_id() == 2);
  CHECK(t->eot_id() == -1);

  // With no usable BOS at all, add_bos cannot be honoured: an error, as in llama.cpp.
  Metadata one;
  one.set("tokenizer.ggml.model", Value::string("llama"));
  one.set("tokenizer.ggml.tokens", Value::array(Array::of_strings({"<unk>"})));
  require_error(one, "bos_token_id");
  one.set("tokenizer.ggml.add_bos_token", Value::boolean(false));
  one.set("tokenizer.ggml.add_eos_token", Value::boolean(false));
  auto t1 = tok::Tokenizer::from_metadata(one);
  CHECK(t1->bos_id() == -1);
  CHECK(t1->eos_id() == -1);
  CHECK(t1->encode("x", true, true) == std::vector<int32_t>{0, 0, 0, 0});  // the 4 bytes of "▁x", all unknown
}

TEST_CASE("empty token texts are renamed like llama.cpp", "[tokenizer][metadata]") {
  Metadata md = tiny_spm();
  md.set("tokenizer.ggml.tokens", Value::array(Array::of_strings({"<unk>", "<s>", "</s>", "", "<0x62>", "x"})));
  auto t = tok::Tokenizer::from_metadata(md);
  CHECK(t->token_text(3) == "[EMPTY_3]");
}

TEST_CASE("every fixture GGUF with a vocabulary loads", "[tokenizer][metadata]") {
  SKIP_WITHOUT_FIXTURES();
  std::size_t loaded = 0;
  for (const char* dir : {"vocab", "models"}) {
    for (const auto& path : list_files(fixture_path(dir), ".gguf")) {
      INFO(path.string());
      auto t = load_gguf_tokenizer(path);
      CHECK(t->n_vocab() > 0);
      ++loaded;
    }
  }
  CHECK(loaded > 0);
}
