// kernels/cpu/matmul.h — quantized matrix products on the CPU (decode GEMV and prefill GEMM).
//
// Conventions follow ggml (spec §2.4): a weight with ne = {k, rows} is `rows` rows of k contiguous
// elements; y = W·x means y[t][r] = Σ_j W[r][j]·x[t][j] for each of the T activation rows x[t].
// Activations are converted once per call to the weight's vec_dot_type, then rows are split across
// the pool's threads in contiguous slices. Few tokens take the bandwidth-bound GEMV path (each
// thread streams its slice of the weights once); from 4 tokens on, the panel GEMM decodes 4 weight
// rows at a time into int8 levels and multiplies them with 2 tokens per register tile, so weights
// are read once per token chunk (see docs/architecture.md, "CPU kernels").
// The weight must stay valid and unchanged during the call; x, y and bias must not overlap y.
// Throws std::invalid_argument (naming type and shape) for unsupported types or bad shapes.
#pragma once

#include <cstdint>

#include "gguf/types.h"
#include "kernels/cpu/thread_pool.h"

namespace hearth::cpu {

struct MatmulArgs {
  gguf::TensorType type;  // weight type
  const void* weight;     // rows × row_bytes(type, k)
  int64_t rows;           // output features
  int64_t k;              // input features (multiple of the block size)
  const float* x;         // T rows of k floats, row stride ldx (≥ k)
  int64_t ldx;
  int64_t tokens;         // T
  float* y;               // T rows of `rows` floats, row stride ldy (≥ rows)
  int64_t ldy;
  const float* bias = nullptr;  // optional, `rows` floats added to every output row
};

void matmul(const MatmulArgs& args, ThreadPool& pool);

// Single-threaded scalar reference (dequantize-free integer dot products, as llama.cpp's
// reference path), used as the oracle for the optimized kernels and the CUDA backend.
void matmul_reference(const MatmulArgs& args);

}  // namespace hearth::cpu
