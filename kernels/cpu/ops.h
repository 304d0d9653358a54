// kernels/cpu/ops.h — the non-matmul CPU kernels of a transformer forward pass.
//
// Row kernels (one token's activation row at a time): RMSNorm, residual add, SwiGLU/GeGLU, RoPE;
// and attention of a batch of query rows over a KV cache stored as F32, F16, Q8_0 or Q4_0 rows.
// Every kernel follows llama.cpp's CPU arithmetic (spec §3.3) so that logits agree with it:
// RMSNorm sums squares in double, RoPE builds its angles iteratively in f32, softmax sums in
// double, and attention with an F16 cache rounds Q and the softmax weights to f16 like ggml's
// mul_mat with an F16 operand.
//
//   cpu::rms_norm(x, weight, y, n_embd, eps);
//   cpu::rope_angles(params, position, cos_sin);                 // once per token
//   cpu::rope_apply(RopeMode::Normal, n_rot, head_dim, n_head, cos_sin, q_row);
//   cpu::attention(shape, queries, pool);                         // all tokens × heads in parallel
//
// The public functions pick the AVX2 variant at run time when the CPU has it (cpu_features.h);
// `reference::` holds the plain scalar versions, which the tests use as the oracle for the SIMD
// paths and which the CUDA kernels are checked against.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "gguf/types.h"
#include "kernels/cpu/thread_pool.h"

namespace hearth::cpu {

// ---- element-wise rows -------------------------------------------------------------------------

// y[i] = x[i] · (1/sqrtf(mean + eps)) · w[i], mean = f32(Σ x² (in double) / n). `w` may be null
// (no weight). y may alias x.
void rms_norm(const float* x, const float* w, float* y, int64_t n, float eps);
// y = a + b (y may alias a or b).
void add(const float* a, const float* b, float* y, int64_t n);
// y = silu(gate) ⊙ up, silu(x) = x / (1 + e^-x). y may alias gate or up.
void swiglu(const float* gate, const float* up, float* y, int64_t n);
// y = gelu(gate) ⊙ up with the tanh form of GELU evaluated in f32.
void gelu_glu(const float* gate, const float* up, float* y, int64_t n);

// ---- rotary position embedding -----------------------------------------------------------------

enum class RopeMode {
  Normal,  // rotate adjacent pairs (2i, 2i+1) — llama-arch GGUFs
  Neox,    // rotate (i, i + n_rot/2) — qwen2/qwen3/gemma/phi3
};

struct RopeParams {
  RopeMode mode = RopeMode::Normal;
  int n_rot = 0;                        // rotated dimensions per head (even, ≤ head_dim)
  float freq_base = 10000.0f;
  float freq_scale = 1.0f;              // 1 / rope scaling factor
  const float* freq_factors = nullptr;  // n_rot/2 divisors of θ_i (rope_freqs), or null
  // YaRN (ext_factor ≠ 0 only when the scaling type is "yarn").
  float ext_factor = 0.0f;
  float attn_factor = 1.0f;  // multiplies cos and sin
  float beta_fast = 32.0f;
  float beta_slow = 1.0f;
  int n_ctx_orig = 0;
};

// Fills cos_sin[2i] = cos θ_i · mscale and cos_sin[2i+1] = sin θ_i · mscale for i < n_rot/2 at
// `position`, with θ_0 = position and θ_{i+1} = θ_i · base^(−2/n_rot) in f32 (llama.cpp CPU).
void rope_angles(const RopeParams& params, float position, float* cos_sin);
// Rotates the first n_rot elements of each of n_head heads (head_dim apart) of `x` in place.
void rope_apply(RopeMode mode, int n_rot, int head_dim, int n_head, const float* cos_sin, float* x);

// ---- KV cache rows -------------------------------------------------------------------------------

// KV cache element types: F32, F16, Q8_0 or Q4_0 (the block types need head_dim to be a multiple
// of 32).
bool is_supported_kv_type(gguf::TensorType type);
// Converts n floats into one cache row of `type` (F16: round to nearest even; Q8_0, Q4_0: as
// llama.cpp's CPU copy into a tensor of that type).
void kv_store_row(gguf::TensorType type, const float* src, void* dst, int64_t n);
// Converts one cache row back to floats.
void kv_load_row(gguf::TensorType type, const void* src, float* dst, int64_t n);

// ---- attention -----------------------------------------------------------------------------------

struct AttentionShape {
  int n_head = 0;         // query heads
  int n_head_kv = 0;      // key/value heads; query head h reads KV head h / (n_head / n_head_kv)
  int head_dim = 0;
  float scale = 0.0f;     // score = scale · (q · k), usually 1/√head_dim
  gguf::TensorType kv_type = gguf::TensorType::F32;
  std::size_t kv_row_bytes = 0;  // bytes from one cached position to the next (K and V alike)
};

// One query row and the keys it may see: cached positions [0, n_kv) starting at `k` and `v`
// (position s of KV head g lives at k + s·kv_row_bytes + g·(bytes of head_dim elements)).
struct AttentionQuery {
  const float* q = nullptr;  // n_head · head_dim floats
  float* out = nullptr;      // n_head · head_dim floats, heads concatenated in order
  const uint8_t* k = nullptr;
  const uint8_t* v = nullptr;
  int64_t n_kv = 0;          // ≥ 1
};

// Causal attention is expressed by n_kv: a token at position p sees positions 0..p, so n_kv = p+1.
// Scores and softmax in f32 (sum in double); (token, head) pairs are spread across the pool.
void attention(const AttentionShape& shape, std::span<const AttentionQuery> queries, ThreadPool& pool);

namespace reference {
void rms_norm(const float* x, const float* w, float* y, int64_t n, float eps);
void add(const float* a, const float* b, float* y, int64_t n);
void swiglu(const float* gate, const float* up, float* y, int64_t n);
void gelu_glu(const float* gate, const float* up, float* y, int64_t n);
void rope_apply(RopeMode mode, int n_rot, int head_dim, int n_head, const float* cos_sin, float* x);
// Single-threaded scalar attention (the oracle for the SIMD path).
void attention(const AttentionShape& shape, std::span<const AttentionQuery> queries);
}  // namespace reference

}  // namespace hearth::cpu
