// Element-wise ops in llama.cpp's order (parity.h): SwiGLU and the RoPE rotation. Compiled with
// -mavx2 -mfma -mf16c.
//
// Both are element-wise, so only the per-element arithmetic matters:
//   SwiGLU  ggml_vec_swiglu_f32 of the AVX-512 build: 16 elements at a time silu(g)·u with
//           ggml_v_silu (the AVX-512 ggml_v_expf), the n mod 16 tail as x/(1+expf(−x))·u with
//           libm's expf.
//   RoPE    ggml's rotate_pairs computes x0·cos − x1·sin and x0·sin + x1·cos, and the reference
//           build contracts each into one FMA on its first product (clang's fmuladd on
//           `a*b - c*d`): fma(x0, cos, −(x1·sin)) and fma(x0, sin, x1·cos). Without the FMA the
//           rotated keys differ in the last ulp often enough to move logprobs by ~0.05.
#include <immintrin.h>

#include <cmath>

#include "kernels/cpu/parity.h"
#include "kernels/cpu/parity_simd.h"

namespace hearth::cpu::parity {

void swiglu(const float* gate, const float* up, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + 15 < n; i += 16) {
    const __m256 lo = _mm256_mul_ps(simd::silu16_half(_mm256_loadu_ps(gate + i)), _mm256_loadu_ps(up + i));
    const __m256 hi = _mm256_mul_ps(simd::silu16_half(_mm256_loadu_ps(gate + i + 8)), _mm256_loadu_ps(up + i + 8));
    _mm256_storeu_ps(y + i, lo);
    _mm256_storeu_ps(y + i + 8, hi);
  }
  for (; i < n; ++i) y[i] = gate[i] / (1.0f + std::exp(-gate[i])) * up[i];
}

void rope_apply(RopeMode mode, int n_rot, int head_dim, int n_head, const float* cos_sin, float* x) {
  const int half = n_rot / 2;
  for (int h = 0; h < n_head; ++h) {
    float* head = x + static_cast<int64_t>(h) * head_dim;
    for (int i = 0; i < half; ++i) {
      const float c = cos_sin[2 * i], s = cos_sin[2 * i + 1];
      float* a = mode == RopeMode::Normal ? head + 2 * i : head + i;
      float* b = mode == RopeMode::Normal ? head + 2 * i + 1 : head + i + half;
      const float x0 = *a, x1 = *b;
      *a = std::fma(x0, c, -(x1 * s));
      *b = std::fma(x0, s, x1 * c);
    }
  }
}

}  // namespace hearth::cpu::parity
