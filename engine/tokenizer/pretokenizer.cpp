#include "engine/tokenizer/pretokenizer.h"

#include <array>

#include "engine/tokenizer/tokenizer.h"
#include "engine/tokenizer/unicode.h"

namespace hearth::tok {
namespace {

// Pattern texts, as llama.cpp's llm_tokenizer_bpe lists them (regex syntax, not C escapes).
constexpr const char* kGpt2 = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S))";
constexpr const char* kLlama3 =
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* kQwen2 =
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* kQwen35 =
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* kJais2 =
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s{512}(?!\S)|\s{256}(?!\S)|\s{128}(?!\S)|\s{64}(?!\S)|\s{32}(?!\S)|\s{16}(?!\S)|\s{8}(?!\S)|\s{4}(?!\S)|\s{1,2}(?!\S)|\s{1})";
// deepseek-llm's second pattern: one character class of letter ranges, byte-identical to
// llama.cpp's (copied from the model's tokenizer.json). Six of its characters have canonical
// singleton decompositions (U+1F7D, U+1FBE, U+1FD3, U+1FDB, U+2126, U+212A) and are written as
// universal-character-names so no editor or tool can NFC-normalize them into other code points.
constexpr const char* kDeepseekLlmLetters =
    R"(\s?[A-Za-zµÀ-ÖØ-öø-ƺƼ-ƿǄ-ʓʕ-ʯͰ-ͳͶͷͻ-ͽͿΆΈ-ΊΌΎ-ΡΣ-ϵϷ-ҁҊ-ԯԱ-ՖႠ-ჅᎠ-Ᏽᏸ-ᏽᲐ-ᲺᲽ-Ჿᴀ-ᴫᵫ-ᵷᵹ-ᶚḀ-ἕἘ-Ἕἠ-ὅὈ-Ὅὐ-ὗὙὛὝὟ-)"
    "\u1F7D"
    R"(ᾀ-ᾴᾶ-ᾼ)"
    "\u1FBE"
    R"(ῂ-ῄῆ-ῌῐ-)"
    "\u1FD3"
    R"(ῖ-)"
    "\u1FDB"
    R"(ῠ-Ῥῲ-ῴῶ-ῼℂℇℊ-ℓℕℙ-ℝℤ)"
    "\u2126"
    R"(ℨ)"
    "\u212A-"
    R"(ℭℯ-ℴℹℼ-ℿⅅ-ⅉⅎↃↄⰀ-ⱻⱾ-ⳤⳫ-ⳮⳲⳳꙀ-ꙭꚀ-ꚛꜢ-ꝯꝱ-ꞇꞋ-ꞎꭰ-ꮿﬀ-ﬆﬓ-ﬗＡ-Ｚａ-ｚ𐐀-𐑏𐒰-𐓓𐓘-𐓻𐲀-𐲲𐳀-𐳲𑢠-𑣟𞤀-𞥃]+)";
constexpr const char* kDeepseek3Main =
    R"([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* kPoro = R"( ?[^(\s|.,!?…。，、।۔،)]+)";
constexpr const char* kTekken =
    R"([^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))*((?=[\p{L}])([^A-Z]))+|[^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))+((?=[\p{L}])([^A-Z]))*|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* kGpt4o =
    R"([^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))*((?=[\p{L}])([^A-Z]))+(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|[^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))+((?=[\p{L}])([^A-Z]))*(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* kGraniteEmbMulti =
    R"([^\r\n\p{L}\p{N}]?((?=[\p{L}\p{M}])([^a-z]))*((?=[\p{L}\p{M}])([^A-Z]))+(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|[^\r\n\p{L}\p{N}]?((?=[\p{L}\p{M}])([^a-z]))+((?=[\p{L}\p{M}])([^A-Z]))*(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* kTinyAya =
    R"([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* kBailing =
    R"('(?:[sSdDmMtT]|[lL][lL]|[vV][eE]|[rR][eE])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+)";
constexpr const char* kSeedCoder =
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1}| ?[^\s\p{L}\p{N}\r\n]+|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* kUfakzeka =
    R"([^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* kExaoneMoe =
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?(?:\p{L}\p{M}*(?: \p{L}\p{M}*)*)+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]?|\s*[\r\n]|\s+(?!\S)|\s+)";
constexpr const char* kMinicpm5Main =
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}+| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

PreTokenizerSpec make(std::string family, std::vector<std::string> patterns) {
  PreTokenizerSpec s;
  s.family = std::move(family);
  s.patterns = std::move(patterns);
  return s;
}

PreTokenizerSpec with(PreTokenizerSpec s, bool clean_spaces, bool ignore_merges = false,
                      std::optional<bool> add_bos = std::nullopt) {
  s.clean_spaces = clean_spaces;
  s.ignore_merges = ignore_merges;
  s.add_bos = add_bos;
  return s;
}

struct Entry {
  std::vector<std::string_view> names;
  PreTokenizerSpec spec;
};

const std::vector<Entry>& registry() {
  static const std::vector<Entry> entries = [] {
    const auto gpt2 = make("gpt2", {kGpt2});
    const auto llama3 = make("llama3", {kLlama3});
    const auto qwen2 = make("qwen2", {kQwen2});
    const auto starcoder = make("starcoder", {R"(\p{N})", kGpt2});
    const auto deepseek3 = make("deepseek-v3", {R"(\p{N}{1,3})", R"([一-龥぀-ゟ゠-ヿ]+)", kDeepseek3Main});
    const auto poro = make("poro", {kPoro});
    std::vector<Entry> e;
    e.push_back({{"", "default"}, make("default", {R"([\p{P}\$\+<=>\^~\|]+)", kGpt2, R"(\p{N}+)", "[0-9][0-9][0-9]"})});
    e.push_back({{"llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2", "jina-v5-nano"},
                 with(llama3, true, true, true)});
    e.push_back({{"dbrx", "smaug-bpe"}, llama3});
    {
      auto glm = llama3;
      glm.no_bos = true;
      e.push_back({{"glm4", "chatglm-bpe"}, glm});
    }
    e.push_back({{"jais-2"}, make("jais-2", {kJais2})});
    e.push_back({{"minicpm5"}, with(make("minicpm5", {R"(\p{N}{1,3})", kMinicpm5Main}), true, true)});
    e.push_back({{"deepseek-llm"},
                 with(make("deepseek-llm", {R"([\r\n])", kDeepseekLlmLetters, R"(\s?[!-/:-~！-／：-～‘-‟　-。]+)", R"(\s+$)",
                                            R"([一-龥ࠀ-一가-퟿]+)", R"(\p{N}+)"}),
                      false)});
    e.push_back({{"deepseek-coder"},
                 with(make("deepseek-coder", {R"([\r\n])", R"(\s?\p{L}+)", R"(\s?\p{P}+)", R"([一-龥ࠀ-一가-퟿]+)", R"(\p{N})"}), false)});
    e.push_back({{"deepseek-v3", "hunyuan-dense", "hy_v4", "joyai-llm"}, with(deepseek3, false)});
    e.push_back({{"spark2_5"},
                 with(make("spark2_5", {R"(\p{N}{1,3})", R"([一-龥぀-ゟ゠-ヿ]+)",
                                        R"([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+|[\r\n]|\s+(?!\S)|\s+)",
                                        R"(\p{N})"}),
                      false)});
    e.push_back({{"youtu"},
                 with(make("youtu", {R"([가-힣ㄱ-ㆎ]+|[！…“”‘’—：；，、-〿︰-﹏]+|[ㄅ-ㄯ]+|[一-龥぀-ゟ゠-ヿ]+)",
                                     R"([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)"}),
                      false, true)});
    e.push_back({{"falcon"}, make("falcon", {R"([\p{P}\$\+<=>\^~\|`]+)", kGpt2, "[0-9][0-9][0-9]"})});
    e.push_back({{"mpt", "gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de", "a.x-4.0",
                  "mellum", "modern-bert", "olmo", "jais", "exaone4"},
                 gpt2});
    {
      auto roberta = gpt2;
      roberta.add_sep = true;
      e.push_back({{"jina-v1-en", "jina-v2-code", "roberta-bpe"}, roberta});
    }
    e.push_back({{"trillion", "granite-docling"}, with(gpt2, false)});
    e.push_back({{"starcoder", "refact", "codeshell", "exaone", "minerva-7b", "mellum2"}, starcoder});
    e.push_back({{"command-r", "smollm"}, with(starcoder, false)});
    e.push_back({{"qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "hunyuan", "solar-open"}, with(qwen2, false)});
    e.push_back({{"stablelm2", "megrez"}, qwen2});
    e.push_back({{"qwen35"}, with(make("qwen35", {kQwen35}), false)});
    e.push_back({{"poro-chat"}, with(poro, false)});
    e.push_back({{"bloom", "gpt3-finnish"}, poro});
    e.push_back({{"viking"}, with(make("viking", {kPoro, R"(\p{N})"}), false)});
    e.push_back({{"tekken"}, with(make("tekken", {kTekken}), false, true, true)});
    e.push_back({{"chameleon"},
                 with(make("chameleon", {"<sentinel:[0-9]+>", "(IMGIMG)((A|B|C|D|E|F|G|H|I){1,4})Z", "([\\t\\n]|    |  )",
                                         R"(\p{N})", R"([\p{P}!-/:-@\[-`{-~])", kGpt2}),
                      false, false, true)});
    e.push_back({{"gpt-4o", "llama4", "kanana2", "talkie", "minimax-m2"}, with(make("gpt-4o", {kGpt4o}), false)});
    e.push_back({{"granite-embed-multi-97m"}, with(make("granite-embed-multi", {kGraniteEmbMulti}), false, true)});
    e.push_back({{"tiny_aya", "cohere2moe"}, with(make("tiny_aya", {R"(\d{1,3}(?=(?:\d{3})*\b))", kTinyAya}), false)});
    e.push_back({{"superbpe"}, with(make("superbpe", {R"(\p{N}+)", R"((?=(\d{3})+(?!\d)))"}), false)});
    e.push_back({{"bailingmoe", "bailingmoe2", "llada-moe"}, with(make("bailingmoe", {kBailing}), false)});
    e.push_back({{"seed-coder"}, with(make("seed-coder", {kSeedCoder}), false)});
    e.push_back({{"ufakzeka"}, with(make("ufakzeka", {kUfakzeka}), false)});
    e.push_back({{"grok-2"}, with(make("grok-2", {kQwen2}), false)});
    e.push_back({{"laguna"}, with(make("laguna", {"[^\\n]+|[\\n]+", kQwen2}), false)});
    e.push_back({{"exaone-moe"}, make("exaone-moe", {kExaoneMoe})});
    return e;
  }();
  return entries;
}

}  // namespace

const PreTokenizerSpec& find_pre_tokenizer(std::string_view pre) {
  for (const Entry& e : registry()) {
    for (std::string_view n : e.names) {
      if (n == pre) return e.spec;
    }
  }
  static constexpr std::array<std::string_view, 8> kOtherTokenizers = {
      "gemma4", "granite-embed-multi-311m", "sarvam-moe", "whitespace", "kimi-k2", "afmoe", "hybriddna", "jina-v2-zh"};
  for (std::string_view n : kOtherTokenizers) {
    if (n == pre) throw TokenizerError("pre-tokenizer '" + std::string(pre) + "' needs a tokenizer hearth does not implement");
  }
  throw TokenizerError("unknown pre-tokenizer type (tokenizer.ggml.pre): '" + std::string(pre) + "'");
}

PreTokenizer::PreTokenizer(const PreTokenizerSpec& spec) {
  regexes_.reserve(spec.patterns.size());
  for (const std::string& p : spec.patterns) regexes_.emplace_back(p);
}

std::vector<std::pair<std::size_t, std::size_t>> PreTokenizer::split_ranges(const PreText& text) const {
  std::vector<std::pair<std::size_t, std::size_t>> pieces;
  if (text.size() == 0) return pieces;
  pieces.emplace_back(0, text.size());
  std::vector<std::pair<std::size_t, std::size_t>> next;
  for (const Regex& re : regexes_) {
    next.clear();
    for (const auto& [b, e] : pieces) {
      std::size_t gap_start = b, from = b, mb, me;
      RegexSearch search(re, text, b, e);
      while (from < e && search.next(from, mb, me)) {
        if (me == mb) {  // an empty match only marks a split point
          if (mb > gap_start) next.emplace_back(gap_start, mb);
          gap_start = mb;
          from = mb + 1;
          continue;
        }
        if (mb > gap_start) next.emplace_back(gap_start, mb);
        next.emplace_back(mb, me);
        gap_start = from = me;
      }
      if (gap_start < e) next.emplace_back(gap_start, e);
    }
    pieces.swap(next);
  }
  return pieces;
}

std::vector<std::string> PreTokenizer::split_raw(std::string_view text) const {
  PreText t(unicode::decode_utf8(text));
  std::vector<std::string> out;
  for (const auto& [b, e] : split_ranges(t)) {
    std::string s;
    for (std::size_t i = b; i < e; ++i) unicode::append_utf8(s, t.cps[i]);
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<std::string> PreTokenizer::split(std::string_view text) const {
  PreText t(unicode::decode_utf8(text));
  std::vector<std::string> out;
  std::string utf8;
  for (const auto& [b, e] : split_ranges(t)) {
    utf8.clear();
    for (std::size_t i = b; i < e; ++i) unicode::append_utf8(utf8, t.cps[i]);
    std::string word;
    word.reserve(utf8.size() * 2);
    for (unsigned char byte : utf8) unicode::append_utf8(word, unicode::byte_to_codepoint(byte));
    out.push_back(std::move(word));
  }
  return out;
}

}  // namespace hearth::tok
