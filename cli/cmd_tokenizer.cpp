// Tokenizer commands:
//   hearth tokenize FILE.gguf [--no-special] [--no-bos] TEXT     ids as a JSON array ("-" reads stdin)
//   hearth detokenize FILE.gguf [--no-special] IDS...            the text (ids as args, "1,2" or "[1,2]")
//   hearth tokenizer import tokenizer.json [tokenizer_config.json] -o vocab.gguf [--pre NAME] [--name NAME]
// FILE may be any GGUF with tokenizer metadata: a vocabulary-only file or a full model.
#include <fmt/core.h>

#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "commands.h"
#include "common/json.h"
#include "engine/tokenizer/hf_import.h"
#include "engine/tokenizer/tokenizer.h"
#include "gguf/reader.h"
#include "gguf/writer.h"

namespace hearth::cli {
namespace {

constexpr const char* kTokenizeUsage = "Usage: hearth tokenize FILE.gguf [--no-special] [--no-bos] TEXT";
constexpr const char* kDetokenizeUsage = "Usage: hearth detokenize FILE.gguf [--no-special] IDS...";
constexpr const char* kImportUsage =
    "Usage: hearth tokenizer import tokenizer.json [tokenizer_config.json] -o vocab.gguf [--pre NAME] [--name NAME]";

std::unique_ptr<tok::Tokenizer> load_tokenizer(const std::string& path) {
  auto file = gguf::GgufFile::open(path);
  try {
    return tok::Tokenizer::from_metadata(file.metadata());
  } catch (const tok::TokenizerError& e) {
    throw tok::TokenizerError(path + ": " + e.what());
  }
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Ids from arguments: separate numbers, comma/space separated lists or a JSON array.
std::vector<int32_t> parse_ids(const std::vector<std::string>& args) {
  std::vector<int32_t> ids;
  for (const std::string& a : args) {
    std::string s = a;
    for (char& c : s) {
      if (c == ',' || c == '[' || c == ']') c = ' ';
    }
    std::istringstream in(s);
    std::string word;
    while (in >> word) {
      std::size_t used = 0;
      long long v = 0;
      try {
        v = std::stoll(word, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != word.size() || v < INT32_MIN || v > INT32_MAX) throw UsageError{"not a token id: " + word + "\n" + kDetokenizeUsage};
      ids.push_back(static_cast<int32_t>(v));
    }
  }
  return ids;
}

int tokenizer_import(Args args) {
  std::vector<std::string> inputs;
  std::string out;
  tok::HfImportOptions options;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size()) throw UsageError{a + " needs a value\n" + kImportUsage};
      return args[++i];
    };
    if (a == "-o" || a == "--output") out = value();
    else if (a == "--pre") options.pre_override = value();
    else if (a == "--name") options.name = value();
    else if (!a.empty() && a[0] == '-') throw UsageError{"unknown flag " + a + "\n" + kImportUsage};
    else inputs.push_back(a);
  }
  if (inputs.empty() || inputs.size() > 2 || out.empty()) throw UsageError{std::string("missing arguments\n") + kImportUsage};

  const std::string tokenizer_json = read_all(inputs[0]);
  const std::string config_json = inputs.size() > 1 ? read_all(inputs[1]) : std::string();
  gguf::Metadata md = tok::import_hf_tokenizer(tokenizer_json, config_json, options);
  auto check = tok::Tokenizer::from_metadata(md);  // refuse to write a vocabulary hearth cannot load

  gguf::GgufWriter w;
  for (const auto& [key, value] : md.entries()) w.set(key, value);
  w.write(out);
  fmt::print("wrote {}: {} tokens, pre-tokenizer {}\n", out, check->n_vocab(), md.get_string("tokenizer.ggml.pre"));
  return 0;
}

}  // namespace

int cmd_tokenize(Args args) {
  bool parse_special = true, no_bos = false;
  std::vector<std::string> positional;
  for (const std::string& a : args) {
    if (a == "--no-special") parse_special = false;
    else if (a == "--no-bos") no_bos = true;
    else if (a.size() > 1 && a[0] == '-' && a[1] == '-') throw UsageError{"unknown flag " + a + "\n" + kTokenizeUsage};
    else positional.push_back(a);
  }
  if (positional.size() != 2) throw UsageError{std::string("expected FILE and TEXT\n") + kTokenizeUsage};
  std::string text = positional[1];
  if (text == "-") text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());

  auto tokenizer = load_tokenizer(positional[0]);
  std::vector<int32_t> ids = tokenizer->encode(text, /*add_special=*/true, parse_special);
  // The BOS the vocabulary adds is always the first id; a "<s>" written in the text stays.
  if (no_bos && tokenizer->add_bos() && !ids.empty() && ids.front() == tokenizer->bos_id()) ids.erase(ids.begin());

  Json out = Json::array();
  for (int32_t id : ids) out.push_back(id);
  fmt::print("{}\n", out.dump());
  return 0;
}

int cmd_detokenize(Args args) {
  bool special = true;
  std::vector<std::string> positional;
  for (const std::string& a : args) {
    if (a == "--no-special") special = false;
    else if (a.size() > 1 && a[0] == '-' && a[1] == '-') throw UsageError{"unknown flag " + a + "\n" + kDetokenizeUsage};
    else positional.push_back(a);
  }
  if (positional.empty()) throw UsageError{std::string("missing FILE\n") + kDetokenizeUsage};
  auto tokenizer = load_tokenizer(positional[0]);
  std::vector<int32_t> ids = parse_ids({positional.begin() + 1, positional.end()});
  std::string text = tokenizer->decode(ids, /*remove_special=*/false, /*unparse_special=*/special);
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fputc('\n', stdout);
  return 0;
}

int cmd_tokenizer(Args args) {
  if (!args.empty() && args[0] == "import") return tokenizer_import(args.subspan(1));
  throw UsageError{std::string("unknown or missing subcommand\n") + kImportUsage};
}

}  // namespace hearth::cli
