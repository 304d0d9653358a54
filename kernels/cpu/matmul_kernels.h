// kernels/cpu/matmul_kernels.h — internal: how matmul() runs one weight type.
//
// plan_matmul() picks, per call, an activation format and a kernel for the rows of one thread:
//   * generic: activations in the weight's vec_dot_type, one vec_dot (AVX2 or scalar) per
//     (token, row), walked in tiles of 16 rows × all tokens so the rows stay in cache;
//   * AVX2 specialised kernels (matmul_avx2.cpp) for the common types: they may use their own
//     activation layout (e.g. f32 block scales and block sums next to the int8 quants) and
//     register tiles of several rows × several tokens.
// matmul() converts activations with `prepare_activation`, splits the rows into slices of whole
// `row_tile`s, and calls `run` on each thread's slice.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/cpu/kernel_table.h"
#include "kernels/cpu/matmul.h"

namespace hearth::cpu::detail {

struct MatmulSlice {
  const MatmulArgs& args;
  const uint8_t* act;    // T prepared activation rows
  size_t act_row_bytes;  // stride between them
  int64_t r0, r1;        // output rows of this thread
};

struct MatmulPlan {
  size_t act_row_bytes = 0;
  int64_t row_tile = 16;
  QuantizeActFn prepare_activation = nullptr;
  VecDotFn dot = nullptr;  // used by the generic kernel
  void (*run)(const MatmulPlan& plan, const MatmulSlice& slice) = nullptr;
};

MatmulPlan plan_matmul(TensorType weight_type, int64_t k, int64_t tokens);

// The AVX2 specialised plan for this type and shape, or a plan with run == nullptr.
MatmulPlan avx2_plan_matmul(TensorType weight_type, int64_t k, int64_t tokens);

}  // namespace hearth::cpu::detail
