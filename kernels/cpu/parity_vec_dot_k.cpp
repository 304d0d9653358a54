// K-quant row dot products in llama.cpp's x86 order (parity_kernels.h). Compiled with -mavx2
// -mfma -mf16c.
//
// ggml's AVX2 K-quant kernels (an AVX-512 build runs the same code) all form, per 256-element
// super-block, eight exact int32 lane sums — lane k gathers element e when (e mod 32) / 4 == k,
// each product weighted by its sub-block scale — and fold them into one __m256 with
// fma(d, lanes, acc), d = y.d · fp16(x.d). They differ in how the sub-block mins enter:
//   Q2_K  acc = fma(−y.d·dmin, Σ pairs of min·bsum (lane k: sub-blocks 2k, 2k+1), acc) first;
//   Q4_K  a separate 4-lane acc_m = fma(−y.d·dmin, lane m: mins 2m, 2m+1 × 32-element bsums),
//         result hsum8(acc) + ((m0+m2) + (m1+m3));
//   Q5_K  a scalar summs += (−y.d·dmin) · Σ min·bsum (a compound assignment: not contracted),
//         result hsum8(acc) + summs;
//   Q3_K, Q6_K have no mins (their −4 / −32 offsets are inside the integer sums).
// The integers do not depend on how they are formed, so the blocks are unpacked into signed
// levels and integer scales first and the lane sums taken with maddubs/madd.
#include <immintrin.h>

#include <cstring>

#include "kernels/common/half.h"
#include "kernels/common/quant_blocks.h"
#include "kernels/cpu/parity_kernels.h"
#include "kernels/cpu/parity_simd.h"

namespace hearth::cpu::parity::detail {
namespace {

using namespace hearth::quant;

inline float h2f(uint16_t h) { return _cvtsh_ss(h); }

// One unpacked super-block: signed levels and the integer scale of each 16-element group.
struct Levels {
  alignas(32) int8_t q[QK_K];
  int16_t scale[QK_K / 16];
};

// Σ_e scale(e)·q(e)·a(e) in the 8 lanes (e mod 32)/4, for |q| ≤ 63, |a| ≤ 127.
inline __m256i lane_sums(const Levels& l, const int8_t* a) {
  __m256i sum = _mm256_setzero_si256();
  for (int c = 0; c < QK_K / 32; ++c) {
    const __m256i q = _mm256_load_si256(reinterpret_cast<const __m256i*>(l.q + 32 * c));
    const __m256i y = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + 32 * c));
    const __m256i p16 = _mm256_maddubs_epi16(_mm256_sign_epi8(q, q), _mm256_sign_epi8(y, q));
    // 16-bit lanes 0..7 cover elements 0..15 of the chunk (scale 2c), 8..15 elements 16..31.
    const __m256i sc = _mm256_setr_m128i(_mm_set1_epi16(l.scale[2 * c]), _mm_set1_epi16(l.scale[2 * c + 1]));
    sum = _mm256_add_epi32(sum, _mm256_madd_epi16(p16, sc));
  }
  return sum;
}

// The Q4_K/Q5_K 6-bit scale and min of sub-block j (ggml's get_scale_min_k4).
inline void scale_min_k4(int j, const uint8_t* q, int& sc, int& m) {
  if (j < 4) {
    sc = q[j] & 63;
    m = q[j + 4] & 63;
  } else {
    sc = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
    m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
  }
}

float dot_q2_k(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ2_K*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  __m256 acc = _mm256_setzero_ps();
  Levels l;
  for (int64_t i = 0; i < n / QK_K; ++i) {
    const float d = y[i].d * h2f(x[i].d);
    const float dmin = -y[i].d * h2f(x[i].dmin);
    int32_t mins[8];
    for (int k = 0; k < 8; ++k)
      mins[k] = (x[i].scales[2 * k] >> 4) * y[i].bsums[2 * k] + (x[i].scales[2 * k + 1] >> 4) * y[i].bsums[2 * k + 1];
    acc = _mm256_fmadd_ps(_mm256_set1_ps(dmin), _mm256_cvtepi32_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(mins))), acc);
    for (int e = 0; e < QK_K; ++e) l.q[e] = static_cast<int8_t>((x[i].qs[32 * (e / 128) + e % 32] >> (2 * ((e % 128) / 32))) & 3);
    for (int s = 0; s < 16; ++s) l.scale[s] = x[i].scales[s] & 0xF;
    acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(lane_sums(l, y[i].qs)), acc);
  }
  return simd::hsum8(acc);
}

float dot_q3_k(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ3_K*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  __m256 acc = _mm256_setzero_ps();
  Levels l;
  for (int64_t i = 0; i < n / QK_K; ++i) {
    const float d = y[i].d * h2f(x[i].d);
    const uint8_t* b = x[i].scales;
    for (int k = 0; k < 16; ++k) {
      const int low = k < 8 ? b[k] & 0xF : b[k - 8] >> 4;
      const int high = (b[8 + k % 4] >> (2 * (k / 4))) & 3;
      l.scale[k] = static_cast<int16_t>((low | high << 4) - 32);
    }
    for (int e = 0; e < QK_K; ++e) {
      const int j = e / 128, sh = (e % 128) / 32, c = e % 32;
      const int low = (x[i].qs[32 * j + c] >> (2 * sh)) & 3;
      const int hbit = (x[i].hmask[c] >> (4 * j + sh)) & 1;
      l.q[e] = static_cast<int8_t>(low - (hbit ? 0 : 4));
    }
    acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(lane_sums(l, y[i].qs)), acc);
  }
  return simd::hsum8(acc);
}

// Q4_K and Q5_K levels (the high bit of Q5_K from qh) and the eight (scale, min) pairs.
template <bool Q5>
void unpack_k45(const uint8_t* scales, const uint8_t* qs, const uint8_t* qh, Levels& l, int mins[8]) {
  for (int j = 0; j < 8; ++j) {
    int sc, m;
    scale_min_k4(j, scales, sc, m);
    l.scale[2 * j] = l.scale[2 * j + 1] = static_cast<int16_t>(sc);
    mins[j] = m;
  }
  for (int e = 0; e < QK_K; ++e) {
    const uint8_t byte = qs[32 * (e / 64) + e % 32];
    int v = (e % 64) < 32 ? byte & 0xF : byte >> 4;
    if constexpr (Q5) v |= ((qh[e % 32] >> (e / 32)) & 1) << 4;
    l.q[e] = static_cast<int8_t>(v);
  }
}

// Σ over 32-element sub-blocks of min · (bsum of its two 16-element halves), as pairs of
// sub-blocks (2m, 2m+1) for m = 0..3 — _mm_madd_epi16 of the mins with _mm_hadd_epi16 of bsums.
inline void min_pairs(const int mins[8], const int16_t* bsums, int32_t out[4]) {
  for (int m = 0; m < 4; ++m)
    out[m] = mins[2 * m] * (bsums[4 * m] + bsums[4 * m + 1]) + mins[2 * m + 1] * (bsums[4 * m + 2] + bsums[4 * m + 3]);
}

float dot_q4_k(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ4_K*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  __m256 acc = _mm256_setzero_ps();
  __m128 acc_m = _mm_setzero_ps();
  Levels l;
  int mins[8];
  for (int64_t i = 0; i < n / QK_K; ++i) {
    const float d = y[i].d * h2f(x[i].d);
    const float dmin = -y[i].d * h2f(x[i].dmin);
    unpack_k45<false>(x[i].scales, x[i].qs, nullptr, l, mins);
    int32_t prod[4];
    min_pairs(mins, y[i].bsums, prod);
    acc_m = _mm_fmadd_ps(_mm_set1_ps(dmin), _mm_cvtepi32_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(prod))), acc_m);
    acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(lane_sums(l, y[i].qs)), acc);
  }
  acc_m = _mm_add_ps(acc_m, _mm_movehl_ps(acc_m, acc_m));
  acc_m = _mm_add_ss(acc_m, _mm_movehdup_ps(acc_m));
  return simd::hsum8(acc) + _mm_cvtss_f32(acc_m);
}

float dot_q5_k(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ5_K*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  __m256 acc = _mm256_setzero_ps();
  float summs = 0.0f;
  Levels l;
  int mins[8];
  for (int64_t i = 0; i < n / QK_K; ++i) {
    const float d = y[i].d * h2f(x[i].d);
    const float dmin = -y[i].d * h2f(x[i].dmin);
    unpack_k45<true>(x[i].scales, x[i].qs, x[i].qh, l, mins);
    int32_t prod[4];
    min_pairs(mins, y[i].bsums, prod);
    const int32_t total = (prod[0] + prod[1]) + (prod[2] + prod[3]);
    summs += dmin * static_cast<float>(total);
    acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(lane_sums(l, y[i].qs)), acc);
  }
  return simd::hsum8(acc) + summs;
}

float dot_q6_k(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ6_K*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  __m256 acc = _mm256_setzero_ps();
  Levels l;
  for (int64_t i = 0; i < n / QK_K; ++i) {
    const float d = y[i].d * h2f(x[i].d);
    for (int s = 0; s < 16; ++s) l.scale[s] = x[i].scales[s];
    for (int e = 0; e < QK_K; ++e) {
      const int j = e / 128, sh = (e % 128) / 32, c = e % 32;
      const uint8_t lb = x[i].ql[64 * j + 32 * (sh & 1) + c];
      const int low = sh < 2 ? lb & 0xF : lb >> 4;
      const int high = (x[i].qh[32 * j + c] >> (2 * sh)) & 3;
      l.q[e] = static_cast<int8_t>((low | high << 4) - 32);
    }
    acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(lane_sums(l, y[i].qs)), acc);
  }
  return simd::hsum8(acc);
}

}  // namespace

RowDotFn row_dot_kquant(TensorType t) {
  switch (t) {
    case TensorType::Q2_K: return dot_q2_k;
    case TensorType::Q3_K: return dot_q3_k;
    case TensorType::Q4_K: return dot_q4_k;
    case TensorType::Q5_K: return dot_q5_k;
    case TensorType::Q6_K: return dot_q6_k;
    default: return nullptr;
  }
}

}  // namespace hearth::cpu::parity::detail
