// Repacked-format kernels in llama.cpp's x86 order (parity_kernels.h). Compiled with -mavx2 -mfma
// -mf16c.
//
// On x86, ggml moves Q4_0, IQ4_NL and Q4_K weights (Q2_K too on AVX-512 builds) whose row count
// is a multiple of 8 into the CPU_REPACK buffer, interleaving 8 rows, and multiplies them with
// dedicated GEMV (one activation row) and GEMM (4 rows) kernels. Their arithmetic differs from
// the row-by-row ggml_vec_dot_* kernels:
//   Q4_0 / IQ4_NL (8x8, Q8_0 activations): per output, each 32-element block contributes its
//     whole integer dot product — no 8-lane split — as acc = fma((float)isum, d_w·d_a, acc);
//     no horizontal sum at the end. GEMM and GEMV agree element for element; the 4-row GEMM only
//     changes how the activations were quantized (ggml_quantize_mat_q8_0_4x8, which applies the
//     same 127/amax rule as quantize_row_q8_0).
//   Q4_K / Q2_K (8x8, Q8_K activations): per super-block, the whole integer Σ scale·q·a and the
//     whole integer Σ min·bsum are formed first; then acc = fma(isum, d_w·d_a, acc) and
//     acc_min = fma(imin, dmin_w·d_a, acc_min) in two separate accumulators; the output is
//     acc − acc_min. The 4-row quantizer (ggml_quantize_mat_q8_K_4x8) is quantize_row_q8_K_ref
//     except for the sign of the scale when +amax and −amax both occur (it prefers +amax).
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "kernels/common/half.h"
#include "kernels/common/quant_blocks.h"
#include "kernels/cpu/parity_kernels.h"
#include "kernels/cpu/quant.h"

namespace hearth::cpu::parity::detail {
namespace {

using namespace hearth::quant;

inline float h2f(uint16_t h) { return _cvtsh_ss(h); }

// Σ_{e<32} w_e·a_e for one block: w as 32 signed bytes, a as 32 signed bytes.
inline int32_t block_isum(__m256i w, const int8_t* a) {
  const __m256i y = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a));
  const __m256i p = _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_sign_epi8(w, w), _mm256_sign_epi8(y, w)), _mm256_set1_epi16(1));
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(p), _mm256_extracti128_si256(p, 1));
  s = _mm_add_epi32(s, _mm_unpackhi_epi64(s, s));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 1));
  return _mm_cvtsi128_si32(s);
}

inline __m256i nibbles(const uint8_t* q) {
  const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(q));
  const __m256i both = _mm256_inserti128_si256(_mm256_castsi128_si256(x), _mm_srli_epi16(x, 4), 1);
  return _mm256_and_si256(both, _mm256_set1_epi8(0x0F));
}

template <typename Block, typename Decode>
void gemv_b32(int64_t n, const uint8_t* weight, std::size_t row_bytes, const void* act, float* y, Decode decode) {
  const auto* a = static_cast<const BlockQ8_0*>(act);
  for (int c = 0; c < 8; ++c) {
    const auto* w = reinterpret_cast<const Block*>(weight + row_bytes * static_cast<std::size_t>(c));
    float acc = 0.0f;
    for (int64_t b = 0; b < n / 32; ++b)
      acc = std::fma(static_cast<float>(block_isum(decode(w[b]), a[b].qs)), h2f(w[b].d) * h2f(a[b].d), acc);
    y[c] = acc;
  }
}

void gemv_q4_0(int64_t n, const uint8_t* w, std::size_t rb, const void* act, float* y) {
  gemv_b32<BlockQ4_0>(n, w, rb, act, y, [](const BlockQ4_0& b) { return _mm256_sub_epi8(nibbles(b.qs), _mm256_set1_epi8(8)); });
}

void gemv_iq4_nl(int64_t n, const uint8_t* w, std::size_t rb, const void* act, float* y) {
  const __m256i table = _mm256_broadcastsi128_si256(_mm_setr_epi8(-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113));
  gemv_b32<BlockIQ4_NL>(n, w, rb, act, y, [table](const BlockIQ4_NL& b) { return _mm256_shuffle_epi8(table, nibbles(b.qs)); });
}

// Σ_{e<16} q_e·a_e for 16 unsigned levels (≤ 15) and 16 signed activations.
inline int32_t isum16(const uint8_t* q, const int8_t* a) {
  const __m128i p = _mm_madd_epi16(_mm_maddubs_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(q)),
                                                     _mm_loadu_si128(reinterpret_cast<const __m128i*>(a))),
                                   _mm_set1_epi16(1));
  __m128i s = _mm_add_epi32(p, _mm_unpackhi_epi64(p, p));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 1));
  return _mm_cvtsi128_si32(s);
}

inline void scale_min_k4(int j, const uint8_t* q, int& sc, int& m) {
  if (j < 4) {
    sc = q[j] & 63;
    m = q[j + 4] & 63;
  } else {
    sc = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
    m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
  }
}

// The super-block integer sums of one column, then the two FMAs and the final subtraction.
template <typename Block, typename SuperSums>
void gemv_kmin(int64_t n, const uint8_t* weight, std::size_t row_bytes, const void* act, float* y, SuperSums sums) {
  const auto* a = static_cast<const BlockQ8_K*>(act);
  for (int c = 0; c < 8; ++c) {
    const auto* w = reinterpret_cast<const Block*>(weight + row_bytes * static_cast<std::size_t>(c));
    float acc = 0.0f, acc_min = 0.0f;
    for (int64_t b = 0; b < n / QK_K; ++b) {
      int32_t isum = 0, imin = 0;
      sums(w[b], a[b], isum, imin);
      acc = std::fma(static_cast<float>(isum), h2f(w[b].d) * a[b].d, acc);
      acc_min = std::fma(static_cast<float>(imin), h2f(w[b].dmin) * a[b].d, acc_min);
    }
    y[c] = acc - acc_min;
  }
}

void q4_k_sums(const BlockQ4_K& w, const BlockQ8_K& a, int32_t& isum, int32_t& imin) {
  alignas(16) uint8_t q[32];
  for (int j = 0; j < 8; ++j) {
    int sc, m;
    scale_min_k4(j, w.scales, sc, m);
    const uint8_t* src = w.qs + 32 * (j / 2);
    for (int e = 0; e < 32; ++e) q[e] = (j % 2 == 0) ? (src[e] & 0xF) : (src[e] >> 4);
    isum += sc * (isum16(q, a.qs + 32 * j) + isum16(q + 16, a.qs + 32 * j + 16));
    imin += m * (a.bsums[2 * j] + a.bsums[2 * j + 1]);
  }
}

void q2_k_sums(const BlockQ2_K& w, const BlockQ8_K& a, int32_t& isum, int32_t& imin) {
  alignas(16) uint8_t q[16];
  for (int g = 0; g < 16; ++g) {
    const int e0 = 16 * g;
    for (int e = 0; e < 16; ++e) {
      const int el = e0 + e;
      q[e] = static_cast<uint8_t>((w.qs[32 * (el / 128) + el % 32] >> (2 * ((el % 128) / 32))) & 3);
    }
    isum += (w.scales[g] & 0xF) * isum16(q, a.qs + e0);
    imin += (w.scales[g] >> 4) * a.bsums[g];
  }
}

// quantize_row_q8_K_ref with the 4x8 quantizer's sign rule (see the header comment).
void quantize_q8_k_4x8_row(const float* x, BlockQ8_K* y, int64_t n) {
  for (int64_t i = 0; i < n / QK_K; ++i, x += QK_K) {
    float amax = 0.0f;
    for (int j = 0; j < QK_K; ++j) amax = std::max(amax, std::fabs(x[j]));
    if (amax == 0.0f) {
      std::memset(&y[i], 0, sizeof(y[i]));
      continue;
    }
    bool positive = false;
    for (int j = 0; j < QK_K; ++j) positive |= x[j] == amax;
    const float iscale = positive ? -127.f / amax : 127.f / amax;
    for (int j = 0; j < QK_K; ++j) {
      const float v = std::nearbyint(iscale * x[j]);
      y[i].qs[j] = static_cast<int8_t>(std::min(127.0f, std::max(-128.0f, v)));
    }
    for (int g = 0; g < QK_K / 16; ++g) {
      int s = 0;
      for (int l = 0; l < 16; ++l) s += y[i].qs[16 * g + l];
      y[i].bsums[g] = static_cast<int16_t>(s);
    }
    y[i].d = 1.0f / iscale;
  }
}

}  // namespace

bool is_repacked(TensorType t) {
  return t == TensorType::Q4_0 || t == TensorType::IQ4_NL || t == TensorType::Q4_K || t == TensorType::Q2_K;
}

TensorType repack_activation_type(TensorType t) { return vec_dot_type(t); }

void quantize_rows_4x8(TensorType act, const float* x, int64_t ldx, void* dst, std::size_t dst_row_bytes, int64_t n) {
  for (int r = 0; r < 4; ++r) {
    auto* row = static_cast<uint8_t*>(dst) + dst_row_bytes * r;
    // Q8_0: ggml_quantize_mat_q8_0_4x8 applies quantize_row_q8_0's AVX2 rule row by row.
    if (act == TensorType::Q8_K) quantize_q8_k_4x8_row(x + r * ldx, reinterpret_cast<BlockQ8_K*>(row), n);
    else quantize_activation_row(act, x + r * ldx, row, n);
  }
}

void repack_gemv(TensorType t, int64_t n, const uint8_t* w, std::size_t rb, const void* act, float* y) {
  switch (t) {
    case TensorType::Q4_0: return gemv_q4_0(n, w, rb, act, y);
    case TensorType::IQ4_NL: return gemv_iq4_nl(n, w, rb, act, y);
    case TensorType::Q4_K: return gemv_kmin<BlockQ4_K>(n, w, rb, act, y, q4_k_sums);
    case TensorType::Q2_K: return gemv_kmin<BlockQ2_K>(n, w, rb, act, y, q2_k_sums);
    default: throw std::invalid_argument("llama.cpp numerics: no repacked kernel for this type");
  }
}

void repack_gemm(TensorType t, int64_t n, const uint8_t* w, std::size_t rb, const void* act, std::size_t arb, float* y, int64_t ldy) {
  for (int r = 0; r < 4; ++r) repack_gemv(t, n, w, rb, static_cast<const uint8_t*>(act) + arb * r, y + r * ldy);
}

}  // namespace hearth::cpu::parity::detail
