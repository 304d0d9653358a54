// kernels/cpu/quant.h — dequantization and quantization of ggml block formats on the CPU.
//
// Weight types supported for inference: F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K,
// Q4_K, Q5_K, Q6_K, IQ4_NL, IQ4_XS. Dequantization is bit-exact with ggml's dequantize_row_*.
// Quantizers reproduce llama.cpp's reference quantizers (quantize_row_*_ref, no importance matrix)
// byte for byte. Activation quantizers (Q8_0, Q8_1, Q8_K) produce what llama.cpp's CPU backend
// feeds its quantized dot products, so matmul results match llama.cpp to f32 rounding. For Q8_0 and
// Q8_1 that is the rule of llama.cpp's AVX2 quantize_row_q8_0/q8_1 (the code x86 builds run):
// id = 127/amax and round half to even — not the scalar reference's roundf(x·(1/d)). The two
// differ only on ties and last-ulp cases; we use the AVX2 rule on every CPU so results do not
// depend on the ISA. Q8_K is quantize_row_q8_K_ref everywhere.
//
// Every function is thread-safe (no shared state). The dispatching versions use AVX2 kernels when
// the CPU has AVX2+FMA+F16C (see cpu_features.h) and the scalar ones otherwise.
#pragma once

#include <cstdint>

#include "gguf/types.h"

namespace hearth::cpu {

using gguf::TensorType;

// True for the weight types the CPU kernels can multiply with (the list above).
bool is_supported_weight_type(TensorType type);

// dst[0..n) = dequantized src; n must be a multiple of the type's block size.
void dequantize_row(TensorType type, const void* src, float* dst, int64_t n);

// Weight quantizers: F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K,
// IQ4_NL, IQ4_XS (and F32 as a copy). dst receives row_bytes(type, n) bytes. Throws
// std::invalid_argument for a type without a quantizer or n not a multiple of the block size.
// Thread-safe (no shared state): quantize disjoint rows from several threads.
void quantize_row(TensorType type, const float* src, void* dst, int64_t n);
bool has_quantizer(TensorType type);

// The activation format a weight type's dot product consumes (spec §2.5): Q8_0, Q8_1, Q8_K, F16,
// BF16 or F32.
TensorType vec_dot_type(TensorType weight_type);
// Converts one activation row of n floats to `act_type` (as returned by vec_dot_type).
void quantize_activation_row(TensorType act_type, const float* x, void* dst, int64_t n);

// Dot product of one weight row (n elements of `weight_type`) with one activation row already
// converted to vec_dot_type(weight_type). Scalar reference and SIMD variants agree to f32 rounding.
float vec_dot(TensorType weight_type, int64_t n, const void* weight_row, const void* activation_row);

// Scalar-only versions (the test oracle for the SIMD paths and for CUDA).
namespace reference {
float vec_dot(TensorType weight_type, int64_t n, const void* weight_row, const void* activation_row);
void quantize_activation_row(TensorType act_type, const float* x, void* dst, int64_t n);
}  // namespace reference

}  // namespace hearth::cpu
