#include "tokenizer/tokenizer_test_support.h"

#include <sstream>
#include <stdexcept>

#include "engine/tokenizer/hf_import.h"
#include "gguf/reader.h"
#include "gguf/writer.h"
#include "support/fixtures.h"

namespace hearth::test {

std::vector<VocabVector> read_vocab_vectors(const std::filesystem::path& base) {
  const std::string inp = read_file(base.string() + ".inp");
  const std::string out = read_file(base.string() + ".out");
  const std::string sep = "\n__ggml_vocab_test__\n";
  std::vector<std::string> texts;
  std::size_t pos = 0;
  for (;;) {
    std::size_t next = inp.find(sep, pos);
    if (next == std::string::npos) break;
    texts.push_back(inp.substr(pos, next - pos));
    pos = next + sep.size();
  }
  std::vector<std::vector<int32_t>> ids;
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::vector<int32_t> v;
    long long x;
    while (words >> x) v.push_back(static_cast<int32_t>(x));
    ids.push_back(std::move(v));
  }
  while (ids.size() > texts.size() && ids.back().empty()) ids.pop_back();  // trailing newline
  if (ids.size() != texts.size()) {
    throw std::runtime_error(base.string() + ": " + std::to_string(texts.size()) + " texts but " +
                             std::to_string(ids.size()) + " id lines");
  }
  std::vector<VocabVector> result;
  for (std::size_t i = 0; i < texts.size(); ++i) result.push_back({texts[i], ids[i]});
  return result;
}

std::unique_ptr<tok::Tokenizer> load_gguf_tokenizer(const std::filesystem::path& path) {
  auto file = gguf::GgufFile::open(path);
  return tok::Tokenizer::from_metadata(file.metadata());
}

std::filesystem::path npm_dir() {
  if (const char* env = std::getenv("HEARTH_TOKENIZER_NPM_DIR")) return env;
  return HEARTH_TOKENIZER_NPM_DIR;
}

std::optional<std::filesystem::path> npm_model_dir(const std::string& name, std::string& why) {
  auto dir = npm_dir() / name;
  if (std::filesystem::exists(dir / "tokenizer.json") && std::filesystem::exists(dir / "tokenizer_config.json")) return dir;
  std::filesystem::path skipped = npm_dir() / "SKIPPED";
  why = std::filesystem::exists(skipped)
            ? "npm fetch was skipped: " + read_file(skipped)
            : dir.string() + " is missing (ctest runs tests/tokenizer/fetch-npm-tokenizers " + npm_dir().string() + " first)";
  while (!why.empty() && why.back() == '\n') why.pop_back();
  return std::nullopt;
}

std::unique_ptr<tok::Tokenizer> imported_npm_tokenizer(const std::string& name, std::string& why) {
  auto dir = npm_model_dir(name, why);
  if (!dir) return nullptr;
  gguf::Metadata md = tok::import_hf_tokenizer(read_file(*dir / "tokenizer.json"), read_file(*dir / "tokenizer_config.json"));
  gguf::GgufWriter w;
  for (const auto& [k, v] : md.entries()) w.set(k, v);
  std::vector<uint8_t> bytes = w.to_bytes();
  auto file = gguf::GgufFile::from_bytes(bytes, name);
  return tok::Tokenizer::from_metadata(file.metadata());
}

std::string ids_to_string(const std::vector<int32_t>& ids) {
  std::string s = "[";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i) s += ' ';
    s += std::to_string(ids[i]);
  }
  s += ']';
  return s;
}

std::string escape_for_message(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c == '\r') out += "\\r";
    else out += static_cast<char>(c);
  }
  return out;
}

}  // namespace hearth::test
