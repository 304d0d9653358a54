#include "engine/tokenizer/hf_import.h"

// simdjson's header trips GCC 12's dangling-pointer heuristics; the warnings are not ours.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdangling-pointer"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <simdjson.h>
#pragma GCC diagnostic pop

#include <algorithm>
#include <map>
#include <optional>
#include <unordered_map>

#include "common/json.h"
#include "engine/tokenizer/tokenizer.h"

namespace hearth::tok {
namespace {

[[noreturn]] void fail(const std::string& msg) { throw TokenizerError("tokenizer import: " + msg); }

// Pre-tokenizer regexes as they appear in tokenizer.json, with the name llama.cpp's converter
// gives them.
struct KnownRegex {
  std::string_view regex;
  std::string_view pre;
};
constexpr KnownRegex kKnownRegexes[] = {
    {R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)",
     "llama-bpe"},
    {R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)",
     "qwen2"},
    {R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)",
     "qwen35"},
    {R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)", "gpt-2"},
};

// Does this added token look like a control token although not marked special (llama.cpp's
// does_token_look_special)?
bool looks_special(std::string_view t) {
  if (t == "<pad>" || t == "<mask>" || t == "<2mass>" || t == "[@BOS@]") return true;
  auto wrapped = [&](std::string_view a, std::string_view b) {
    return t.size() >= a.size() + b.size() && t.substr(0, a.size()) == a && t.substr(t.size() - b.size()) == b;
  };
  return wrapped("<|", "|>") || wrapped("<\xEF\xBD\x9C", "\xEF\xBD\x9C>") || wrapped("<unused", ">");
}

// Finds every Split regex in a (possibly nested Sequence) pre_tokenizer; notes ByteLevel regex use.
void collect_pre(const Json& node, std::vector<std::string>& regexes, bool& byte_level_regex) {
  if (!node.is_object()) return;
  std::string type = node.get_string("type");
  if (type == "Sequence") {
    if (const Json* list = node.find("pretokenizers"); list && list->is_array()) {
      for (const Json& child : list->as_array()) collect_pre(child, regexes, byte_level_regex);
    }
  } else if (type == "Split") {
    const Json* pattern = node.find("pattern");
    if (pattern && pattern->is_object()) {
      if (const Json* re = pattern->find("Regex"); re && re->is_string()) regexes.push_back(re->as_string());
    }
  } else if (type == "ByteLevel") {
    if (node.get_bool("use_regex", true)) byte_level_regex = true;
  }
}

// tokenizer_config values like "bos_token" are a string, {"content": ...} or null.
std::optional<std::string> token_content(const Json& config, std::string_view key) {
  const Json* v = config.find(key);
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (v->is_string()) return v->as_string();
  if (v->is_object()) {
    if (const Json* c = v->find("content"); c && c->is_string()) return c->as_string();
  }
  return std::nullopt;
}

// Python's json module writes integers of any size (tokenizer_config's model_max_length is often
// 1000000000000000019884624838656); the JSON parser only takes 64-bit integers. Integer literals
// of more than 18 digits outside strings are turned into floating-point literals first.
std::string widen_big_integers(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 16);
  bool in_string = false;
  for (std::size_t i = 0; i < text.size();) {
    char c = text[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < text.size()) out += text[++i];
      else if (c == '"') in_string = false;
      ++i;
      continue;
    }
    if (c == '"') {
      in_string = true;
      out += c;
      ++i;
      continue;
    }
    if (c >= '0' && c <= '9') {
      std::size_t j = i;
      while (j < text.size() && text[j] >= '0' && text[j] <= '9') ++j;
      out.append(text.substr(i, j - i));
      bool fraction_or_exponent = j < text.size() && (text[j] == '.' || text[j] == 'e' || text[j] == 'E');
      if (j - i > 18 && !fraction_or_exponent) out += ".0";
      i = j;
      continue;
    }
    out += c;
    ++i;
  }
  return out;
}

// tokenizer.json split into its two large tables, read straight from simdjson's DOM (vocabularies
// have 10^5 entries), and everything else as Json values.
struct TokenizerJson {
  Json top = Json::object();    // every top-level key except "model"
  Json model = Json::object();  // every "model" key except "vocab" and "merges"
  std::vector<std::pair<std::string, int64_t>> vocab;
  std::vector<std::string> merges;
  bool has_vocab = false;
  bool has_model = false;
};

Json to_json(simdjson::dom::element e) { return Json::parse(simdjson::to_string(e)); }

TokenizerJson load_tokenizer_json(std::string_view text) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(text);
  simdjson::dom::element root;
  if (auto error = parser.parse(padded).get(root)) fail(std::string("malformed tokenizer.json: ") + simdjson::error_message(error));
  simdjson::dom::object top;
  if (root.get_object().get(top)) fail("tokenizer.json is not a JSON object");
  TokenizerJson out;
  for (auto field : top) {
    if (field.key != "model") {
      out.top[field.key] = to_json(field.value);
      continue;
    }
    out.has_model = true;
    simdjson::dom::object model;
    if (field.value.get_object().get(model)) fail("tokenizer.json: \"model\" is not an object");
    for (auto m : model) {
      if (m.key == "vocab") {
        simdjson::dom::object vocab;
        if (m.value.get_object().get(vocab)) fail("model.vocab is not an object");
        out.has_vocab = true;
        out.vocab.reserve(vocab.size());
        for (auto entry : vocab) {
          int64_t id;
          if (entry.value.get_int64().get(id) || id < 0 || id > INT32_MAX) {
            fail("bad id for vocabulary entry '" + std::string(entry.key) + "'");
          }
          out.vocab.emplace_back(std::string(entry.key), id);
        }
      } else if (m.key == "merges") {
        simdjson::dom::array merges;
        if (m.value.get_array().get(merges)) fail("model.merges is not an array");
        out.merges.reserve(merges.size());
        for (simdjson::dom::element e : merges) {
          std::string_view a, b;
          simdjson::dom::array pair;
          if (!e.get_string().get(a)) {
            out.merges.emplace_back(a);
          } else if (!e.get_array().get(pair) && pair.size() == 2 && !pair.at(0).get_string().get(a) &&
                     !pair.at(1).get_string().get(b)) {
            out.merges.push_back(std::string(a) + " " + std::string(b));
          } else {
            fail("bad entry in model.merges");
          }
        }
      } else {
        out.model[m.key] = to_json(m.value);
      }
    }
  }
  if (!out.has_model) fail("tokenizer.json has no \"model\" object");
  return out;
}

}  // namespace

std::string pre_name_for_hf_regex(std::string_view regex) {
  for (const KnownRegex& k : kKnownRegexes) {
    if (k.regex == regex) return std::string(k.pre);
  }
  return {};
}

gguf::Metadata import_hf_tokenizer(std::string_view tokenizer_json, std::string_view tokenizer_config_json,
                                   const HfImportOptions& options) {
  Json config = Json::object();
  try {
    if (!tokenizer_config_json.empty()) config = Json::parse(widen_big_integers(tokenizer_config_json));
  } catch (const JsonError& e) {
    fail(std::string("malformed tokenizer_config.json: ") + e.what());
  }
  if (!config.is_object()) fail("tokenizer_config.json is not a JSON object");
  TokenizerJson tj = load_tokenizer_json(tokenizer_json);
  const Json* model = &tj.model;
  const std::string model_type = model->get_string("type");
  if (model_type != "BPE") fail("model type '" + model_type + "' is not supported (only byte-level BPE)");
  if (model->get_bool("byte_fallback", false)) fail("SentencePiece-style BPE (byte_fallback) is not supported");

  // Pre-tokenizer name.
  std::string pre = options.pre_override;
  if (pre.empty()) {
    std::vector<std::string> regexes;
    bool byte_level_regex = false;
    if (const Json* p = tj.top.find("pre_tokenizer")) collect_pre(*p, regexes, byte_level_regex);
    if (regexes.size() == 1) pre = pre_name_for_hf_regex(regexes[0]);
    else if (regexes.empty() && byte_level_regex) pre = "gpt-2";
    if (pre.empty()) {
      fail("cannot tell the pre-tokenizer from tokenizer.json" +
           (regexes.empty() ? std::string() : " (regex " + regexes[0] + ")") + "; name it with --pre");
    }
  }

  // Vocabulary: model.vocab plus added_tokens.
  if (!tj.has_vocab) fail("model.vocab is missing");
  std::map<int64_t, std::string> by_id;
  std::unordered_map<std::string, int64_t> by_text;
  for (const auto& [text, id] : tj.vocab) {
    by_id[id] = text;
    by_text.emplace(text, id);
  }
  struct Added {
    std::string content;
    bool special;
  };
  std::map<int64_t, Added> added;
  if (const Json* list = tj.top.find("added_tokens"); list && list->is_array()) {
    for (const Json& a : list->as_array()) {
      if (!a.is_object()) continue;
      int64_t id = a.get_int("id", -1);
      std::string content = a.get_string("content");
      if (id < 0 || id > INT32_MAX || content.empty()) fail("bad entry in added_tokens");
      added[id] = Added{content, a.get_bool("special", false)};
      by_id[id] = content;
    }
  }
  if (by_id.empty()) fail("the vocabulary is empty");
  const int64_t n = by_id.rbegin()->first + 1;

  std::vector<std::string> tokens(static_cast<std::size_t>(n));
  std::vector<int32_t> types(static_cast<std::size_t>(n), 5 /* unused */);
  for (int64_t i = 0; i < n; ++i) tokens[i] = "[PAD" + std::to_string(i) + "]";
  for (const auto& [id, text] : by_id) {
    tokens[id] = text;
    auto it = added.find(id);
    if (it == added.end()) types[id] = 1;                                                    // normal
    else types[id] = (it->second.special || looks_special(it->second.content)) ? 3 : 4;      // control / user-defined
  }

  std::vector<std::string> merges = std::move(tj.merges);
  if (merges.empty()) fail("model.merges is empty");

  gguf::Metadata md;
  if (!options.name.empty()) md.set("general.name", gguf::Value::string(options.name));
  md.set("tokenizer.ggml.model", gguf::Value::string("gpt2"));
  md.set("tokenizer.ggml.pre", gguf::Value::string(pre));
  md.set("tokenizer.ggml.tokens", gguf::Value::array(gguf::Array::of_strings(tokens)));
  md.set("tokenizer.ggml.token_type", gguf::Value::array(gguf::Array::of(types)));
  md.set("tokenizer.ggml.merges", gguf::Value::array(gguf::Array::of_strings(std::move(merges))));

  auto id_of = [&](const std::string& content) -> int64_t {
    for (const auto& [id, a] : added) {
      if (a.content == content) return id;
    }
    auto it = by_text.find(content);
    return it == by_text.end() ? -1 : it->second;
  };
  const std::pair<const char*, const char*> special_keys[] = {
      {"bos_token", "tokenizer.ggml.bos_token_id"},
      {"eos_token", "tokenizer.ggml.eos_token_id"},
      {"unk_token", "tokenizer.ggml.unknown_token_id"},
      {"pad_token", "tokenizer.ggml.padding_token_id"},
  };
  for (const auto& [config_key, gguf_key] : special_keys) {
    if (auto content = token_content(config, config_key)) {
      int64_t id = id_of(*content);
      if (id >= 0) md.set(gguf_key, gguf::Value::u32(static_cast<uint32_t>(id)));
    }
  }

  // add_bos/add_eos: tokenizer_config wins; otherwise read the post-processor template.
  std::optional<bool> add_bos, add_eos;
  if (const Json* v = config.find("add_bos_token"); v && v->is_bool()) add_bos = v->as_bool();
  if (const Json* v = config.find("add_eos_token"); v && v->is_bool()) add_eos = v->as_bool();
  if (const Json* pp = tj.top.find("post_processor"); pp && pp->is_object()) {
    const Json* tp = pp;
    if (pp->get_string("type") == "Sequence") {
      tp = nullptr;
      if (const Json* list = pp->find("processors"); list && list->is_array()) {
        for (const Json& p : list->as_array()) {
          if (p.is_object() && p.get_string("type") == "TemplateProcessing") tp = &p;
        }
      }
    }
    if (tp && tp->get_string("type") == "TemplateProcessing") {
      if (const Json* single = tp->find("single"); single && single->is_array() && !single->as_array().empty()) {
        const auto& items = single->as_array();
        auto special_id = [&](const Json& item) -> int64_t {
          const Json* st = item.find("SpecialToken");
          return st ? id_of(st->get_string("id")) : -1;
        };
        int64_t first = special_id(items.front()), last = special_id(items.back());
        if (!add_bos) add_bos = first >= 0;
        if (!add_eos) add_eos = items.size() > 1 && last >= 0;
        if (first >= 0 && !md.contains("tokenizer.ggml.bos_token_id"))
          md.set("tokenizer.ggml.bos_token_id", gguf::Value::u32(static_cast<uint32_t>(first)));
        if (items.size() > 1 && last >= 0 && !md.contains("tokenizer.ggml.eos_token_id"))
          md.set("tokenizer.ggml.eos_token_id", gguf::Value::u32(static_cast<uint32_t>(last)));
      }
    }
  }
  if (add_bos) md.set("tokenizer.ggml.add_bos_token", gguf::Value::boolean(*add_bos));
  if (add_eos) md.set("tokenizer.ggml.add_eos_token", gguf::Value::boolean(*add_eos));

  if (const Json* ct = config.find("chat_template")) {
    if (ct->is_string()) {
      md.set("tokenizer.chat_template", gguf::Value::string(ct->as_string()));
    } else if (ct->is_array()) {
      for (const Json& t : ct->as_array()) {
        if (!t.is_object()) continue;
        std::string name = t.get_string("name"), text = t.get_string("template");
        if (name.empty() || text.empty()) continue;
        md.set(name == "default" ? "tokenizer.chat_template" : "tokenizer.chat_template." + name, gguf::Value::string(text));
      }
    }
  }
  return md;
}

}  // namespace hearth::tok
