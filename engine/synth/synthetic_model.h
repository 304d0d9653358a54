// engine/synth/synthetic_model.h — writing random-weight GGUF models of real shapes.
//
// The file is a complete, loadable model: architecture hyper-parameters, a byte-level BPE
// vocabulary of the preset's real size (256 byte tokens, synthetic merges building the rest, the
// family's special tokens at their real ids), a chat template, and every tensor of the
// architecture. Weights are random:
//  * F32/F16/BF16 tensors get Gaussian values (σ = 0.02; norms ≈ 1);
//  * quantized tensors get random blocks with their scale fields set to magnitudes that give
//    dequantized weights of about the same σ. That is what a quantizer would produce from random
//    input up to the exact values, at a fraction of the cost (an 8B model is written in seconds),
//    and throughput does not depend on the values.
// Which type each tensor gets is decided by the caller's TypeChooser (normally llama.cpp's
// per-tensor rules for a file type such as Q4_K_M).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "engine/quantize/file_types.h"
#include "engine/synth/presets.h"
#include "gguf/types.h"

namespace hearth::synth {

struct TensorSpec {
  std::string name;             // GGUF name, e.g. "blk.3.ffn_down.weight"
  std::vector<uint64_t> ne;     // dimensions, innermost first
  int layer = -1;               // block index, -1 for global tensors
};

// Picks the stored type of a tensor (it must accept ne[0] as a multiple of its block size).
using TypeChooser = std::function<gguf::TensorType(const TensorSpec& tensor)>;

struct SyntheticOptions {
  uint64_t seed = 42;
  int threads = 0;          // 0 = all cores
  uint32_t file_type = 0;   // written as general.file_type
};

// Every tensor the preset's architecture has, in llama.cpp's usual file order.
std::vector<TensorSpec> tensor_specs(const ModelPreset& preset);

// The types llama-quantize would give each tensor of the preset for a file type (Q4_K_M, ...),
// from engine/quantize's per-tensor rules.
TypeChooser file_type_chooser(const ModelPreset& preset, quantize::FileType ftype);

// Bytes of tensor data the model will hold (what llama-bench reports as the model size).
uint64_t weight_bytes(const ModelPreset& preset, const TypeChooser& choose_type);

// Writes the model atomically to `path`. Returns the number of bytes of tensor data.
uint64_t write_synthetic_model(const ModelPreset& preset, const TypeChooser& choose_type,
                               const std::filesystem::path& path, const SyntheticOptions& options);

}  // namespace hearth::synth
