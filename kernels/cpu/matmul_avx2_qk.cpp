// AVX2 panel GEMM for the K-quants (Q2_K … Q6_K) with Q8_K activations.
//
// Every K-quant is rewritten per super-block as unsigned levels v (0..3, 0..7, 0..15, 0..31, 0..63)
// with integer sub-block scales and one f32 scale d, plus a per-16-element-group correction:
//   Σ x·a = d·dy·Σ_chunks Σ_lanes scale·(v·a)  +  Σ_g C_g·(dy·bsum_g)
// with C_g = −dmin·m (Q2_K, Q4_K, Q5_K), −4·d·sc (Q3_K: v = q+4), −32·d·sc (Q6_K: v = q+32). The
// integer part is the same exact sum llama.cpp forms; only the f32 rounding of the correction
// differs (products summed in f32), so results agree with the scalar reference to f32 rounding.
//
// Prepared activation row: Q8_K blocks [nsb] | pad to 64 | f32 A[nsb·16] = dy·bsum_g.
// Panel (kPanelRows rows): levels [sb][row][256] | i16 scale vectors [sb][row][8 chunks][16] |
// f32 d [sb][row] | f32 C [row][nsb·16].
#include <immintrin.h>

#include "kernels/common/half.h"
#include "kernels/common/quant_blocks.h"
#include "kernels/common/quant_math.h"
#include "kernels/cpu/avx2_util.h"
#include "kernels/cpu/matmul_avx2_gemm.h"

namespace hearth::cpu::detail {

using QuantizeActFn = void (*)(const float* x, void* dst, int64_t n);
QuantizeActFn avx2_quantize_activation(TensorType act_type);

namespace {

using namespace hearth::quant;
using namespace hearth::cpu::avx2;

inline size_t q8k_bytes(int64_t k) { return static_cast<size_t>(k / QK_K) * sizeof(BlockQ8_K); }
inline size_t corr_offset(int64_t k) { return (q8k_bytes(k) + 63) / 64 * 64; }
inline size_t act_bytes(int64_t k) { return corr_offset(k) + static_cast<size_t>(k / 16) * 4; }

void prepare(const float* x, void* dst, int64_t k) {
  avx2_quantize_activation(TensorType::Q8_K)(x, dst, k);
  const auto* blocks = static_cast<const BlockQ8_K*>(dst);
  auto* corr = reinterpret_cast<float*>(static_cast<uint8_t*>(dst) + corr_offset(k));
  for (int64_t sb = 0; sb < k / QK_K; ++sb)
    for (int g = 0; g < 16; ++g) corr[sb * 16 + g] = blocks[sb].d * static_cast<float>(blocks[sb].bsums[g]);
}

// ---- decoders: one super-block → 256 levels, 8 scale vectors (16 × i16), d, C[16]

inline void store_pair_scales(int16_t* sc, int chunk, int a, int b) {
  const __m256i v = _mm256_set_m128i(_mm_set1_epi16(static_cast<short>(b)), _mm_set1_epi16(static_cast<short>(a)));
  _mm256_store_si256(reinterpret_cast<__m256i*>(sc + 16 * chunk), v);
}

struct DecodeQ2_K {
  static void block(const void* p, int64_t i, uint8_t* v, int16_t* sc, float& d, float* C) {
    const auto& x = static_cast<const BlockQ2_K*>(p)[i];
    d = half_to_float(x.d);
    const float dmin = half_to_float(x.dmin);
    for (int h = 0; h < 2; ++h) {
      const __m256i bits = load32(x.qs + 32 * h);
      for (int j = 0; j < 4; ++j) {
        const __m256i q = _mm256_and_si256(_mm256_srli_epi16(bits, 2 * j), _mm256_set1_epi8(3));
        _mm256_store_si256(reinterpret_cast<__m256i*>(v + 128 * h + 32 * j), q);
      }
    }
    for (int c = 0; c < 8; ++c) store_pair_scales(sc, c, x.scales[2 * c] & 0xF, x.scales[2 * c + 1] & 0xF);
    for (int g = 0; g < 16; ++g) C[g] = -dmin * static_cast<float>(x.scales[g] >> 4);
  }
};

struct DecodeQ3_K {
  static void block(const void* p, int64_t i, uint8_t* v, int16_t* sc, float& d, float* C) {
    const auto& x = static_cast<const BlockQ3_K*>(p)[i];
    d = half_to_float(x.d);
    const __m256i hbits = load32(x.hmask);
    for (int h = 0; h < 2; ++h) {
      const __m256i bits = load32(x.qs + 32 * h);
      for (int j = 0; j < 4; ++j) {
        const __m256i lo = _mm256_and_si256(_mm256_srli_epi16(bits, 2 * j), _mm256_set1_epi8(3));
        const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(hbits, 4 * h + j), _mm256_set1_epi8(1));
        _mm256_store_si256(reinterpret_cast<__m256i*>(v + 128 * h + 32 * j), _mm256_or_si256(lo, _mm256_slli_epi16(hi, 2)));
      }
    }
    int s[16];
    for (int g = 0; g < 16; ++g) s[g] = q3k_scale(g, x.scales);
    for (int c = 0; c < 8; ++c) store_pair_scales(sc, c, s[2 * c], s[2 * c + 1]);
    for (int g = 0; g < 16; ++g) C[g] = -4.f * d * static_cast<float>(s[g]);
  }
};

template <bool kFiveBits, typename Block>
struct DecodeQ45_K {
  static void block(const void* p, int64_t i, uint8_t* v, int16_t* sc, float& d, float* C) {
    const auto& x = static_cast<const Block*>(p)[i];
    d = half_to_float(x.d);
    const float dmin = half_to_float(x.dmin);
    __m256i qh = _mm256_setzero_si256();
    if constexpr (kFiveBits) qh = load32(x.qh);
    const __m256i m4 = _mm256_set1_epi8(0xF), one = _mm256_set1_epi8(1);
    for (int c = 0; c < 4; ++c) {
      const __m256i bits = load32(x.qs + 32 * c);
      __m256i lo = _mm256_and_si256(bits, m4);
      __m256i hi = _mm256_and_si256(_mm256_srli_epi16(bits, 4), m4);
      if constexpr (kFiveBits) {
        lo = _mm256_or_si256(lo, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2 * c), one), 4));
        hi = _mm256_or_si256(hi, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2 * c + 1), one), 4));
      }
      _mm256_store_si256(reinterpret_cast<__m256i*>(v + 64 * c), lo);
      _mm256_store_si256(reinterpret_cast<__m256i*>(v + 64 * c + 32), hi);
    }
    for (int j = 0; j < 8; ++j) {
      int s, m;
      k4_scale_min(j, x.scales, s, m);
      store_pair_scales(sc, j, s, s);
      C[2 * j] = C[2 * j + 1] = -dmin * static_cast<float>(m);
    }
  }
};

struct DecodeQ6_K {
  static void block(const void* p, int64_t i, uint8_t* v, int16_t* sc, float& d, float* C) {
    const auto& x = static_cast<const BlockQ6_K*>(p)[i];
    d = half_to_float(x.d);
    const __m256i m4 = _mm256_set1_epi8(0xF), m2 = _mm256_set1_epi8(3);
    for (int h = 0; h < 2; ++h) {
      const __m256i l0 = load32(x.ql + 64 * h), l1 = load32(x.ql + 64 * h + 32), hb = load32(x.qh + 32 * h);
      const __m256i out[4] = {
          _mm256_or_si256(_mm256_and_si256(l0, m4), _mm256_slli_epi16(_mm256_and_si256(hb, m2), 4)),
          _mm256_or_si256(_mm256_and_si256(l1, m4), _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 2), m2), 4)),
          _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), m4), _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 4), m2), 4)),
          _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), m4), _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 6), m2), 4)),
      };
      for (int r = 0; r < 4; ++r) _mm256_store_si256(reinterpret_cast<__m256i*>(v + 128 * h + 32 * r), out[r]);
    }
    for (int c = 0; c < 8; ++c) store_pair_scales(sc, c, x.scales[2 * c], x.scales[2 * c + 1]);
    for (int g = 0; g < 16; ++g) C[g] = -32.f * d * static_cast<float>(x.scales[g]);
  }
};

template <class Decode>
struct FormatQK {
  static constexpr int64_t kBlock = QK_K;
  static constexpr size_t kLevelBytes = QK_K;  // per (sb, row)
  static constexpr size_t kScaleBytes = 8 * 16 * 2;
  // 2048 elements: 4 rows of levels and scale vectors (16 KiB) stay within L1.
  static int64_t chunk_blocks(int64_t) { return 8; }

  static size_t panel_bytes(int64_t nsb) {
    return static_cast<size_t>(nsb) * kPanelRows * (kLevelBytes + kScaleBytes + 4) + kPanelRows * static_cast<size_t>(nsb) * 16 * 4;
  }
  static uint8_t* levels(uint8_t* p) { return p; }
  static int16_t* scale_vecs(uint8_t* p, int64_t nsb) { return reinterpret_cast<int16_t*>(p + nsb * kPanelRows * kLevelBytes); }
  static float* d(uint8_t* p, int64_t nsb) {
    return reinterpret_cast<float*>(p + nsb * kPanelRows * (kLevelBytes + kScaleBytes));
  }
  static float* corr(uint8_t* p, int64_t nsb) { return d(p, nsb) + nsb * kPanelRows; }

  static void decode_panel(const uint8_t* rows, size_t row_bytes, int nrows, int64_t b0, int64_t b1, uint8_t* panel) {
    const int64_t nsb = b1 - b0;
    uint8_t* lv = levels(panel);
    int16_t* sv = scale_vecs(panel, nsb);
    float* dd = d(panel, nsb);
    float* cc = corr(panel, nsb);
    for (int r = 0; r < kPanelRows; ++r) {
      for (int64_t sb = 0; sb < nsb; ++sb) {
        const int64_t slot = sb * kPanelRows + r;
        if (r >= nrows) {
          std::memset(lv + slot * kLevelBytes, 0, kLevelBytes);
          std::memset(sv + slot * 128, 0, kScaleBytes);
          dd[slot] = 0.f;
          for (int g = 0; g < 16; ++g) cc[(r * nsb + sb) * 16 + g] = 0.f;
          continue;
        }
        Decode::block(rows + r * row_bytes, b0 + sb, lv + slot * kLevelBytes, sv + slot * 128, dd[slot], cc + (r * nsb + sb) * 16);
      }
    }
  }

  template <int NT>
  static void tile(const uint8_t* panel_in, int64_t b0, int64_t b1, int64_t k, const uint8_t* const* act_rows,
                   float out[kPanelRows][2]) {
    auto* panel = const_cast<uint8_t*>(panel_in);
    const int64_t nsb = b1 - b0;
    const uint8_t* lv = levels(panel);
    const int16_t* sv = scale_vecs(panel, nsb);
    const float* dd = d(panel, nsb);
    const float* cc = corr(panel, nsb);
    const BlockQ8_K* a[NT];
    const float* acorr[NT];
    for (int t = 0; t < NT; ++t) {
      a[t] = reinterpret_cast<const BlockQ8_K*>(act_rows[t]) + b0;
      acorr[t] = reinterpret_cast<const float*>(act_rows[t] + corr_offset(k)) + b0 * 16;
    }
    // The f32 accumulators live in memory: they are touched once per super-block, and keeping them
    // out of registers leaves all 16 for the integer tile (no spills in the inner loop).
    alignas(32) float facc[kPanelRows][NT][8] = {};
    for (int64_t sb = 0; sb < nsb; ++sb) {
      __m256i isum[kPanelRows][NT];
      for (int r = 0; r < kPanelRows; ++r)
        for (int t = 0; t < NT; ++t) isum[r][t] = _mm256_setzero_si256();
      const uint8_t* lsb = lv + sb * kPanelRows * kLevelBytes;
      const int16_t* ssb = sv + sb * kPanelRows * 128;
      for (int c = 0; c < 8; ++c) {
        __m256i q[NT];
        for (int t = 0; t < NT; ++t) q[t] = load32(a[t][sb].qs + 32 * c);
        for (int r = 0; r < kPanelRows; ++r) {
          const __m256i w = _mm256_load_si256(reinterpret_cast<const __m256i*>(lsb + r * kLevelBytes + 32 * c));
          const __m256i s = _mm256_load_si256(reinterpret_cast<const __m256i*>(ssb + r * 128 + 16 * c));
          for (int t = 0; t < NT; ++t) isum[r][t] = _mm256_add_epi32(isum[r][t], _mm256_madd_epi16(_mm256_maddubs_epi16(w, q[t]), s));
        }
      }
      // Scale the super-block's integer sums, and add its offset/min correction Σ_g C_g·(dy·bsum_g)
      // lane-wise into the same accumulators (only their total matters).
      for (int r = 0; r < kPanelRows; ++r) {
        const float* crow = cc + (r * nsb + sb) * 16;
        const __m256 c_lo = _mm256_loadu_ps(crow), c_hi = _mm256_loadu_ps(crow + 8);
        for (int t = 0; t < NT; ++t) {
          const __m256 scale = _mm256_set1_ps(dd[sb * kPanelRows + r] * a[t][sb].d);
          __m256 f = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum[r][t]), scale, _mm256_load_ps(facc[r][t]));
          f = _mm256_fmadd_ps(c_lo, _mm256_loadu_ps(acorr[t] + sb * 16), f);
          _mm256_store_ps(facc[r][t], _mm256_fmadd_ps(c_hi, _mm256_loadu_ps(acorr[t] + sb * 16 + 8), f));
        }
      }
    }
    for (int r = 0; r < kPanelRows; ++r)
      for (int t = 0; t < NT; ++t) out[r][t] = hsum(_mm256_load_ps(facc[r][t]));
  }
};

template <class Decode>
MatmulPlan plan_for(int64_t k) {
  MatmulPlan p;
  p.act_row_bytes = act_bytes(k);
  p.row_tile = kPanelRows;
  p.prepare_activation = prepare;
  p.run = run_panel_gemm<FormatQK<Decode>>;
  return p;
}

}  // namespace

MatmulPlan avx2_plan_qk(TensorType type, int64_t k) {
  switch (type) {
    case TensorType::Q2_K: return plan_for<DecodeQ2_K>(k);
    case TensorType::Q3_K: return plan_for<DecodeQ3_K>(k);
    case TensorType::Q4_K: return plan_for<DecodeQ45_K<false, BlockQ4_K>>(k);
    case TensorType::Q5_K: return plan_for<DecodeQ45_K<true, BlockQ5_K>>(k);
    case TensorType::Q6_K: return plan_for<DecodeQ6_K>(k);
    default: return {};
  }
}

}  // namespace hearth::cpu::detail
