// engine/model_hparams.h — a model's hyper-parameters, read from GGUF metadata and validated.
//
//   ModelHParams hp = read_hparams(file);    // throws ModelError naming the file and the key
//
// Keys follow spec §3.1 with the `{arch}.` prefix. Everything an architecture relies on is checked
// here, before any tensor is touched, with messages a user can act on: missing or mistyped keys,
// zero heads, head_count_kv that does not divide head_count, an embedding width that does not
// split into heads, unknown rope scaling types. Tensor shapes are checked later, when the
// architecture binds its weights (arch/weights.h), against the values derived here.
#pragma once

#include <cstdint>
#include <string>

#include "engine/errors.h"
#include "gguf/reader.h"

namespace hearth::engine {

enum class RopeScaling { None, Linear, Yarn, LongRope };

// How a sentence embedding is pooled from per-token hidden states: {arch}.pooling_type, with
// llama.cpp's numbering (0 none, 1 mean, 2 cls, 3 last, 4 rank; -1 "unspecified" reads as none).
// Generative models carry no key (None); Context::embed then takes the last token, as Ollama does.
enum class PoolingType { None = 0, Mean = 1, Cls = 2, Last = 3, Rank = 4 };
const char* pooling_type_name(PoolingType p);

struct ModelHParams {
  std::string arch;          // general.architecture
  uint32_t n_vocab = 0;      // tokenizer.ggml.tokens count, else {arch}.vocab_size, else token_embd rows
  uint32_t n_ctx_train = 0;  // {arch}.context_length
  uint32_t n_embd = 0;
  uint32_t n_layer = 0;
  uint32_t n_ff = 0;
  uint32_t n_head = 0;
  uint32_t n_head_kv = 0;
  uint32_t head_dim = 0;     // key_length (default n_embd / n_head)
  uint32_t head_dim_v = 0;   // value_length (default head_dim)
  uint32_t n_rot = 0;        // rope.dimension_count (default head_dim)
  float rms_eps = 0.0f;

  float rope_freq_base = 10000.0f;
  RopeScaling rope_scaling = RopeScaling::Linear;
  float rope_freq_scale = 1.0f;   // 1 / rope.scaling.factor
  uint32_t n_ctx_orig = 0;        // rope.scaling.original_context_length (default n_ctx_train)
  float rope_attn_factor = 1.0f;  // rope.scaling.attn_factor
  float yarn_ext_factor = 0.0f;   // 1 when rope scaling is YaRN
  float yarn_beta_fast = 32.0f;
  float yarn_beta_slow = 1.0f;

  PoolingType pooling = PoolingType::None;  // {arch}.pooling_type

  uint32_t n_embd_q() const { return head_dim * n_head; }
  uint32_t n_embd_k() const { return head_dim * n_head_kv; }
  uint32_t n_embd_v() const { return head_dim_v * n_head_kv; }
  uint32_t n_gqa() const { return n_head / n_head_kv; }
};

// Reads and validates the hyper-parameters every supported architecture shares.
ModelHParams read_hparams(const gguf::GgufFile& file);

}  // namespace hearth::engine
