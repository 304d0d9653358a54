// libFuzzer target for the tokenizers: arbitrary bytes are encoded (special-token parsing on and
// off, with and without BOS/EOS) and decoded again; arbitrary ids are decoded. Nothing may crash,
// hang or read out of bounds; bad ids must raise TokenizerError. The streaming detokenizer must
// reproduce decode() whenever the decoded text is valid UTF-8 and no space clean-up applies.
//
// Vocabularies are loaded once: HEARTH_FUZZ_VOCAB (a GGUF path, or several separated by ':'), or
// by default the phi-3 (SPM), gpt-2 and deepseek-llm (BPE) and bert-bge (WordPiece) fixtures.
// The first input byte picks the vocabulary and the flags; the rest is the text.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "common/utf8.h"
#include "engine/tokenizer/tokenizer.h"
#include "gguf/reader.h"

namespace {

using hearth::tok::Tokenizer;
using hearth::tok::TokenizerError;

struct Loaded {
  std::unique_ptr<Tokenizer> tokenizer;
  bool cleans_spaces;
};

std::vector<Loaded> load_all() {
  std::vector<std::string> paths;
  if (const char* env = std::getenv("HEARTH_FUZZ_VOCAB")) {
    std::string list = env;
    std::size_t start = 0;
    while (start <= list.size()) {
      std::size_t colon = list.find(':', start);
      if (colon == std::string::npos) colon = list.size();
      if (colon > start) paths.push_back(list.substr(start, colon - start));
      start = colon + 1;
    }
  } else {
    for (const char* name : {"phi-3", "gpt-2", "deepseek-llm", "bert-bge"})
      paths.push_back(std::string(HEARTH_SHARED_DIR) + "/fixtures/vocab/ggml-vocab-" + name + ".gguf");
  }
  std::vector<Loaded> out;
  for (const std::string& p : paths) {
    auto file = hearth::gguf::GgufFile::open(p);
    auto t = Tokenizer::from_metadata(file.metadata());
    // Whether decode() applies llama.cpp's clean-up: probe the one rule that always fires.
    bool cleans = false;
    std::vector<int32_t> probe = t->encode("a ,", false, false);
    cleans = t->decode(probe, false, true).find(" ,") == std::string::npos;
    out.push_back({std::move(t), cleans});
  }
  if (out.empty()) {
    std::fprintf(stderr, "fuzz_tokenizer: no vocabulary (set HEARTH_FUZZ_VOCAB)\n");
    std::abort();
  }
  return out;
}

const std::vector<Loaded>& vocabularies() {
  static const std::vector<Loaded> v = load_all();
  return v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const auto& vocabs = vocabularies();
  const uint8_t selector = data[0];
  const Loaded& v = vocabs[selector % vocabs.size()];
  const Tokenizer& t = *v.tokenizer;
  const bool add_special = selector & 0x10;
  const bool parse_special = selector & 0x20;
  const bool unparse = selector & 0x40;
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);

  std::vector<int32_t> ids = t.encode(text, add_special, parse_special);
  for (int32_t id : ids) {
    if (id < 0 || id >= t.n_vocab()) std::abort();  // encode must only produce valid ids
  }
  std::string decoded = t.decode(ids, selector & 0x80, unparse);

  hearth::tok::StreamingDetokenizer stream(t, unparse);
  std::string streamed;
  for (int32_t id : ids) {
    std::string chunk = stream.push(id);
    streamed += chunk;
  }
  streamed += stream.flush();
  if (!v.cleans_spaces && hearth::utf8_is_valid(decoded) && !(selector & 0x80) && streamed != decoded) std::abort();

  // The same bytes as raw ids: out-of-range ids must be reported, not crash.
  std::vector<int32_t> raw(text.size() / 4);
  if (!raw.empty()) std::memcpy(raw.data(), text.data(), raw.size() * 4);
  try {
    (void)t.decode(raw, selector & 1, unparse);
  } catch (const TokenizerError&) {
  }
  for (int32_t id : raw) {
    try {
      (void)t.token_to_piece(id, unparse);
      (void)t.is_eog(id);
      (void)t.is_control(id);
    } catch (const TokenizerError&) {
    }
  }
  return 0;
}
