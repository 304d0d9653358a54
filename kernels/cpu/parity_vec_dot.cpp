// Row dot products in llama.cpp's x86 order (parity_kernels.h). Compiled with -mavx2 -mfma -mf16c.
//
// The 32-element block formats all follow one pattern in ggml's AVX2 code (which an AVX-512
// build also runs for them): one __m256 accumulator whose lane k collects, block after block,
// fma(d_w·d_a, Σ of the 4 integer products of elements 4k..4k+3, acc_k), then hsum_float_8.
// Integer block sums are exact however they are formed, so only that f32 structure is kept.
// The float formats follow ggml_vec_dot_f32 / _f16 / _bf16 and llamafile's tinyBLAS.
#include <immintrin.h>

#include <cmath>
#include <cstring>

#include "kernels/common/half.h"
#include "kernels/common/quant_blocks.h"
#include "kernels/cpu/parity_kernels.h"
#include "kernels/cpu/parity_simd.h"

namespace hearth::cpu::parity::detail {
namespace {

using namespace hearth::quant;
using simd::V16;

inline float h2f(uint16_t h) { return _cvtsh_ss(h); }
inline __m256i load32(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }

// 8 int32 lanes: lane k = Σ_{e=4k}^{4k+3} x_e·y_e for signed bytes (|x| ≤ 127).
inline __m256 lane_sums_s8(__m256i x, __m256i y) {
  const __m256i p16 = _mm256_maddubs_epi16(_mm256_sign_epi8(x, x), _mm256_sign_epi8(y, x));
  return _mm256_cvtepi32_ps(_mm256_madd_epi16(p16, _mm256_set1_epi16(1)));
}
// Same with unsigned x (0..31).
inline __m256 lane_sums_u8(__m256i x, __m256i y) {
  return _mm256_cvtepi32_ps(_mm256_madd_epi16(_mm256_maddubs_epi16(x, y), _mm256_set1_epi16(1)));
}
inline __m256i nibbles(const uint8_t* q) {
  const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(q));
  const __m256i both = _mm256_inserti128_si256(_mm256_castsi128_si256(x), _mm_srli_epi16(x, 4), 1);
  return _mm256_and_si256(both, _mm256_set1_epi8(0x0F));
}
inline __m256i bits_to_bytes(const uint8_t* p) {
  uint32_t bits;
  std::memcpy(&bits, p, 4);
  const __m256i shuffle = _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202, 0x0101010101010101, 0x0000000000000000);
  __m256i bytes = _mm256_shuffle_epi8(_mm256_set1_epi32(static_cast<int>(bits)), shuffle);
  bytes = _mm256_or_si256(bytes, _mm256_set1_epi64x(0x7FBFDFEFF7FBFDFE));
  return _mm256_cmpeq_epi8(bytes, _mm256_set1_epi64x(-1));
}

// ---- 32-element blocks × Q8_0 ----------------------------------------------------------------------

template <typename Block, typename Decode>
float dot_x_q8_0(int64_t n, const void* w, const void* a, Decode decode) {
  const auto* x = static_cast<const Block*>(w);
  const auto* y = static_cast<const BlockQ8_0*>(a);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < n / 32; ++i) {
    const __m256 d = _mm256_set1_ps(h2f(x[i].d) * h2f(y[i].d));
    acc = _mm256_fmadd_ps(d, lane_sums_s8(decode(x[i]), load32(y[i].qs)), acc);
  }
  return simd::hsum8(acc);
}

float dot_q8_0(int64_t n, const void* w, const void* a) {
  return dot_x_q8_0<BlockQ8_0>(n, w, a, [](const BlockQ8_0& b) { return load32(b.qs); });
}

float dot_q4_0(int64_t n, const void* w, const void* a) {
  return dot_x_q8_0<BlockQ4_0>(n, w, a, [](const BlockQ4_0& b) { return _mm256_sub_epi8(nibbles(b.qs), _mm256_set1_epi8(8)); });
}

float dot_q5_0(int64_t n, const void* w, const void* a) {
  return dot_x_q8_0<BlockQ5_0>(n, w, a, [](const BlockQ5_0& b) {
    const __m256i high = _mm256_andnot_si256(bits_to_bytes(b.qh), _mm256_set1_epi8(static_cast<char>(0xF0)));
    return _mm256_or_si256(nibbles(b.qs), high);
  });
}

float dot_iq4_nl(int64_t n, const void* w, const void* a) {
  const __m256i table = _mm256_broadcastsi128_si256(_mm_setr_epi8(-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113));
  return dot_x_q8_0<BlockIQ4_NL>(n, w, a, [table](const BlockIQ4_NL& b) { return _mm256_shuffle_epi8(table, nibbles(b.qs)); });
}

// ---- 32-element blocks with a min × Q8_1: the mins go through a scalar f32 sum ----------------------

// ggml_vec_dot_q4_1_q8_1 / q5_1_q8_1: acc = fma(d_w·d_a, lanes, acc); summs += m·s as a separate
// multiply and add; result hsum(acc) + summs.
template <typename Block, typename Decode>
float dot_x_q8_1(int64_t n, const void* w, const void* a, Decode decode) {
  const auto* x = static_cast<const Block*>(w);
  const auto* y = static_cast<const BlockQ8_1*>(a);
  __m256 acc = _mm256_setzero_ps();
  float summs = 0.0f;
  for (int64_t i = 0; i < n / 32; ++i) {
    summs += h2f(x[i].m) * h2f(y[i].s);  // not contracted (see vec_dot_f32)
    const __m256 d = _mm256_set1_ps(h2f(x[i].d) * h2f(y[i].d));
    acc = _mm256_fmadd_ps(d, lane_sums_u8(decode(x[i]), load32(y[i].qs)), acc);
  }
  return simd::hsum8(acc) + summs;
}

float dot_q4_1(int64_t n, const void* w, const void* a) {
  return dot_x_q8_1<BlockQ4_1>(n, w, a, [](const BlockQ4_1& b) { return nibbles(b.qs); });
}

float dot_q5_1(int64_t n, const void* w, const void* a) {
  return dot_x_q8_1<BlockQ5_1>(n, w, a, [](const BlockQ5_1& b) {
    return _mm256_or_si256(nibbles(b.qs), _mm256_and_si256(bits_to_bytes(b.qh), _mm256_set1_epi8(0x10)));
  });
}

// ---- float formats -----------------------------------------------------------------------------------

// ggml_vec_dot_f16, AVX-512: the f16 operands converted to f32 16 at a time, 4 accumulators over
// 64-element steps, the GGML_F32x16 reduction into a double, the tail added in double.
float dot_f16(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const uint16_t*>(w);
  const auto* y = static_cast<const uint16_t*>(a);
  auto load = [](const uint16_t* p) -> V16 {
    return {_mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))),
            _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 8)))};
  };
  const int64_t np = n & ~int64_t{63};
  V16 sum[4] = {simd::zero16(), simd::zero16(), simd::zero16(), simd::zero16()};
  for (int64_t i = 0; i < np; i += 64)
    for (int j = 0; j < 4; ++j) sum[j] = simd::fma16(load(x + i + 16 * j), load(y + i + 16 * j), sum[j]);
  sum[0] = simd::add16(sum[0], sum[2]);
  sum[1] = simd::add16(sum[1], sum[3]);
  sum[0] = simd::add16(sum[0], sum[1]);
  double sumf = simd::reduce16(sum[0]);
  for (int64_t i = np; i < n; ++i) sumf += static_cast<double>(h2f(x[i]) * h2f(y[i]));
  return static_cast<float>(sumf);
}

// VDPBF16PS lane semantics: acc += a_odd·b_odd, then += a_even·b_even, each sum rounded to
// nearest even with denormal inputs and results flushed to zero (the instruction ignores MXCSR).
// bf16·bf16 products are exact in f32, so only the two additions round.
inline float ftz(float v) { return std::fpclassify(v) == FP_SUBNORMAL ? std::copysign(0.0f, v) : v; }
inline float bf(uint16_t h) { return ftz(bits_to_float(static_cast<uint32_t>(h) << 16)); }
inline float dpbf16_lane(float acc, const uint16_t* a, const uint16_t* b) {
  acc = ftz(acc + ftz(bf(a[1]) * bf(b[1])));
  return ftz(acc + ftz(bf(a[0]) * bf(b[0])));
}

// ggml_vec_dot_bf16 with __AVX512BF16__: two accumulators over 64-element steps (c1 the first
// 32 elements, c2 the next 32), each reduced into a double; the tail in double.
float dot_bf16(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const uint16_t*>(w);
  const auto* y = static_cast<const uint16_t*>(a);
  float c1[16] = {}, c2[16] = {};
  int64_t i = 0;
  for (; i + 64 <= n; i += 64)
    for (int l = 0; l < 16; ++l) {
      c1[l] = dpbf16_lane(c1[l], x + i + 2 * l, y + i + 2 * l);
      c2[l] = dpbf16_lane(c2[l], x + i + 32 + 2 * l, y + i + 32 + 2 * l);
    }
  double sumf = simd::reduce16(simd::load16(c1));
  sumf += simd::reduce16(simd::load16(c2));
  for (; i < n; ++i) sumf += static_cast<double>(bits_to_float(static_cast<uint32_t>(x[i]) << 16) * bits_to_float(static_cast<uint32_t>(y[i]) << 16));
  return static_cast<float>(sumf);
}

float dot_f32(int64_t n, const void* w, const void* a) { return vec_dot_f32(n, static_cast<const float*>(w), 1, static_cast<const float*>(a)); }

// tinyBLAS: one accumulator, fma per 16 elements (BF16: VDPBF16PS per 32), _mm512_reduce_add_ps.
float tinyblas_f16(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const uint16_t*>(w);
  const auto* y = static_cast<const uint16_t*>(a);
  V16 acc = simd::zero16();
  for (int64_t l = 0; l < n; l += 16) {
    const V16 xa{_mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x + l))),
                 _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x + l + 8)))};
    const V16 yb{_mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(y + l))),
                 _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(y + l + 8)))};
    acc = simd::fma16(xa, yb, acc);
  }
  return simd::reduce16(acc);
}

float tinyblas_bf16(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const uint16_t*>(w);
  const auto* y = static_cast<const uint16_t*>(a);
  float c[16] = {};
  for (int64_t l = 0; l < n; l += 32)
    for (int i = 0; i < 16; ++i) c[i] = dpbf16_lane(c[i], x + l + 2 * i, y + l + 2 * i);
  return simd::reduce16(simd::load16(c));
}

float tinyblas_f32(int64_t n, const void* w, const void* a) {
  return tinyblas_dot_f32(n, static_cast<const float*>(w), 1, static_cast<const float*>(a));
}

}  // namespace

float vec_dot_f32(int64_t n, const float* x, int64_t x_stride, const float* y) {
  const int64_t np = n & ~int64_t{63};
  V16 sum[4] = {simd::zero16(), simd::zero16(), simd::zero16(), simd::zero16()};
  if (x_stride == 1) {
    for (int64_t i = 0; i < np; i += 64)
      for (int j = 0; j < 4; ++j) sum[j] = simd::fma16(simd::load16(x + i + 16 * j), simd::load16(y + i + 16 * j), sum[j]);
  } else {
    alignas(32) float g[16];
    for (int64_t i = 0; i < np; i += 64)
      for (int j = 0; j < 4; ++j) {
        for (int l = 0; l < 16; ++l) g[l] = x[(i + 16 * j + l) * x_stride];
        sum[j] = simd::fma16(simd::load16(g), simd::load16(y + i + 16 * j), sum[j]);
      }
  }
  sum[0] = simd::add16(sum[0], sum[2]);
  sum[1] = simd::add16(sum[1], sum[3]);
  sum[0] = simd::add16(sum[0], sum[1]);
  float sumf = simd::reduce16(sum[0]);
  // The tail `sumf += x[i]*y[i]` is a separate multiply and add: the reference build does not
  // contract compound assignments (clang's -ffp-contract=on; GCC's default would fuse them).
  for (int64_t i = np; i < n; ++i) sumf += x[i * x_stride] * y[i];
  return sumf;
}

float tinyblas_dot_f32(int64_t n, const float* x, int64_t x_stride, const float* y) {
  V16 acc = simd::zero16();
  alignas(32) float g[16];
  for (int64_t l = 0; l < n; l += 16) {
    V16 xa;
    if (x_stride == 1) {
      xa = simd::load16(x + l);
    } else {
      for (int i = 0; i < 16; ++i) g[i] = x[(l + i) * x_stride];
      xa = simd::load16(g);
    }
    acc = simd::fma16(xa, simd::load16(y + l), acc);
  }
  return simd::reduce16(acc);
}

RowDotFn row_dot(TensorType t) {
  switch (t) {
    case TensorType::F32: return dot_f32;
    case TensorType::F16: return dot_f16;
    case TensorType::BF16: return dot_bf16;
    case TensorType::Q8_0: return dot_q8_0;
    case TensorType::Q4_0: return dot_q4_0;
    case TensorType::Q5_0: return dot_q5_0;
    case TensorType::IQ4_NL: return dot_iq4_nl;
    case TensorType::Q4_1: return dot_q4_1;
    case TensorType::Q5_1: return dot_q5_1;
    default: return row_dot_kquant(t);
  }
}

TinyBlasDotFn tinyblas_dot(TensorType t) {
  switch (t) {
    case TensorType::F32: return tinyblas_f32;
    case TensorType::F16: return tinyblas_f16;
    case TensorType::BF16: return tinyblas_bf16;
    default: return nullptr;
  }
}

}  // namespace hearth::cpu::parity::detail
