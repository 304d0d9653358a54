// tests/engine/embedding_support.h — helpers the embedding checks share (engine_embed suite and
// the CUDA suite): the model's output matrix dequantized on the host, to turn a hidden state into
// logits independently of the engine's LM head, and fixture copies with a pooling_type.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/model.h"
#include "gguf/reader.h"

namespace hearth::test {

// The output matrix as f32 rows (n_embd values per vocabulary entry) and its bias, if any:
// output.weight, or token_embd.weight when the embeddings are tied; dequantized with kernels/cpu.
struct OutputHead {
  int64_t n_embd = 0, n_vocab = 0;
  std::vector<float> weight;  // n_vocab × n_embd
  std::vector<float> bias;    // n_vocab, or empty
};
OutputHead read_output_head(const gguf::GgufFile& file);

// Logits W·h (+ bias), accumulated in double. Throws std::invalid_argument on a size mismatch.
std::vector<float> apply_head(const OutputHead& head, std::span<const float> hidden);

// A fixture model (fixtures/models/<file_name>) with {arch}.pooling_type = `pooling` added, built
// in memory with gguf::GgufWriter and loaded with `options`.
std::unique_ptr<engine::Model> load_with_pooling(const std::string& file_name, int32_t pooling, const engine::ModelOptions& options = {});

}  // namespace hearth::test
