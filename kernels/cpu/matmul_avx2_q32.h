// kernels/cpu/matmul_avx2_q32.h — internal: the 32-element formats (Q4_0, Q4_1, Q5_0, Q5_1,
// Q8_0, IQ4_NL) as the AVX2 GEMV and GEMM kernels see them.
//
// Prepared activation row (nb = k/32 blocks, nb8 = nb rounded up to a multiple of 8):
//   int8 qs[k] | f32 d[nb8] | f32 s[nb8]     (d, s zero past nb)
// d is the Q8_0/Q8_1 block scale after its f16 rounding and s the block-sum term: d·Σq for Q8_0
// (exact in f32) or the f16-rounded (unrounded d)·Σq of Q8_1 — the same numbers llama.cpp's
// blocks carry, kept as f32 so kernels need no conversions.
// A weight block decodes to 32 levels (unsigned 0..31, or signed for Q8_0/IQ4_NL) with scale d and
// a correction coefficient c — −8·d (Q4_0), −16·d (Q5_0), the min m (Q4_1/Q5_1), 0 (signed types) —
// so that  Σ w·a = Σ_b d_w·d_a·Σ level·q + Σ_b c_b·s_b.
#pragma once

#include <immintrin.h>

#include <cstdint>

#include "kernels/common/half.h"
#include "kernels/common/quant_blocks.h"
#include "kernels/cpu/avx2_util.h"

namespace hearth::cpu::detail::q32 {

using namespace hearth::quant;
using namespace hearth::cpu::avx2;

struct ActView {
  const int8_t* qs;
  const float* d;
  const float* s;
};

// Block count rounded up to whole groups of 8 (the d and s arrays are zero-padded to it, so
// kernels can take scales and corrections 8 blocks at a time).
inline int64_t padded_blocks(int64_t k) { return (k / 32 + 7) / 8 * 8; }

inline size_t act_bytes(int64_t k) { return static_cast<size_t>(k + padded_blocks(k) * 8 + 63) / 64 * 64; }

inline ActView act_view(const uint8_t* row, int64_t k) {
  return {reinterpret_cast<const int8_t*>(row), reinterpret_cast<const float*>(row + k),
          reinterpret_cast<const float*>(row + k + padded_blocks(k) * 4)};
}

// Quantizes one activation row; kQ81 selects the Q8_1 sum (f16-rounded d_unrounded·Σq).
template <bool kQ81>
void prepare(const float* x, void* dst, int64_t k) {
  const int64_t nb = k / 32;
  auto* base = static_cast<uint8_t*>(dst);
  auto* qs = base;
  auto* d = reinterpret_cast<float*>(base + k);
  auto* s = reinterpret_cast<float*>(base + k + padded_blocks(k) * 4);
  for (int64_t b = nb; b < padded_blocks(k); ++b) d[b] = s[b] = 0.f;
  for (int64_t b = 0; b < nb; ++b, x += 32) {
    const float amax = absmax32(x);
    const float dq = amax / 127.f;
    const float id = amax != 0.f ? 127.f / amax : 0.f;
    const __m256i q = round_pack32(x, _mm256_set1_ps(id));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(qs + 32 * b), q);
    const int sum = hsum_i32(_mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_set1_epi8(1), q), _mm256_set1_epi16(1)));
    d[b] = fp16_to_fp32(fp32_to_fp16(dq));
    s[b] = kQ81 ? fp16_to_fp32(fp32_to_fp16(dq * static_cast<float>(sum))) : d[b] * static_cast<float>(sum);
  }
}

// ---- decoders. kOffset: c = kOffset·d; kHasMin: c = m (the f16 after d).

struct DecodeQ4_0 {
  using Block = BlockQ4_0;
  static constexpr bool kSigned = false, kHasMin = false, kQ81 = false;
  static constexpr float kOffset = -8.f;
  static __m256i levels(const Block& x) { return nibbles_to_bytes(x.qs); }
};

struct DecodeQ5_0 {
  using Block = BlockQ5_0;
  static constexpr bool kSigned = false, kHasMin = false, kQ81 = false;
  static constexpr float kOffset = -16.f;
  static __m256i levels(const Block& x) {
    const __m256i hi = _mm256_and_si256(bits_to_bytes(x.qh), _mm256_set1_epi8(0x10));
    return _mm256_or_si256(nibbles_to_bytes(x.qs), hi);
  }
};

struct DecodeQ4_1 {
  using Block = BlockQ4_1;
  static constexpr bool kSigned = false, kHasMin = true, kQ81 = true;
  static constexpr float kOffset = 0.f;
  static __m256i levels(const Block& x) { return nibbles_to_bytes(x.qs); }
};

struct DecodeQ5_1 {
  using Block = BlockQ5_1;
  static constexpr bool kSigned = false, kHasMin = true, kQ81 = true;
  static constexpr float kOffset = 0.f;
  static __m256i levels(const Block& x) {
    const __m256i hi = _mm256_and_si256(bits_to_bytes(x.qh), _mm256_set1_epi8(0x10));
    return _mm256_or_si256(nibbles_to_bytes(x.qs), hi);
  }
};

struct DecodeQ8_0 {
  using Block = BlockQ8_0;
  static constexpr bool kSigned = true, kHasMin = false, kQ81 = false;
  static constexpr float kOffset = 0.f;
  static __m256i levels(const Block& x) { return load32(x.qs); }
};

struct DecodeIQ4_NL {
  using Block = BlockIQ4_NL;
  static constexpr bool kSigned = true, kHasMin = false, kQ81 = false;
  static constexpr float kOffset = 0.f;
  static __m256i levels(const Block& x) { return _mm256_shuffle_epi8(iq4nl_table(), nibbles_to_bytes(x.qs)); }
};

template <class Decode>
float correction(const typename Decode::Block& x) {
  if constexpr (Decode::kHasMin) return half_to_float(x.m);
  return Decode::kOffset * half_to_float(x.d);
}

// Σ pairs of level·q as 8 int32 lanes (signed levels move their sign onto q).
template <class Decode>
inline __m256i block_dot(__m256i w, __m256i q) {
  if constexpr (Decode::kSigned) return dot_u8s8(_mm256_sign_epi8(w, w), _mm256_sign_epi8(q, w));
  return dot_u8s8(w, q);
}

}  // namespace hearth::cpu::detail::q32
