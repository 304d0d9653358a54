// engine/tokenizer/algorithms.h — the three model tokenizers, each applied to one raw fragment.
//
// The caller (tokenizer.cpp) has already split the input at special tokens and handles BOS/EOS;
// these functions append the ids of one plain-text fragment to `out`:
//   * spm_tokenize: SentencePiece-style score-ordered merges over UTF-8 characters with byte
//     fallback (spec §4.3). `text` must already have spaces escaped as "▁".
//   * bpe_tokenize: byte-level BPE over the words of the pre-tokenizer, merge ranks from
//     tokenizer.ggml.merges, ignore_merges handling (§4.4).
//   * wpm_tokenize: WordPiece (BERT): normalization (lowercase, accent stripping, punctuation and
//     CJK splitting) then greedy longest-prefix matching with a "▁" word prefix (llama.cpp).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "engine/tokenizer/pretokenizer.h"
#include "engine/tokenizer/vocab.h"

namespace hearth::tok {

void spm_tokenize(const Vocab& vocab, std::string_view text, std::vector<int32_t>& out);
void bpe_tokenize(const Vocab& vocab, const PreTokenizer& pre, std::string_view text, std::vector<int32_t>& out);
void wpm_tokenize(const Vocab& vocab, std::string_view text, std::vector<int32_t>& out);

// The byte-fallback token of an SPM vocabulary: "<0xHH>", else the one-byte token; -1 if neither.
int32_t spm_byte_token(const Vocab& vocab, uint8_t byte);

}  // namespace hearth::tok
