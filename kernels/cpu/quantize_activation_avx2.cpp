// AVX2 activation quantizers. They produce exactly the bytes of the scalar versions in
// quantize_activation.cpp (the rule is llama.cpp's AVX2 one for Q8_0/Q8_1: id = 127/amax, round
// half to even; Q8_K as quantize_row_q8_K_ref); test_activation checks both against the spec.
#include "kernels/common/half.h"
#include "kernels/common/quant_blocks.h"
#include "kernels/cpu/avx2_util.h"
#include "kernels/cpu/kernel_table.h"

namespace hearth::cpu::detail {
namespace {

using namespace hearth::quant;
using namespace hearth::cpu::avx2;

void act_q8_0(const float* x, void* dst, int64_t n) {
  auto* y = static_cast<BlockQ8_0*>(dst);
  for (int64_t i = 0; i < n / 32; ++i, x += 32) {
    const float amax = absmax32(x);
    y[i].d = fp32_to_fp16(amax / 127.f);
    const float id = amax != 0.f ? 127.f / amax : 0.f;
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(y[i].qs), round_pack32(x, _mm256_set1_ps(id)));
  }
}

void act_q8_1(const float* x, void* dst, int64_t n) {
  auto* y = static_cast<BlockQ8_1*>(dst);
  for (int64_t i = 0; i < n / 32; ++i, x += 32) {
    const float amax = absmax32(x);
    const float d = amax / 127.f;
    y[i].d = fp32_to_fp16(d);
    const float id = amax != 0.f ? 127.f / amax : 0.f;
    const __m256i q = round_pack32(x, _mm256_set1_ps(id));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(y[i].qs), q);
    const int sum = hsum_i32(_mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_set1_epi8(1), q), _mm256_set1_epi16(1)));
    y[i].s = fp32_to_fp16(d * static_cast<float>(sum));
  }
}

void act_q8_k(const float* x, void* dst, int64_t n) {
  auto* y = static_cast<BlockQ8_K*>(dst);
  for (int64_t i = 0; i < n / QK_K; ++i, x += QK_K) {
    float amax = 0.f;
    for (int c = 0; c < QK_K; c += 32) amax = std::max(amax, absmax32(x + c));
    if (amax == 0.f) {
      y[i].d = 0.f;
      std::memset(y[i].qs, 0, sizeof(y[i].qs));
      std::memset(y[i].bsums, 0, sizeof(y[i].bsums));
      continue;
    }
    float max = 0.f;  // the first element whose magnitude is amax, with its sign
    for (int j = 0; j < QK_K; ++j) {
      if (x[j] == amax || x[j] == -amax) {
        max = x[j];
        break;
      }
    }
    const float iscale = -127.f / max;
    const __m256 mul = _mm256_set1_ps(iscale);
    for (int c = 0; c < QK_K; c += 32) {
      // Rounded values are within ±127 (the extreme maps to −127), so packing never clips here.
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(y[i].qs + c), round_pack32(x + c, mul));
    }
    for (int g = 0; g < QK_K / 16; ++g) {
      const __m128i q = _mm_loadu_si128(reinterpret_cast<const __m128i*>(y[i].qs + 16 * g));
      const __m128i s = _mm_madd_epi16(_mm_cvtepi8_epi16(q), _mm_set1_epi16(1));
      const __m128i s2 = _mm_madd_epi16(_mm_cvtepi8_epi16(_mm_srli_si128(q, 8)), _mm_set1_epi16(1));
      __m128i t = _mm_add_epi32(s, s2);
      t = _mm_add_epi32(t, _mm_unpackhi_epi64(t, t));
      t = _mm_add_epi32(t, _mm_shuffle_epi32(t, 1));
      y[i].bsums[g] = static_cast<int16_t>(_mm_cvtsi128_si32(t));
    }
    y[i].d = 1.f / iscale;
  }
}

void act_f16(const float* x, void* dst, int64_t n) {
  auto* y = static_cast<uint16_t*>(dst);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(y + i), _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
  }
  for (; i < n; ++i) y[i] = fp32_to_fp16(x[i]);
}

}  // namespace

QuantizeActFn avx2_quantize_activation(TensorType act_type) {
  switch (act_type) {
    case TensorType::Q8_0: return act_q8_0;
    case TensorType::Q8_1: return act_q8_1;
    case TensorType::Q8_K: return act_q8_k;
    case TensorType::F16: return act_f16;
    default: return nullptr;  // F32, BF16: the scalar versions are already memory-bound
  }
}

}  // namespace hearth::cpu::detail
