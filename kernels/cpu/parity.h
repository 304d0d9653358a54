// kernels/cpu/parity.h — "llama.cpp numerics": CPU kernels that reproduce, rounding for rounding,
// what llama.cpp's CPU backend computes when it is built natively for an x86 CPU with AVX-512
// (AVX512F/DQ/VL/VNNI/BF16, e.g. AMD Zen 4) — the machine class on which the fixtures'
// reference logprobs were produced.
//
// Why a separate path: llama.cpp re-quantizes activations before every weight product (Q8_0 /
// Q8_1 / Q8_K blocks, bf16, f16). On small models one ulp of difference in any f32 sum can flip
// one activation's rounding, and the forward pass amplifies it into logprob differences of ~0.1
// nats. Matching llama.cpp within 1e-5 therefore requires every f32 operation in the same order:
// the same SIMD lane structure of each accumulator, the same horizontal-sum trees, FMA where
// llama.cpp's code has FMA, the same exp approximation, and the same choice between the kernels
// ggml picks by weight type and batch size (vec_dot, llamafile's tinyBLAS, the repacked
// "extra buffer" GEMV/GEMM). The fast kernels (matmul.h, ops.h) are free to reorder; these are not.
//
//   cpu::parity::matmul(args, pool);            // y = W·x exactly as ggml_compute_forward_mul_mat
//   cpu::parity::swiglu(gate, up, y, n);        // ggml_vec_swiglu_f32 (AVX-512 silu, scalar tail)
//   cpu::parity::attention(shape, queries, pool);  // F32 KV cache, no flash attention
//
// Requires AVX2+FMA+F16C on the machine running it (available() says so; the functions throw
// std::runtime_error otherwise). Thread count never changes results: every output element is
// computed by one thread in a fixed order.
#pragma once

#include <cstdint>
#include <span>

#include "kernels/cpu/matmul.h"
#include "kernels/cpu/ops.h"
#include "kernels/cpu/thread_pool.h"

namespace hearth::cpu::parity {

bool available();

// Weight types with a llama.cpp-order kernel: F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0,
// Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_NL.
bool supports_weight_type(gguf::TensorType type);

// y = W·x (+bias added afterwards, as ggml_add on the product) with the kernel ggml would use for
// this weight type and args.tokens rows of activations.
void matmul(const MatmulArgs& args, ThreadPool& pool);

// y = silu(gate) ⊙ up as ggml_vec_swiglu_f32: 16-lane ggml_v_silu, scalar x/(1+expf(−x)) tail.
void swiglu(const float* gate, const float* up, float* y, int64_t n);

// The rotation of ops.h's rope_apply with ggml's per-element FMAs (angles from ops.h's
// rope_angles, which already builds θ as ggml's rope cache does).
void rope_apply(RopeMode mode, int n_rot, int head_dim, int n_head, const float* cos_sin, float* x);

// Causal attention over an F32 cache (shape.kv_type must be F32) as llama.cpp's non-flash path:
// KQ = ggml_vec_dot_f32 per key, soft_max_ext (scale, mask, AVX-512 exp, sum in double), then
// V·softmax with ggml_vec_dot_f32 for a one-token batch or llamafile's tinyBLAS otherwise —
// queries.size() is the batch size ggml saw. Keys are padded to llama.cpp's 256-cell KV window.
void attention(const AttentionShape& shape, std::span<const AttentionQuery> queries, ThreadPool& pool);

}  // namespace hearth::cpu::parity
