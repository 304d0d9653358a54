#include "engine/synth/presets.h"

#include <array>
#include <stdexcept>

namespace hearth::synth {

// Hyper-parameters from the published config.json files of each model.
static const std::array<ModelPreset, 5> kPresets = {{
    {"llama3.2-1b", "llama", "Llama 3.2 1B (synthetic)", 2048, 16, 32, 8, 64, 8192, 128256, 131072, 500000.0f, 1e-5f,
     true, false, false, {32.0f, 1.0f, 4.0f, 8192}, "llama-bpe", "llama3"},
    {"llama3.1-8b", "llama", "Llama 3.1 8B (synthetic)", 4096, 32, 32, 8, 128, 14336, 128256, 131072, 500000.0f, 1e-5f,
     false, false, false, {8.0f, 1.0f, 4.0f, 8192}, "llama-bpe", "llama3"},
    {"qwen2.5-0.5b", "qwen2", "Qwen2.5 0.5B (synthetic)", 896, 24, 14, 2, 64, 4864, 151936, 32768, 1000000.0f, 1e-6f, true,
     true, false, {}, "qwen2", "chatml"},
    {"qwen3-0.6b", "qwen3", "Qwen3 0.6B (synthetic)", 1024, 28, 16, 8, 128, 3072, 151936, 40960, 1000000.0f, 1e-6f, true,
     false, true, {}, "qwen2", "chatml"},
    {"smollm-135m", "llama", "SmolLM2 135M (synthetic)", 576, 30, 9, 3, 64, 1536, 49152, 8192, 100000.0f, 1e-5f, true,
     false, false, {}, "smollm", "chatml"},
}};

uint64_t ModelPreset::parameter_count() const {
  uint64_t q = uint64_t(head_dim) * n_head, kv = uint64_t(head_dim) * n_head_kv;
  uint64_t per_layer = uint64_t(n_embd) * (q + 2 * kv) + q * n_embd + 3ull * n_embd * n_ff + 2ull * n_embd;
  if (qkv_bias) per_layer += q + 2 * kv;
  if (qk_norm) per_layer += 2ull * head_dim;
  uint64_t total = per_layer * n_layer + uint64_t(n_embd) * n_vocab + n_embd;
  if (!tied_embeddings) total += uint64_t(n_embd) * n_vocab;
  return total;
}

std::span<const ModelPreset> presets() { return kPresets; }

const ModelPreset& find_preset(std::string_view name) {
  for (const ModelPreset& p : kPresets)
    if (p.name == name) return p;
  std::string known;
  for (const ModelPreset& p : kPresets) known += (known.empty() ? "" : ", ") + std::string(p.name);
  throw std::invalid_argument("unknown model preset '" + std::string(name) + "' (known: " + known + ")");
}

}  // namespace hearth::synth
