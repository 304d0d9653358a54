// engine/tokenizer/hf_import.h — Hugging Face tokenizer.json → GGUF tokenizer metadata.
//
// Converts a byte-level BPE `tokenizer.json` (plus the optional `tokenizer_config.json`) into the
// `tokenizer.ggml.*` keys llama.cpp's converter writes: model "gpt2", the pre-tokenizer name
// detected from the Split regex (the Llama 3 pattern → "llama-bpe", Qwen2's → "qwen2", …), tokens
// with types (added special tokens CONTROL, other added tokens USER_DEFINED, ids missing from the
// vocabulary "[PAD<id>]" UNUSED), merges, special ids from tokenizer_config (bos/eos/unk/pad),
// add_bos/add_eos and the chat template.
//
//   gguf::Metadata md = import_hf_tokenizer(read("tokenizer.json"), read("tokenizer_config.json"));
//   gguf::GgufWriter w; for (auto& [k, v] : md.entries()) w.set(k, v); w.write("vocab.gguf");
//
// Throws TokenizerError for malformed JSON, unsupported models (WordPiece, Unigram, SentencePiece
// BPE) or a pre-tokenizer it cannot name (pass `pre_override` then).
#pragma once

#include <string>
#include <string_view>

#include "gguf/value.h"

namespace hearth::tok {

struct HfImportOptions {
  std::string pre_override;  // tokenizer.ggml.pre to write instead of the detected one
  std::string name;          // general.name to write (optional)
};

gguf::Metadata import_hf_tokenizer(std::string_view tokenizer_json, std::string_view tokenizer_config_json,
                                   const HfImportOptions& options = {});

// The tokenizer.ggml.pre name for a Hugging Face pre-tokenizer regex, or "" when unknown.
std::string pre_name_for_hf_regex(std::string_view regex);

}  // namespace hearth::tok
