// engine/synth/presets.h — shapes of real models, for synthetic random-weight files.
//
// `hearth gen-model --preset NAME` writes a model with exactly the tensor shapes, hyper-parameters
// and vocabulary size of a published model but random weights. Throughput does not depend on
// the weight values, so these files make benchmarks comparable with llama.cpp's on the real model.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace hearth::synth {

struct RopeFreqFactors {  // Llama 3.1-style rope_freqs.weight (spec §3.4); factor 0 = none
  float factor = 0;
  float low_freq_factor = 1;
  float high_freq_factor = 4;
  uint32_t original_context = 8192;
};

struct ModelPreset {
  std::string_view name;
  std::string_view architecture;  // "llama", "qwen2", "qwen3"
  std::string_view display_name;  // general.name
  uint32_t n_embd;
  uint32_t n_layer;
  uint32_t n_head;
  uint32_t n_head_kv;
  uint32_t head_dim;
  uint32_t n_ff;
  uint32_t n_vocab;
  uint32_t context_length;
  float rope_base;
  float rms_eps;
  bool tied_embeddings;
  bool qkv_bias;   // qwen2
  bool qk_norm;    // qwen3
  RopeFreqFactors rope_freqs;
  std::string_view tokenizer_pre;  // tokenizer.ggml.pre
  std::string_view chat_family;    // "llama3" or "chatml": which chat template to embed

  uint64_t parameter_count() const;
};

std::span<const ModelPreset> presets();
// Throws std::invalid_argument listing the known presets when `name` is unknown.
const ModelPreset& find_preset(std::string_view name);

}  // namespace hearth::synth
