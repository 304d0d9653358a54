#include "engine/tokenizer/vocab.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <initializer_list>

namespace hearth::tok {
namespace {

constexpr const char* kModelKey = "tokenizer.ggml.model";
constexpr const char* kPreKey = "tokenizer.ggml.pre";
constexpr const char* kTokensKey = "tokenizer.ggml.tokens";
constexpr const char* kScoresKey = "tokenizer.ggml.scores";
constexpr const char* kTypesKey = "tokenizer.ggml.token_type";
constexpr const char* kMergesKey = "tokenizer.ggml.merges";

[[noreturn]] void fail(const std::string& msg) { throw TokenizerError(msg); }

const gguf::Array* find_typed_array(const gguf::Metadata& md, const char* key, std::initializer_list<gguf::ValueType> allowed) {
  const gguf::Value* v = md.find(key);
  if (v == nullptr) return nullptr;
  if (v->type() != gguf::ValueType::ARRAY) {
    fail(std::string(key) + ": expected an array, got " + std::string(gguf::value_type_name(v->type())));
  }
  const gguf::Array& a = v->as_array();
  for (gguf::ValueType t : allowed) {
    if (a.elem_type() == t) return &a;
  }
  std::string want;
  for (gguf::ValueType t : allowed) want += (want.empty() ? "" : " or ") + std::string(gguf::value_type_name(t));
  fail(std::string(key) + ": expected an array of " + want + ", got an array of " +
       std::string(gguf::value_type_name(a.elem_type())));
}

std::string string_key(const gguf::Metadata& md, const char* key, bool required) {
  const gguf::Value* v = md.find(key);
  if (v == nullptr) {
    if (required) fail(std::string("missing key ") + key);
    return {};
  }
  if (v->type() != gguf::ValueType::STRING) {
    fail(std::string(key) + ": expected STRING, got " + std::string(gguf::value_type_name(v->type())));
  }
  return v->as_string();
}

void bool_key(const gguf::Metadata& md, const char* key, bool& out) {
  const gguf::Value* v = md.find(key);
  if (v == nullptr) return;
  if (v->type() != gguf::ValueType::BOOL) {
    fail(std::string(key) + ": expected BOOL, got " + std::string(gguf::value_type_name(v->type())));
  }
  out = v->as_bool();
}

uint32_t attr_from_type(int32_t type) {
  switch (type) {
    case 1: return kAttrNormal;
    case 2: return kAttrUnknown;
    case 3: return kAttrControl;
    case 4: return kAttrUserDefined;
    case 5: return kAttrUnused;
    case 6: return kAttrByte;
    default: return kAttrUndefined;
  }
}

bool one_of(std::string_view s, std::initializer_list<std::string_view> list) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

// Reads a special-token id key. A default outside the vocabulary is disabled; a key outside the
// vocabulary (or negative, or not an integer) is ignored and the default kept (llama.cpp).
void special_id(const gguf::Metadata& md, const char* key, int32_t n_tokens, int32_t& id) {
  if (id >= n_tokens) id = -1;
  const gguf::Value* v = md.find(key);
  if (v == nullptr || !v->is_integer()) return;
  int64_t value;
  try {
    value = v->as_int();
  } catch (const gguf::MetadataError&) {
    return;
  }
  if (value >= 0 && value < n_tokens) id = static_cast<int32_t>(value);
}

void load_tokens(const gguf::Metadata& md, Vocab& v) {
  const gguf::Array* tokens = find_typed_array(md, kTokensKey, {gguf::ValueType::STRING});
  if (tokens == nullptr) fail(std::string("missing key ") + kTokensKey);
  if (tokens->size() > static_cast<uint64_t>(INT32_MAX)) fail(std::string(kTokensKey) + ": too many tokens");
  const auto n = static_cast<int32_t>(tokens->size());
  if (n == 0) fail(std::string(kTokensKey) + ": the vocabulary is empty");

  const gguf::Array* scores = find_typed_array(md, kScoresKey, {gguf::ValueType::FLOAT32, gguf::ValueType::INT32});
  if (scores != nullptr && scores->size() < static_cast<uint64_t>(n)) {
    fail(std::string(kScoresKey) + ": " + std::to_string(scores->size()) + " scores for " + std::to_string(n) + " tokens");
  }
  const gguf::Array* types = find_typed_array(md, kTypesKey, {gguf::ValueType::INT32});
  if (types != nullptr && types->size() < static_cast<uint64_t>(n)) {
    fail(std::string(kTypesKey) + ": " + std::to_string(types->size()) + " types for " + std::to_string(n) + " tokens");
  }

  const std::vector<std::string>& texts = tokens->strings();
  v.tokens.resize(n);
  v.token_to_id.reserve(static_cast<std::size_t>(n) * 2);
  for (int32_t i = 0; i < n; ++i) {
    TokenData& t = v.tokens[i];
    t.text = texts[i].empty() ? "[EMPTY_" + std::to_string(i) + "]" : texts[i];
    if (scores != nullptr) {
      t.score = scores->elem_type() == gguf::ValueType::FLOAT32 ? scores->as<float>()[i]
                                                                 : static_cast<float>(scores->as<int32_t>()[i]);
    }
    if (types != nullptr) {
      int32_t ty = types->as<int32_t>()[i];
      t.type = (ty >= 0 && ty <= 6) ? static_cast<TokenType>(ty) : TokenType::Undefined;
      t.attr = attr_from_type(ty);
    }
    auto [it, inserted] = v.token_to_id.emplace(t.text, i);
    if (!inserted) {
      fail(std::string(kTokensKey) + ": duplicate token '" + t.text + "' at ids " + std::to_string(it->second) +
           " and " + std::to_string(i));
    }
    v.max_token_len = std::max(v.max_token_len, t.text.size());
  }
}

void load_merges(const gguf::Metadata& md, Vocab& v) {
  const gguf::Array* merges = find_typed_array(md, kMergesKey, {gguf::ValueType::STRING});
  if (merges == nullptr) fail(std::string("missing key ") + kMergesKey + " (required for BPE vocabularies)");
  const std::vector<std::string>& list = merges->strings();
  v.bpe_ranks.reserve(list.size() * 2);
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string& m = list[i];
    std::size_t sp = m.size() > 1 ? m.find(' ', 1) : std::string::npos;
    // A merge without a separating space pairs ("", "") in llama.cpp and can never apply.
    if (sp == std::string::npos) continue;
    v.bpe_ranks.emplace(m, static_cast<int32_t>(i));
  }
}

// Auto-detection of EOT/EOM/FIM tokens and the end-of-generation set by token text (llama.cpp,
// spec §4.5). Tokens found this way become CONTROL.
void detect_special(Vocab& v) {
  struct Rule {
    int32_t* id;
    std::initializer_list<std::string_view> texts;
  };
  const std::array<Rule, 8> rules = {{
      {&v.eot, {"<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>", "<EOT>",
                "_<EOT>", "[EOT]", "<｜end▁of▁sentence｜>", "<end_of_utterance>"}},
      {&v.eom, {"<|eom_id|>"}},
      {&v.fim_pre, {"<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<｜fim▁begin｜>", "<PRE>", "▁<PRE>",
                    "<|code_prefix|>", "<|prefix|>"}},
      {&v.fim_suf, {"<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<｜fim▁hole｜>", "<SUF>", "▁<SUF>",
                    "<|code_suffix|>", "<|suffix|>"}},
      {&v.fim_mid, {"<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<｜fim▁end｜>", "<MID>", "▁<MID>",
                    "<|code_middle|>", "<|middle|>"}},
      {&v.fim_pad, {"<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"}},
      {&v.fim_rep, {"<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"}},
      {&v.fim_sep, {"<|file_sep|>"}},
  }};
  // llama.cpp walks a hash map here, so when several texts qualify its pick is arbitrary; hearth
  // takes the first qualifying text in the rule's order.
  for (const Rule& r : rules) {
    if (*r.id != -1) continue;
    for (std::string_view text : r.texts) {
      int32_t id = v.find(text);
      if (id < 0) continue;
      *r.id = id;
      v.tokens[id].attr |= kAttrControl;
      break;
    }
  }

  for (TokenData& t : v.tokens) {
    if ((t.attr & kAttrControl) && t.text.find("unused") != std::string::npos) t.attr |= kAttrUnused;
  }

  std::vector<int32_t> eog;
  for (int32_t id : {v.fim_pad, v.fim_rep, v.fim_sep}) {
    if (id >= 0) eog.push_back(id);
  }
  for (int32_t id = 0; id < v.n_tokens(); ++id) {
    TokenData& t = v.tokens[id];
    if (one_of(t.text, {"<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>",
                        "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]",
                        "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>",
                        "<｜end▁of▁sentence｜>", "[e~["})) {
      eog.push_back(id);
      t.attr |= kAttrControl;
    }
    // gpt-oss: these structural tokens are always rendered.
    if (one_of(t.text, {"<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"})) t.attr = kAttrUserDefined;
  }
  for (int32_t id : {v.eos, v.eot, v.eom}) {
    if (id >= 0) eog.push_back(id);
  }
  std::sort(eog.begin(), eog.end());
  eog.erase(std::unique(eog.begin(), eog.end()), eog.end());

  auto eog_has = [&](std::string_view text) {
    int32_t id = v.find(text);
    return id >= 0 && std::binary_search(eog.begin(), eog.end(), id) ? id : -1;
  };
  auto eog_remove = [&](int32_t id) { eog.erase(std::remove(eog.begin(), eog.end(), id), eog.end()); };
  // o200k_harmony / solar-open: "<|end|>" ends a message, not the generation.
  int32_t end_id = eog_has("<|end|>");
  bool has_call = eog_has("<|call|>") >= 0 || eog_has("<|calls|>") >= 0;
  if (end_id >= 0 && has_call && (eog_has("<|return|>") >= 0 || eog_has("<|flush|>") >= 0)) {
    eog_remove(end_id);
    v.tokens[end_id].attr = kAttrUserDefined;
  }
  // gemma4 / paddleocr: "</s>" is not an end-of-generation token there.
  int32_t s_id = eog_has("</s>");
  if (s_id >= 0 && eog_has("<|tool_response>") >= 0) {
    eog_remove(s_id);
    v.tokens[s_id].attr = kAttrNormal;
  }
  v.eog_ids = std::move(eog);
}

void set_attr(Vocab& v, std::string_view text, uint32_t attr, bool on) {
  int32_t id = v.find(text);
  if (id < 0) return;
  if (on) v.tokens[id].attr |= attr;
  else v.tokens[id].attr &= ~attr;
}

// Per-model attribute fixes keyed on names (llama.cpp; the phi-3 rule matters for its vectors).
void apply_name_rules(const gguf::Metadata& md, Vocab& v) {
  std::string name = md.get_string_or("general.name", "");
  std::string arch = md.get_string_or("general.architecture", "");
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto contains = [](const std::string& s, std::initializer_list<std::string_view> subs) {
    for (std::string_view x : subs) {
      if (s.find(x) != std::string::npos) return true;
    }
    return false;
  };
  if (contains(v.pre, {"jina-v2-de", "jina-v2-es", "jina-v2-code"}) || contains(arch, {"nomic-bert-moe", "jina-bert-v3"})) {
    set_attr(v, "<mask>", kAttrLstrip, true);
  } else if (contains(name, {"phi-3", "phi3"})) {
    for (int32_t id : v.special_candidates) v.tokens[id].attr |= kAttrRstrip;
    set_attr(v, "</s>", kAttrRstrip, true);
    for (std::string_view t : {"<unk>", "<s>", "<|endoftext|>"}) set_attr(v, t, kAttrRstrip, false);
  } else if (contains(name, {"modern-bert"})) {
    set_attr(v, "[MASK]", kAttrLstrip, true);
  }
}

}  // namespace

Vocab Vocab::from_metadata(const gguf::Metadata& md) {
  Vocab v;
  v.model = string_key(md, kModelKey, true);
  v.pre = string_key(md, kPreKey, false);

  if (v.model == "llama") {
    v.kind = VocabKind::Spm;
    v.bos = 1;
    v.eos = 2;
    v.unk = 0;
    v.add_space_prefix = true;
    v.add_bos = true;
  } else if (v.model == "bert") {
    v.kind = VocabKind::Wpm;
    v.bos = 101;
    v.unk = 100;
    v.sep = 102;
    v.pad = 0;
    v.mask = 103;
    v.add_bos = true;
    v.add_sep = true;
    v.clean_spaces = true;
  } else if (v.model == "gpt2") {
    v.kind = VocabKind::Bpe;
    v.bos = 11;
    v.eos = 11;
    v.clean_spaces = true;
    v.pre_spec = &find_pre_tokenizer(v.pre);
    v.clean_spaces = v.pre_spec->clean_spaces;
    v.ignore_merges = v.pre_spec->ignore_merges;
    if (v.pre_spec->add_bos) v.add_bos = *v.pre_spec->add_bos;
    v.add_sep = v.pre_spec->add_sep;
    if (v.pre_spec->no_bos) v.bos = -1;
  } else if (v.model.empty() || v.model == "no_vocab" || v.model == "none") {
    fail("this file has no vocabulary (tokenizer.ggml.model = '" + v.model + "')");
  } else {
    fail("unsupported tokenizer model (tokenizer.ggml.model): '" + v.model + "'");
  }
  bool_key(md, "tokenizer.ggml.add_space_prefix", v.add_space_prefix);

  load_tokens(md, v);
  if (v.kind == VocabKind::Bpe) load_merges(md, v);

  const int32_t n = v.n_tokens();
  const std::array<std::pair<const char*, int32_t*>, 17> ids = {{
      {"tokenizer.ggml.bos_token_id", &v.bos},
      {"tokenizer.ggml.eos_token_id", &v.eos},
      {"tokenizer.ggml.eot_token_id", &v.eot},
      {"tokenizer.ggml.eom_token_id", &v.eom},
      {"tokenizer.ggml.unknown_token_id", &v.unk},
      {"tokenizer.ggml.seperator_token_id", &v.sep},
      {"tokenizer.ggml.padding_token_id", &v.pad},
      {"tokenizer.ggml.mask_token_id", &v.mask},
      {"tokenizer.ggml.fim_pre_token_id", &v.fim_pre},
      {"tokenizer.ggml.fim_suf_token_id", &v.fim_suf},
      {"tokenizer.ggml.fim_mid_token_id", &v.fim_mid},
      {"tokenizer.ggml.fim_pad_token_id", &v.fim_pad},
      {"tokenizer.ggml.fim_rep_token_id", &v.fim_rep},
      {"tokenizer.ggml.fim_sep_token_id", &v.fim_sep},
      {"tokenizer.ggml.prefix_token_id", &v.fim_pre},  // deprecated spellings
      {"tokenizer.ggml.suffix_token_id", &v.fim_suf},
      {"tokenizer.ggml.middle_token_id", &v.fim_mid},
  }};
  for (const auto& [key, id] : ids) special_id(md, key, n, *id);

  bool_key(md, "tokenizer.ggml.add_bos_token", v.add_bos);
  bool_key(md, "tokenizer.ggml.add_eos_token", v.add_eos);
  bool_key(md, "tokenizer.ggml.add_sep_token", v.add_sep);
  if (v.add_bos && v.bos < 0) fail("tokenizer.ggml.add_bos_token is true, but tokenizer.ggml.bos_token_id is not set");
  if (v.add_eos && v.eos < 0) fail("tokenizer.ggml.add_eos_token is true, but tokenizer.ggml.eos_token_id is not set");
  if (v.add_sep && v.sep < 0 && v.kind == VocabKind::Wpm) {
    fail("tokenizer.ggml.add_sep_token is true, but tokenizer.ggml.seperator_token_id is not set");
  }
  bool_key(md, "tokenizer.ggml.normalizer.lowercase", v.wpm_lowercase);
  v.wpm_strip_accents = v.wpm_lowercase;
  bool_key(md, "tokenizer.ggml.normalizer.strip_accents", v.wpm_strip_accents);

  detect_special(v);

  for (int32_t id = 0; id < n; ++id) {
    if (v.tokens[id].attr & (kAttrControl | kAttrUserDefined | kAttrUnknown)) v.special_candidates.push_back(id);
  }
  std::stable_sort(v.special_candidates.begin(), v.special_candidates.end(),
                   [&](int32_t a, int32_t b) { return v.tokens[a].text.size() > v.tokens[b].text.size(); });

  apply_name_rules(md, v);
  return v;
}

int32_t Vocab::bpe_rank(std::string_view left, std::string_view right, std::string& scratch) const {
  scratch.assign(left);
  scratch += ' ';
  scratch += right;
  auto it = bpe_ranks.find(std::string_view(scratch));
  return it == bpe_ranks.end() ? -1 : it->second;
}

bool Vocab::is_eog(int32_t id) const { return id >= 0 && std::binary_search(eog_ids.begin(), eog_ids.end(), id); }

namespace {
bool c_isspace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }
}  // namespace

std::vector<Fragment> partition_special(const Vocab& v, std::string_view text, bool parse_special) {
  std::vector<Fragment> frags;
  if (text.empty()) return frags;
  frags.push_back({-1, text});
  std::vector<Fragment> next;
  for (int32_t id : v.special_candidates) {
    const TokenData& tok = v.tokens[id];
    if (!parse_special && (tok.attr & (kAttrControl | kAttrUnknown))) continue;
    const std::string_view needle = tok.text;
    bool any = false;
    for (const Fragment& f : frags) {
      if (f.token < 0 && f.text.find(needle) != std::string_view::npos) {
        any = true;
        break;
      }
    }
    if (!any) continue;
    next.clear();
    for (const Fragment& f : frags) {
      if (f.token >= 0) {
        next.push_back(f);
        continue;
      }
      std::string_view rest = f.text;
      for (;;) {
        std::size_t m = rest.find(needle);
        if (m == std::string_view::npos) break;
        std::string_view left = rest.substr(0, m);
        if (tok.attr & kAttrLstrip) {
          while (!left.empty() && c_isspace(left.back())) left.remove_suffix(1);
        }
        if (!left.empty()) next.push_back({-1, left});
        next.push_back({id, {}});
        rest.remove_prefix(m + needle.size());
        if (tok.attr & kAttrRstrip) {
          while (!rest.empty() && c_isspace(rest.front())) rest.remove_prefix(1);
        }
      }
      if (!rest.empty()) next.push_back({-1, rest});
    }
    frags.swap(next);
  }
  return frags;
}

}  // namespace hearth::tok
