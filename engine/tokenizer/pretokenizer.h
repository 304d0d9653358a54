// engine/tokenizer/pretokenizer.h — byte-level BPE pre-tokenization (spec §4.4).
//
// `tokenizer.ggml.pre` names an ordered list of regexes. Each regex splits every piece the
// previous one produced into its matches and the unmatched gaps between them (both are kept).
// The final pieces are re-encoded to UTF-8 (invalid input bytes have become U+FFFD) and then
// mapped byte by byte through the GPT-2 byte encoder, giving the words the BPE merges run on.
//
//   const PreTokenizerSpec& spec = find_pre_tokenizer("llama-bpe");   // throws for unknown names
//   PreTokenizer pre(spec);
//   std::vector<std::string> words = pre.split("Hello world");        // {"Hello", "Ġworld"}
//
// The per-name flags (ignore_merges, clean_spaces, default add_bos …) mirror llama.cpp's loader.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/tokenizer/regex.h"

namespace hearth::tok {

struct PreTokenizerSpec {
  std::string family;                 // canonical group name, e.g. "llama3", "gpt2", "deepseek-llm"
  std::vector<std::string> patterns;  // applied in order
  bool ignore_merges = false;         // a piece that is already a token is emitted whole
  bool clean_spaces = true;           // decode-time clean-up of " ," etc. (BPE default)
  std::optional<bool> add_bos;        // overrides the BPE default (false) when set
  bool add_sep = false;
  bool no_bos = false;                // the vocabulary has no BOS token (glm4)
};

// The spec for a `tokenizer.ggml.pre` value; "" means absent (llama.cpp falls back to "default").
// Throws TokenizerError naming the value when it is unknown or needs a tokenizer hearth lacks.
const PreTokenizerSpec& find_pre_tokenizer(std::string_view pre);

class PreTokenizer {
 public:
  explicit PreTokenizer(const PreTokenizerSpec& spec);

  // Splits one raw text fragment into byte-encoded words.
  std::vector<std::string> split(std::string_view text) const;
  // Splits into pieces of raw UTF-8 (before byte encoding); for tests and debugging.
  std::vector<std::string> split_raw(std::string_view text) const;

 private:
  std::vector<std::pair<std::size_t, std::size_t>> split_ranges(const PreText& text) const;
  std::vector<Regex> regexes_;
};

}  // namespace hearth::tok
