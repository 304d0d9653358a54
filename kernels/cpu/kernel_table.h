// kernels/cpu/kernel_table.h — internal: per-ISA function tables behind the public quant/matmul API.
//
// Each ISA variant lives in its own translation unit compiled with its own -m flags (see
// kernels/cpu/CMakeLists.txt) and exposes plain function pointers looked up by weight type;
// quant.cpp and matmul.cpp pick the variant once per call from simd_level(). A nullptr entry means
// "no kernel for this type in this ISA": callers fall back to the scalar table, which covers every
// supported type. Nothing outside kernels/cpu includes this header.
#pragma once

#include <cstdint>

#include "gguf/types.h"

namespace hearth::cpu::detail {

using gguf::TensorType;

// Dot product of one weight row with one activation row in the weight's vec_dot_type.
using VecDotFn = float (*)(int64_t n, const void* weight_row, const void* activation_row);
// Converts one f32 row to an activation format (Q8_0, Q8_1, Q8_K, F16, BF16, F32).
using QuantizeActFn = void (*)(const float* x, void* dst, int64_t n);

VecDotFn scalar_vec_dot(TensorType weight_type);  // every supported weight type
VecDotFn avx2_vec_dot(TensorType weight_type);    // nullptr where AVX2 has no kernel

QuantizeActFn scalar_quantize_activation(TensorType act_type);
QuantizeActFn avx2_quantize_activation(TensorType act_type);

// Q8_0 activation quantization of one row with llama.cpp's AVX2 semantics (127/amax, round half
// to even); the scalar and AVX2 versions produce identical bytes.
void quantize_act_q8_0_scalar(const float* x, void* dst, int64_t n);
void quantize_act_q8_1_scalar(const float* x, void* dst, int64_t n);
void quantize_act_q8_k_scalar(const float* x, void* dst, int64_t n);

}  // namespace hearth::cpu::detail
