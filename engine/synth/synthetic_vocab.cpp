#include "engine/synth/synthetic_vocab.h"

#include <stdexcept>
#include <unordered_set>

#include "common/utf8.h"

namespace hearth::synth {
namespace {

// GPT-2 byte encoder (spec §4.4): printable bytes map to themselves, the other 68 bytes to
// U+0100 onwards in increasing byte order.
std::vector<std::string> byte_tokens() {
  std::vector<std::string> out(256);
  char32_t next = 0x100;
  for (int b = 0; b < 256; ++b) {
    bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
    std::string s;
    utf8_append(s, printable ? static_cast<char32_t>(b) : next++);
    out[b] = s;
  }
  return out;
}

uint64_t splitmix(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

const char* kLlama3Template =
    "{{- bos_token }}{%- for message in messages %}{{- '<|start_header_id|>' + message['role'] + "
    "'<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}{%- endfor %}{%- if "
    "add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{%- endif %}";

const char* kChatmlTemplate =
    "{%- for message in messages %}{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + "
    "'<|im_end|>\\n' }}{%- endfor %}{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";

}  // namespace

SyntheticVocab make_synthetic_vocab(uint32_t n_vocab, std::string_view chat_family, uint64_t seed) {
  std::vector<std::string> specials;
  uint32_t first_special;
  SyntheticVocab v;
  if (chat_family == "llama3") {
    if (n_vocab < 128256) throw std::invalid_argument("a Llama 3 vocabulary needs 128256 tokens");
    first_special = 128000;
    for (uint32_t i = 0; i < 256; ++i) specials.push_back("<|reserved_special_token_" + std::to_string(i) + "|>");
    specials[0] = "<|begin_of_text|>";
    specials[1] = "<|end_of_text|>";
    specials[6] = "<|start_header_id|>";
    specials[7] = "<|end_header_id|>";
    specials[8] = "<|eom_id|>";
    specials[9] = "<|eot_id|>";
    specials[10] = "<|python_tag|>";
    v.bos_id = 128000;
    v.eos_id = 128009;
    v.eot_id = 128009;
    v.add_bos = true;
    v.chat_template = kLlama3Template;
  } else {
    specials = {"<|endoftext|>", "<|im_start|>", "<|im_end|>"};
    first_special = n_vocab - 256;
    while (specials.size() < 256) specials.push_back("<|extra_" + std::to_string(specials.size()) + "|>");
    v.bos_id = first_special;
    v.eos_id = first_special + 2;
    v.eot_id = first_special + 2;
    v.chat_template = kChatmlTemplate;
  }

  std::vector<std::string> tokens = byte_tokens();
  std::unordered_set<std::string> seen(tokens.begin(), tokens.end());
  v.merges.reserve(first_special);
  uint64_t state = seed;
  while (tokens.size() < first_special) {
    // Pair recent tokens more often so multi-character tokens keep growing.
    std::size_t n = tokens.size();
    std::size_t a = splitmix(state) % n, b = splitmix(state) % n;
    if (splitmix(state) % 2) a = n - 1 - (a % std::min<std::size_t>(n, 4096));
    std::string merged = tokens[a] + tokens[b];
    if (merged.size() > 24 || !seen.insert(merged).second) continue;
    v.merges.push_back(tokens[a] + " " + tokens[b]);
    tokens.push_back(std::move(merged));
  }
  v.token_types.assign(tokens.size(), 1);
  for (uint32_t i = 0; tokens.size() < n_vocab; ++i) {
    tokens.push_back(specials[i]);
    v.token_types.push_back(3);
  }
  v.tokens = std::move(tokens);
  return v;
}

void write_vocab_metadata(gguf::GgufWriter& w, const SyntheticVocab& v, std::string_view pre) {
  using gguf::Array;
  using gguf::Value;
  w.set("tokenizer.ggml.model", Value::string("gpt2"));
  w.set("tokenizer.ggml.pre", Value::string(std::string(pre)));
  w.set("tokenizer.ggml.tokens", Value::array(Array::of_strings(v.tokens)));
  w.set("tokenizer.ggml.token_type", Value::array(Array::of(v.token_types)));
  w.set("tokenizer.ggml.merges", Value::array(Array::of_strings(v.merges)));
  w.set("tokenizer.ggml.bos_token_id", Value::u32(v.bos_id));
  w.set("tokenizer.ggml.eos_token_id", Value::u32(v.eos_id));
  if (v.eot_id >= 0) w.set("tokenizer.ggml.eot_token_id", Value::u32(static_cast<uint32_t>(v.eot_id)));
  w.set("tokenizer.ggml.add_bos_token", Value::boolean(v.add_bos));
  w.set("tokenizer.chat_template", Value::string(v.chat_template));
}

}  // namespace hearth::synth
