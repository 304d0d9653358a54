// engine/synth/synthetic_vocab.h — a byte-level BPE vocabulary of any size, for synthetic models.
//
// Tokens 0..255 are the GPT-2 byte-encoder characters; each further normal token is the
// concatenation of two earlier tokens, recorded as a merge of rank (id − 256), so the vocabulary
// is self-consistent and tokenizes real text into multi-byte tokens. Special tokens follow the
// chat family's conventions (Llama 3: <|begin_of_text|> = 128000 …; ChatML: <|im_start|> …).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gguf/writer.h"

namespace hearth::synth {

struct SyntheticVocab {
  std::vector<std::string> tokens;
  std::vector<int32_t> token_types;  // 1 normal, 3 control, 6 byte (unused here)
  std::vector<std::string> merges;
  uint32_t bos_id = 0;
  uint32_t eos_id = 0;
  int64_t eot_id = -1;
  bool add_bos = false;
  std::string chat_template;
};

SyntheticVocab make_synthetic_vocab(uint32_t n_vocab, std::string_view chat_family, uint64_t seed);

// Writes the tokenizer.* keys of `vocab` (model "gpt2", the given pre-tokenizer name).
void write_vocab_metadata(gguf::GgufWriter& writer, const SyntheticVocab& vocab, std::string_view pre);

}  // namespace hearth::synth
