// engine/quantize/type_plan.h — which type each tensor gets in a quantized file (spec §2.6).
//
// Reproduces llama-quantize's choices for dense models without an importance matrix or manual
// overrides: tensors that are never quantized (1-D tensors, norms, names not ending in "weight",
// expert gates, position embeddings), the output head (Q6_K, or Q8_0 in Q8_0 files and for shapes
// that do not fit), tied embeddings taking the output treatment, the layer-dependent bumps of the
// _S/_M/_L mixes (use_more_bits), GQA/MoE/70B rules, and the shape fallbacks (Q4_K → Q5_0, ...,
// then F16). The plan is a pure function of the tensor table, so it is tested on its own.
//
//   ModelInfo info = model_info(file);                          // arch, layers, heads, experts
//   TypePlan plan = plan_tensor_types(info, describe(file), FileType::Q4_K_M);
//   plan.types[i]  // type for tensor i; plan.notes: fallbacks worth telling the user about
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/quantize/file_types.h"
#include "gguf/reader.h"

namespace hearth::quantize {

struct ModelInfo {
  std::string arch;       // general.architecture ("" when absent)
  uint32_t n_layer = 0;   // {arch}.block_count
  uint32_t n_head = 0;    // {arch}.attention.head_count
  uint32_t n_head_kv = 0; // {arch}.attention.head_count_kv (defaults to n_head)
  uint32_t n_expert = 0;  // {arch}.expert_count
};

struct TensorDesc {
  std::string name;
  uint32_t n_dims = 0;
  std::array<uint64_t, 4> ne{1, 1, 1, 1};
  gguf::TensorType type = gguf::TensorType::F32;  // type in the input file
};

struct TypePlan {
  std::vector<gguf::TensorType> types;  // one per input tensor, same order
  std::vector<std::string> notes;       // e.g. shape fallbacks
};

ModelInfo model_info(const gguf::GgufFile& file);
std::vector<TensorDesc> describe_tensors(const gguf::GgufFile& file);

// llama.cpp's use_more_bits(i, n): the layers the _M mixes give more bits.
bool use_more_bits(int layer, int n_layers);

TypePlan plan_tensor_types(const ModelInfo& model, const std::vector<TensorDesc>& tensors, FileType ftype);

}  // namespace hearth::quantize
