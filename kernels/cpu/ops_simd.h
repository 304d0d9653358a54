// kernels/cpu/ops_simd.h — internal: the AVX2 building blocks of the ops in ops.h.
//
// These are compiled in ops_avx2.cpp with -mavx2 -mfma -mf16c and must only be called after
// simd_level() said AVX2 is usable. Each has a scalar twin in ops.cpp / ops_attention.cpp with the
// same arithmetic up to summation order and the exp approximation (≈1 ulp).
#pragma once

#include <cstdint>

namespace hearth::cpu::avx2 {

// y = silu(gate) ⊙ up.
void swiglu(const float* gate, const float* up, float* y, int64_t n);
// x[i] = e^(x[i] − max); returns Σ x[i] accumulated in double.
double exp_shifted_sum(float* x, int64_t n, float max);
// Largest element of x (n ≥ 1).
float max_element(const float* x, int64_t n);
// Σ a[i]·b[i] for f32 rows and for two f16 rows (products and sums in f32).
float dot_f32(const float* a, const float* b, int64_t n);
float dot_f16(const uint16_t* a, const uint16_t* b, int64_t n);
// y += a · x, with x in f32, f16, or a Q8_0 row (n multiple of 32; each element is q·d in f32
// before the multiply-add, as ggml dequantizes V before its vec_mad).
void axpy_f32(float a, const float* x, float* y, int64_t n);
void axpy_f16(float a, const uint16_t* x, float* y, int64_t n);
void axpy_q8_0(float a, const void* x, float* y, int64_t n);

}  // namespace hearth::cpu::avx2
