// engine/tokenizer/vocab.h — a vocabulary as llama.cpp loads it from `tokenizer.ggml.*` metadata.
//
// Vocab::from_metadata validates the keys' types (tokens STRING[], scores FLOAT32[] or INT32[],
// token_type INT32[], merges STRING[]), applies llama.cpp's per-model defaults (spec §4.1), reads
// the special ids (ids outside the vocabulary are ignored), auto-detects EOT/EOM/FIM tokens and
// the end-of-generation set by token text (§4.5), and prepares the special-token candidates for
// the whole-string pre-partition (§4.2). Every problem is a TokenizerError naming the key.
//
// The tokenizer algorithms (spm.cpp, bpe.cpp, wpm.cpp) and the detokenizer read this structure;
// it is immutable once built.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/tokenizer/pretokenizer.h"
#include "engine/tokenizer/tokenizer.h"
#include "gguf/value.h"

namespace hearth::tok {

// Token attributes, as llama.cpp's llama_token_attr bits.
enum TokenAttr : uint32_t {
  kAttrUndefined = 0,
  kAttrUnknown = 1u << 0,
  kAttrUnused = 1u << 1,
  kAttrNormal = 1u << 2,
  kAttrControl = 1u << 3,
  kAttrUserDefined = 1u << 4,
  kAttrByte = 1u << 5,
  kAttrNormalized = 1u << 6,
  kAttrLstrip = 1u << 7,
  kAttrRstrip = 1u << 8,
  kAttrSingleWord = 1u << 9,
};

enum class VocabKind { Spm, Bpe, Wpm };

struct TokenData {
  std::string text;
  float score = 0.0f;
  TokenType type = TokenType::Normal;  // as written in the file
  uint32_t attr = kAttrNormal;         // after llama.cpp's adjustments
};

struct TransparentStringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using TokenIndex = std::unordered_map<std::string, int32_t, TransparentStringHash, std::equal_to<>>;

struct Vocab {
  VocabKind kind = VocabKind::Spm;
  std::string model;  // tokenizer.ggml.model
  std::string pre;    // tokenizer.ggml.pre ("" when absent)

  std::vector<TokenData> tokens;
  TokenIndex token_to_id;
  TokenIndex bpe_ranks;  // "left right" → rank (first occurrence wins)
  std::size_t max_token_len = 0;

  int32_t bos = -1, eos = -1, eot = -1, eom = -1, unk = -1, sep = -1, pad = -1, mask = -1;
  int32_t fim_pre = -1, fim_suf = -1, fim_mid = -1, fim_pad = -1, fim_rep = -1, fim_sep = -1;

  bool add_space_prefix = false;
  bool add_bos = false;
  bool add_eos = false;
  bool add_sep = false;
  bool ignore_merges = false;
  bool clean_spaces = false;
  bool wpm_lowercase = true;
  bool wpm_strip_accents = true;

  std::vector<int32_t> special_candidates;  // CONTROL / USER_DEFINED / UNKNOWN ids, longest text first
  std::vector<int32_t> eog_ids;             // sorted
  const PreTokenizerSpec* pre_spec = nullptr;  // BPE only

  static Vocab from_metadata(const gguf::Metadata& metadata);

  int32_t n_tokens() const { return static_cast<int32_t>(tokens.size()); }
  bool valid(int32_t id) const { return id >= 0 && id < n_tokens(); }
  int32_t find(std::string_view text) const {
    auto it = token_to_id.find(text);
    return it == token_to_id.end() ? -1 : it->second;
  }
  int32_t bpe_rank(std::string_view left, std::string_view right, std::string& scratch) const;
  bool is_eog(int32_t id) const;
};

// One piece of the pre-partitioned input: raw text (a view into the caller's string) or a
// special token matched as a whole string.
struct Fragment {
  int32_t token = -1;     // >= 0 for a special token
  std::string_view text;  // raw text otherwise
};

// Splits `text` at occurrences of special tokens (spec §4.2).
std::vector<Fragment> partition_special(const Vocab& vocab, std::string_view text, bool parse_special);

}  // namespace hearth::tok
