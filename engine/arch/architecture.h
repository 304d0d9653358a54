// engine/arch/architecture.h — what every model architecture provides, and how one is chosen.
//
// An architecture file (llama.cpp, qwen2.cpp, qwen3.cpp) binds its weights by GGUF name into
// plain structs, shape-checked against the hyper-parameters, and expresses the forward pass with
// Stream ops (backend.h). The registry (registry.cpp) maps `general.architecture` to the file
// that implements it:
//
//   auto arch = load_architecture(file, hparams, backend);   // throws ModelError
//   Tensor logits = arch->forward(ops, batch, kv, ForwardOutput::Logits);   // {n_vocab, outputs}
//   Tensor hidden = arch->forward(ops, batch, kv, ForwardOutput::Hidden);   // {n_embd, outputs}
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "engine/backend.h"
#include "engine/kv_cache.h"
#include "engine/model_hparams.h"
#include "gguf/reader.h"

namespace hearth::engine {

// What forward() returns for the output rows: the logits, or the final hidden state — the
// residual stream after the output norm, the vector the LM head multiplies (llama.cpp's
// embeddings of a model without pooling). Hidden skips the LM head.
enum class ForwardOutput { Logits, Hidden };

class Architecture {
 public:
  virtual ~Architecture() = default;

  // Runs the model on one chunk: writes K/V of every entry into its (slot, position) cell and
  // returns the logits {n_vocab, output_rows.size()} (or the hidden states {n_embd, …}, see
  // ForwardOutput) of the entries in batch.output_rows, allocated in the stream's scratch (valid
  // until the next forward). With no output rows it returns an empty tensor and skips everything
  // after the last layer's attention.
  virtual Tensor forward(Stream& ops, const ForwardBatch& batch, const KvCache& kv, ForwardOutput output) const = 0;

  // How keys are rotated before they are cached (a context shift re-rotates them).
  virtual const RopeConfig& key_rope() const = 0;
};

// Builds the architecture named by hp.arch with weights bound through `backend`.
std::unique_ptr<Architecture> load_architecture(const gguf::GgufFile& file, const ModelHParams& hp, Backend& backend);
bool is_supported_architecture(std::string_view name);
std::vector<std::string_view> supported_architectures();

// Helpers shared by the architecture files.
RopeConfig make_rope_config(const ModelHParams& hp, RopeMode mode, const Tensor& freq_factors);
AttentionConfig make_attention_config(const ModelHParams& hp);

// One entry per architecture file.
std::unique_ptr<Architecture> make_llama(const gguf::GgufFile& file, const ModelHParams& hp, Backend& backend);
std::unique_ptr<Architecture> make_qwen2(const gguf::GgufFile& file, const ModelHParams& hp, Backend& backend);
std::unique_ptr<Architecture> make_qwen3(const gguf::GgufFile& file, const ModelHParams& hp, Backend& backend);

}  // namespace hearth::engine
