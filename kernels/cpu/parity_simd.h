// kernels/cpu/parity_simd.h — internal: the arithmetic building blocks of llama.cpp's x86 CPU
// backend as an AVX-512 build (-march=native on Zen 4 / Sapphire Rapids) executes them, written
// with AVX2 so they run here. Include only from the parity_*.cpp files, which are compiled with
// -mavx2 -mfma -mf16c.
//
// What matters for bit-exact results is the order of f32 roundings, not the instruction width:
//   hsum8      — the horizontal sum of an 8-lane __m256 used by every AVX2 dot product
//                (hsum_float_8 / tinyBLAS hsum): (v0+v4 + v2+v6) + (v1+v5 + v3+v7).
//   reduce16   — _mm512_reduce_add_ps as GCC and clang expand it: the upper 8 lanes are added to
//                the lower 8, then the hsum8 tree. A 16-lane register is held as two __m256
//                halves (lanes 0..7, 8..15).
//   expf16     — ggml_v_expf for __AVX512F__ (the ARM-derived polynomial finished with
//                _mm512_scalef_ps), lane by lane identical; the AVX2 build of ggml uses a
//                different finish, so this one must not be mixed up with it.
//   silu16     — ggml_v_silu: x / (1 + expf16(0 − x)).
#pragma once

#include <immintrin.h>

#include <cmath>
#include <cstdint>
#include <limits>

namespace hearth::cpu::parity::simd {

inline float hsum8(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_extractf128_ps(v, 1), _mm256_castps256_ps128(v));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// One AVX-512 register as two halves.
struct V16 {
  __m256 lo, hi;
};

inline V16 zero16() { return {_mm256_setzero_ps(), _mm256_setzero_ps()}; }
inline V16 load16(const float* p) { return {_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8)}; }
inline V16 fma16(V16 a, V16 b, V16 c) { return {_mm256_fmadd_ps(a.lo, b.lo, c.lo), _mm256_fmadd_ps(a.hi, b.hi, c.hi)}; }
inline V16 add16(V16 a, V16 b) { return {_mm256_add_ps(a.lo, b.lo), _mm256_add_ps(a.hi, b.hi)}; }
inline float reduce16(V16 v) { return hsum8(_mm256_add_ps(v.lo, v.hi)); }

// ---- ggml_v_expf (AVX-512 variant) ---------------------------------------------------------------

// One lane of _mm512_scalef_ps(j, n) for an integral n outside the range handled in vector form:
// j·2^n rounded once (ldexpf rounds correctly, subnormals included), with the |n| > 192 override.
inline float expf16_finish_lane(float j, float n) {
  if (std::isnan(n)) return std::numeric_limits<float>::quiet_NaN();
  if (std::fabs(n) > 192.0f) return n <= 0.0f ? 0.0f : std::numeric_limits<float>::infinity();
  return std::ldexp(j, static_cast<int>(n));
}

// ggml_v_expf for 8 of the 16 lanes (lanes are independent).
inline __m256 expf16_half(__m256 x) {
  const __m256 r = _mm256_set1_ps(0x1.8p23f);
  const __m256 z = _mm256_fmadd_ps(x, _mm256_set1_ps(0x1.715476p+0f), r);
  const __m256 n = _mm256_sub_ps(z, r);
  const __m256 b = _mm256_fnmadd_ps(n, _mm256_set1_ps(0x1.7f7d1cp-20f), _mm256_fnmadd_ps(n, _mm256_set1_ps(0x1.62e4p-1f), x));
  const __m256 u = _mm256_mul_ps(b, b);
  const __m256 j = _mm256_fmadd_ps(
      _mm256_fmadd_ps(_mm256_fmadd_ps(_mm256_set1_ps(0x1.0e4020p-7f), b, _mm256_set1_ps(0x1.573e2ep-5f)), u,
                      _mm256_fmadd_ps(_mm256_set1_ps(0x1.555e66p-3f), b, _mm256_set1_ps(0x1.fffdb6p-2f))),
      u, _mm256_fmadd_ps(_mm256_set1_ps(0x1.ffffecp-1f), b, _mm256_set1_ps(1.0f)));
  // scalef(j, n): for −126 ≤ n ≤ 127, 2^n is a normal float and j·2^n is the one rounding scalef
  // does. Lanes outside that range (or NaN) take the scalar finish.
  const __m256 in_range = _mm256_and_ps(_mm256_cmp_ps(n, _mm256_set1_ps(-126.0f), _CMP_GE_OQ),
                                        _mm256_cmp_ps(n, _mm256_set1_ps(127.0f), _CMP_LE_OQ));
  const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  __m256 res = _mm256_mul_ps(j, _mm256_castsi256_ps(e));
  if (_mm256_movemask_ps(in_range) != 0xFF) {
    alignas(32) float jl[8], nl[8], rl[8], ok[8];
    _mm256_store_ps(jl, j);
    _mm256_store_ps(nl, n);
    _mm256_store_ps(rl, res);
    _mm256_store_ps(ok, in_range);
    for (int i = 0; i < 8; ++i) {
      uint32_t bits;
      __builtin_memcpy(&bits, &ok[i], 4);
      if (bits == 0) rl[i] = expf16_finish_lane(jl[i], nl[i]);
    }
    res = _mm256_load_ps(rl);
  }
  return res;
}

inline V16 expf16(V16 x) { return {expf16_half(x.lo), expf16_half(x.hi)}; }

// ggml_v_silu for 8 lanes: x / (1 + e^(0 − x)).
inline __m256 silu16_half(__m256 x) {
  const __m256 neg = _mm256_sub_ps(_mm256_setzero_ps(), x);
  return _mm256_div_ps(x, _mm256_add_ps(_mm256_set1_ps(1.0f), expf16_half(neg)));
}

}  // namespace hearth::cpu::parity::simd
