// AVX2 + FMA + F16C dot products of one weight row with one activation row in the weight's
// vec_dot_type (compiled with those -m flags only; picked at run time). Integer block sums are
// exact (u8·s8 pairs through maddubs never saturate for these value ranges); the f32 scale
// arithmetic is vectorised, so results equal the scalar reference to f32 rounding.
// K-quant offsets (Q6_K −32, Q3_K −4, mins of Q2_K/Q4_K/Q5_K) are applied through the activation
// block sums (bsums) instead of per element.
#include "kernels/common/quant_blocks.h"
#include "kernels/cpu/avx2_util.h"
#include "kernels/cpu/kernel_table.h"

namespace hearth::cpu::detail {
namespace {

using namespace hearth::quant;
using namespace hearth::cpu::avx2;

// ---------------------------------------------------------------- 32-element block formats

template <typename Block, typename Decode>
float dot_q8_0_family(int64_t n, const void* w, const void* a, Decode decode) {
  const auto* x = static_cast<const Block*>(w);
  const auto* y = static_cast<const BlockQ8_0*>(a);
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  const int64_t nb = n / 32;
  int64_t i = 0;
  for (; i + 1 < nb; i += 2) {
    const __m256 d0 = _mm256_set1_ps(half_to_float(x[i].d) * half_to_float(y[i].d));
    const __m256 d1 = _mm256_set1_ps(half_to_float(x[i + 1].d) * half_to_float(y[i + 1].d));
    const __m256i p0 = decode(x[i], load32(y[i].qs));
    const __m256i p1 = decode(x[i + 1], load32(y[i + 1].qs));
    acc0 = _mm256_fmadd_ps(d0, _mm256_cvtepi32_ps(p0), acc0);
    acc1 = _mm256_fmadd_ps(d1, _mm256_cvtepi32_ps(p1), acc1);
  }
  for (; i < nb; ++i) {
    const __m256 d0 = _mm256_set1_ps(half_to_float(x[i].d) * half_to_float(y[i].d));
    acc0 = _mm256_fmadd_ps(d0, _mm256_cvtepi32_ps(decode(x[i], load32(y[i].qs))), acc0);
  }
  return hsum(_mm256_add_ps(acc0, acc1));
}

float dot_q4_0(int64_t n, const void* w, const void* a) {
  return dot_q8_0_family<BlockQ4_0>(n, w, a, [](const BlockQ4_0& b, __m256i q8) {
    const __m256i q = _mm256_sub_epi8(nibbles_to_bytes(b.qs), _mm256_set1_epi8(8));
    return dot_s8s8(q, q8);
  });
}

float dot_q5_0(int64_t n, const void* w, const void* a) {
  return dot_q8_0_family<BlockQ5_0>(n, w, a, [](const BlockQ5_0& b, __m256i q8) {
    // Bytes whose fifth bit is clear get 0xF0 OR'ed in: as int8 that is nibble − 16.
    const __m256i high = _mm256_andnot_si256(bits_to_bytes(b.qh), _mm256_set1_epi8(static_cast<char>(0xF0)));
    return dot_s8s8(_mm256_or_si256(nibbles_to_bytes(b.qs), high), q8);
  });
}

float dot_q8_0(int64_t n, const void* w, const void* a) {
  return dot_q8_0_family<BlockQ8_0>(n, w, a, [](const BlockQ8_0& b, __m256i q8) { return dot_s8s8(load32(b.qs), q8); });
}

float dot_iq4_nl(int64_t n, const void* w, const void* a) {
  const __m256i table = iq4nl_table();
  return dot_q8_0_family<BlockIQ4_NL>(n, w, a, [table](const BlockIQ4_NL& b, __m256i q8) {
    return dot_s8s8(_mm256_shuffle_epi8(table, nibbles_to_bytes(b.qs)), q8);
  });
}

template <typename Block, typename Decode>
float dot_q8_1_family(int64_t n, const void* w, const void* a, Decode decode) {
  const auto* x = static_cast<const Block*>(w);
  const auto* y = static_cast<const BlockQ8_1*>(a);
  __m256 acc = _mm256_setzero_ps();
  float mins = 0.f;
  for (int64_t i = 0; i < n / 32; ++i) {
    const float dx = half_to_float(x[i].d);
    mins += half_to_float(x[i].m) * half_to_float(y[i].s);
    const __m256 d = _mm256_set1_ps(dx * half_to_float(y[i].d));
    acc = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(dot_u8s8(decode(x[i]), load32(y[i].qs))), acc);
  }
  return hsum(acc) + mins;
}

float dot_q4_1(int64_t n, const void* w, const void* a) {
  return dot_q8_1_family<BlockQ4_1>(n, w, a, [](const BlockQ4_1& b) { return nibbles_to_bytes(b.qs); });
}

float dot_q5_1(int64_t n, const void* w, const void* a) {
  return dot_q8_1_family<BlockQ5_1>(n, w, a, [](const BlockQ5_1& b) {
    const __m256i high = _mm256_and_si256(bits_to_bytes(b.qh), _mm256_set1_epi8(0x10));
    return _mm256_or_si256(nibbles_to_bytes(b.qs), high);
  });
}

// ---------------------------------------------------------------- K-quants (Q8_K activations)

// Σ_g scale_g · bsum_g over the 16 groups of 16, as int (scales16: 16 int16 lanes).
inline __m256i scaled_bsums(__m256i scales16, const BlockQ8_K& y) {
  return _mm256_madd_epi16(scales16, load32(y.bsums));
}

float dot_q2_k(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ2_K*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  const __m256i m3 = _mm256_set1_epi8(3);
  const __m128i m4 = _mm_set1_epi8(0xF);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < n / QK_K; ++i) {
    const float dall = y[i].d * half_to_float(x[i].d);
    const float dmin = -y[i].d * half_to_float(x[i].dmin);
    const __m128i packed = load16(x[i].scales);
    const __m128i scales8 = _mm_and_si128(packed, m4);
    const __m128i mins8 = _mm_and_si128(_mm_srli_epi16(packed, 4), m4);
    const __m256i mins_sum = scaled_bsums(_mm256_cvtepu8_epi16(mins8), y[i]);
    acc = _mm256_fmadd_ps(_mm256_set1_ps(dmin), _mm256_cvtepi32_ps(mins_sum), acc);
    __m256i sumi = _mm256_setzero_si256();
    const int8_t* q8 = y[i].qs;
    for (int h = 0; h < 2; ++h) {
      const __m256i bits = load32(x[i].qs + 32 * h);
      for (int j = 0; j < 4; ++j, q8 += 32) {
        // Chunk j of half h: elements 128h+32j .. +31 are bits 2j of bytes 0..31 (two sub-blocks).
        const __m256i q = _mm256_and_si256(_mm256_srli_epi16(bits, 2 * j), m3);
        const __m256i sc = _mm256_cvtepi8_epi16(_mm_shuffle_epi8(scales8, pair_shuffle(8 * h + 2 * j)));
        sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(sc, _mm256_maddubs_epi16(q, load32(q8))));
      }
    }
    acc = _mm256_fmadd_ps(_mm256_set1_ps(dall), _mm256_cvtepi32_ps(sumi), acc);
  }
  return hsum(acc);
}

float dot_q3_k(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ3_K*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  const __m256i m3 = _mm256_set1_epi8(3);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < n / QK_K; ++i) {
    const float d = y[i].d * half_to_float(x[i].d);
    const __m128i scales8 = q3k_scales(x[i].scales);
    const __m256i scales16 = _mm256_cvtepi8_epi16(scales8);
    // Levels are stored as v = q + 4 ∈ 0..7 (high bit set ⇔ no −4), so Σ sc·q·a = Σ sc·v·a − 4·Σ sc·bsum.
    __m256i sumi = _mm256_slli_epi32(_mm256_sub_epi32(_mm256_setzero_si256(), scaled_bsums(scales16, y[i])), 2);
    const __m256i hbits = load32(x[i].hmask);
    const int8_t* q8 = y[i].qs;
    for (int h = 0; h < 2; ++h) {
      const __m256i bits = load32(x[i].qs + 32 * h);
      for (int j = 0; j < 4; ++j, q8 += 32) {
        const int bit = 4 * h + j;
        const __m256i lo = _mm256_and_si256(_mm256_srli_epi16(bits, 2 * j), m3);
        const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(hbits, bit), _mm256_set1_epi8(1));
        const __m256i v = _mm256_or_si256(lo, _mm256_slli_epi16(hi, 2));
        const __m256i sc = _mm256_cvtepi8_epi16(_mm_shuffle_epi8(scales8, pair_shuffle(8 * h + 2 * j)));
        sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(sc, _mm256_maddubs_epi16(v, load32(q8))));
      }
    }
    acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), acc);
  }
  return hsum(acc);
}

// Q4_K and Q5_K share everything but the fifth bit.
template <bool kFiveBits, typename Block>
float dot_q45_k(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const Block*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  const __m256i m4 = _mm256_set1_epi8(0xF);
  // Shuffles that broadcast i16 lane j of a 128-bit half to all its lanes.
  const __m256i bcast[8] = {
      _mm256_set1_epi16(0x0100), _mm256_set1_epi16(0x0302), _mm256_set1_epi16(0x0504), _mm256_set1_epi16(0x0706),
      _mm256_set1_epi16(0x0908), _mm256_set1_epi16(0x0B0A), _mm256_set1_epi16(0x0D0C), _mm256_set1_epi16(0x0F0E)};
  // Duplicates each min byte (bytes 8..15 of the scale/min table) so min j meets bsums 2j and 2j+1.
  const __m128i dup_mins = _mm_setr_epi8(8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15);
  __m256 acc = _mm256_setzero_ps(), acc_m = _mm256_setzero_ps();
  for (int64_t i = 0; i < n / QK_K; ++i) {
    const float d = y[i].d * half_to_float(x[i].d);
    const float dmin = -y[i].d * half_to_float(x[i].dmin);
    const __m128i sm = k4_scales_mins(x[i].scales);
    const __m256i mins16 = _mm256_cvtepu8_epi16(_mm_shuffle_epi8(sm, dup_mins));
    acc_m = _mm256_fmadd_ps(_mm256_set1_ps(dmin), _mm256_cvtepi32_ps(_mm256_madd_epi16(mins16, load32(y[i].bsums))), acc_m);
    const __m256i scales16 = _mm256_broadcastsi128_si256(_mm_cvtepu8_epi16(sm));  // scales 0..7 in both halves
    __m256i sumi = _mm256_setzero_si256();
    __m256i qh = _mm256_setzero_si256();
    if constexpr (kFiveBits) qh = load32(x[i].qh);
    for (int c = 0; c < 4; ++c) {
      const __m256i bits = load32(x[i].qs + 32 * c);
      __m256i lo = _mm256_and_si256(bits, m4);
      __m256i hi = _mm256_and_si256(_mm256_srli_epi16(bits, 4), m4);
      if constexpr (kFiveBits) {
        const __m256i one = _mm256_set1_epi8(1);
        lo = _mm256_or_si256(lo, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2 * c), one), 4));
        hi = _mm256_or_si256(hi, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2 * c + 1), one), 4));
      }
      const __m256i s0 = _mm256_shuffle_epi8(scales16, bcast[2 * c]);
      const __m256i s1 = _mm256_shuffle_epi8(scales16, bcast[2 * c + 1]);
      const __m256i p0 = _mm256_madd_epi16(s0, _mm256_maddubs_epi16(lo, load32(y[i].qs + 64 * c)));
      const __m256i p1 = _mm256_madd_epi16(s1, _mm256_maddubs_epi16(hi, load32(y[i].qs + 64 * c + 32)));
      sumi = _mm256_add_epi32(sumi, _mm256_add_epi32(p0, p1));
    }
    acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), acc);
  }
  return hsum(_mm256_add_ps(acc, acc_m));
}

float dot_q6_k(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ6_K*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  const __m256i m4 = _mm256_set1_epi8(0xF), m2 = _mm256_set1_epi8(3);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < n / QK_K; ++i) {
    const float d = y[i].d * half_to_float(x[i].d);
    const __m128i scales8 = load16(x[i].scales);
    // Levels v = q + 32 ∈ 0..63: Σ sc·q·a = Σ sc·v·a − 32·Σ sc·bsum.
    __m256i sumi = _mm256_slli_epi32(_mm256_sub_epi32(_mm256_setzero_si256(), scaled_bsums(_mm256_cvtepi8_epi16(scales8), y[i])), 5);
    const int8_t* q8 = y[i].qs;
    for (int h = 0; h < 2; ++h) {
      const __m256i l0 = load32(x[i].ql + 64 * h);       // ql[l], l = 0..31
      const __m256i l1 = load32(x[i].ql + 64 * h + 32);  // ql[l + 32]
      const __m256i hb = load32(x[i].qh + 32 * h);
      const __m256i v[4] = {
          _mm256_or_si256(_mm256_and_si256(l0, m4), _mm256_slli_epi16(_mm256_and_si256(hb, m2), 4)),
          _mm256_or_si256(_mm256_and_si256(l1, m4), _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 2), m2), 4)),
          _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), m4), _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 4), m2), 4)),
          _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), m4), _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 6), m2), 4)),
      };
      for (int r = 0; r < 4; ++r, q8 += 32) {
        // Elements 128h + 32r + l use scale S[l/16 + 2r] of this half: sub-blocks 8h+2r, 8h+2r+1.
        const __m256i sc = _mm256_cvtepi8_epi16(_mm_shuffle_epi8(scales8, pair_shuffle(8 * h + 2 * r)));
        sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(sc, _mm256_maddubs_epi16(v[r], load32(q8))));
      }
    }
    acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), acc);
  }
  return hsum(acc);
}

float dot_iq4_xs(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockIQ4_XS*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  const __m256i table = iq4nl_table();
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < n / QK_K; ++i) {
    const float d = y[i].d * half_to_float(x[i].d);
    __m256i sumi = _mm256_setzero_si256();
    for (int ib = 0; ib < 8; ++ib) {
      const int ls = ((x[i].scales_l[ib / 2] >> (4 * (ib % 2))) & 0xF) | (((x[i].scales_h >> (2 * ib)) & 3) << 4);
      const __m256i q = _mm256_shuffle_epi8(table, nibbles_to_bytes(x[i].qs + 16 * ib));
      const __m256i p = _mm256_maddubs_epi16(_mm256_sign_epi8(q, q), _mm256_sign_epi8(load32(y[i].qs + 32 * ib), q));
      sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(p, _mm256_set1_epi16(static_cast<short>(ls - 32))));
    }
    acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), acc);
  }
  return hsum(acc);
}

// ---------------------------------------------------------------- float formats

float dot_f32(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const float*>(w);
  const auto* y = static_cast<const float*>(a);
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i), acc0);
    acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 8), _mm256_loadu_ps(y + i + 8), acc1);
  }
  float sum = hsum(_mm256_add_ps(acc0, acc1));
  for (; i < n; ++i) sum += x[i] * y[i];
  return sum;
}

float dot_f16(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const uint16_t*>(w);
  const auto* y = static_cast<const uint16_t*>(a);
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    acc0 = _mm256_fmadd_ps(_mm256_cvtph_ps(load16(x + i)), _mm256_cvtph_ps(load16(y + i)), acc0);
    acc1 = _mm256_fmadd_ps(_mm256_cvtph_ps(load16(x + i + 8)), _mm256_cvtph_ps(load16(y + i + 8)), acc1);
  }
  float sum = hsum(_mm256_add_ps(acc0, acc1));
  for (; i < n; ++i) sum += half_to_float(x[i]) * half_to_float(y[i]);
  return sum;
}

inline __m256 bf16_to_f32(const uint16_t* p) {
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(load16(p)), 16));
}

float dot_bf16(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const uint16_t*>(w);
  const auto* y = static_cast<const uint16_t*>(a);
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    acc0 = _mm256_fmadd_ps(bf16_to_f32(x + i), bf16_to_f32(y + i), acc0);
    acc1 = _mm256_fmadd_ps(bf16_to_f32(x + i + 8), bf16_to_f32(y + i + 8), acc1);
  }
  float sum = hsum(_mm256_add_ps(acc0, acc1));
  for (; i < n; ++i) {
    uint32_t bx = static_cast<uint32_t>(x[i]) << 16, by = static_cast<uint32_t>(y[i]) << 16;
    float fx, fy;
    std::memcpy(&fx, &bx, 4);
    std::memcpy(&fy, &by, 4);
    sum += fx * fy;
  }
  return sum;
}

}  // namespace

VecDotFn avx2_vec_dot(TensorType t) {
  switch (t) {
    case TensorType::F32: return dot_f32;
    case TensorType::F16: return dot_f16;
    case TensorType::BF16: return dot_bf16;
    case TensorType::Q4_0: return dot_q4_0;
    case TensorType::Q4_1: return dot_q4_1;
    case TensorType::Q5_0: return dot_q5_0;
    case TensorType::Q5_1: return dot_q5_1;
    case TensorType::Q8_0: return dot_q8_0;
    case TensorType::IQ4_NL: return dot_iq4_nl;
    case TensorType::Q2_K: return dot_q2_k;
    case TensorType::Q3_K: return dot_q3_k;
    case TensorType::Q4_K: return dot_q45_k<false, BlockQ4_K>;
    case TensorType::Q5_K: return dot_q45_k<true, BlockQ5_K>;
    case TensorType::Q6_K: return dot_q6_k;
    case TensorType::IQ4_XS: return dot_iq4_xs;
    default: return nullptr;
  }
}

}  // namespace hearth::cpu::detail
