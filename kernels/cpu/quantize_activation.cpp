// Scalar activation quantizers (spec §2.5). Q8_0/Q8_1 follow llama.cpp's AVX2 quantize_row_q8_0/1
// — the code an x86 build of llama.cpp actually runs — rather than its scalar reference:
// id = 127/amax (not 1/d) and q = round-half-to-even(x*id) (not roundf). Using that rule on every
// CPU keeps hearth's matmul results identical across ISAs and within f32 rounding of llama.cpp.
// Q8_K is the same everywhere (quantize_row_q8_K_ref).
#include <cmath>
#include <cstring>

#include "kernels/common/half.h"
#include "kernels/common/quant_blocks.h"
#include "kernels/cpu/kernel_table.h"

namespace hearth::cpu::detail {
namespace {

using namespace hearth::quant;

// Round half to even for |v| < 2^22 (spec §2.2 nearest_int), the same as _mm256_round_ps(.., 0).
inline int nearest_int(float v) {
  float biased = v + 12582912.f;
  int32_t i;
  std::memcpy(&i, &biased, 4);
  return (i & 0x007FFFFF) - 0x00400000;
}

inline int8_t saturate_i8(int v) { return static_cast<int8_t>(v < -128 ? -128 : (v > 127 ? 127 : v)); }

// Shared by Q8_0 and Q8_1: returns the unrounded f32 d and the sum of the quants.
inline float quantize_block32(const float* x, int8_t* q, int& sum) {
  float amax = 0.f;
  for (int j = 0; j < 32; ++j) amax = std::fmax(amax, std::fabs(x[j]));
  const float d = amax / 127.f;
  const float id = amax != 0.f ? 127.f / amax : 0.f;
  sum = 0;
  for (int j = 0; j < 32; ++j) {
    q[j] = saturate_i8(nearest_int(x[j] * id));
    sum += q[j];
  }
  return d;
}

void quantize_act_f32(const float* x, void* dst, int64_t n) { std::memcpy(dst, x, static_cast<size_t>(n) * 4); }

void quantize_act_f16(const float* x, void* dst, int64_t n) {
  auto* y = static_cast<uint16_t*>(dst);
  for (int64_t i = 0; i < n; ++i) y[i] = fp32_to_fp16(x[i]);
}

void quantize_act_bf16(const float* x, void* dst, int64_t n) {
  auto* y = static_cast<uint16_t*>(dst);
  for (int64_t i = 0; i < n; ++i) y[i] = fp32_to_bf16(x[i]);
}

}  // namespace

void quantize_act_q8_0_scalar(const float* x, void* dst, int64_t n) {
  auto* y = static_cast<BlockQ8_0*>(dst);
  for (int64_t i = 0; i < n / QK8_0; ++i) {
    int sum;
    const float d = quantize_block32(x + i * QK8_0, y[i].qs, sum);
    y[i].d = fp32_to_fp16(d);
  }
}

void quantize_act_q8_1_scalar(const float* x, void* dst, int64_t n) {
  auto* y = static_cast<BlockQ8_1*>(dst);
  for (int64_t i = 0; i < n / QK8_1; ++i) {
    int sum;
    const float d = quantize_block32(x + i * QK8_1, y[i].qs, sum);
    y[i].d = fp32_to_fp16(d);
    y[i].s = fp32_to_fp16(d * static_cast<float>(sum));
  }
}

void quantize_act_q8_k_scalar(const float* x, void* dst, int64_t n) {
  auto* y = static_cast<BlockQ8_K*>(dst);
  for (int64_t i = 0; i < n / QK_K; ++i, x += QK_K) {
    float max = 0.f, amax = 0.f;
    for (int j = 0; j < QK_K; ++j) {
      const float ax = std::fabs(x[j]);
      if (ax > amax) {
        amax = ax;
        max = x[j];
      }
    }
    if (amax == 0.f) {
      y[i].d = 0.f;
      std::memset(y[i].qs, 0, sizeof(y[i].qs));
      std::memset(y[i].bsums, 0, sizeof(y[i].bsums));
      continue;
    }
    const float iscale = -127.f / max;
    for (int j = 0; j < QK_K; ++j) {
      const int v = nearest_int(iscale * x[j]);
      y[i].qs[j] = static_cast<int8_t>(v < 127 ? v : 127);
    }
    for (int g = 0; g < QK_K / 16; ++g) {
      int sum = 0;
      for (int l = 0; l < 16; ++l) sum += y[i].qs[16 * g + l];
      y[i].bsums[g] = static_cast<int16_t>(sum);
    }
    y[i].d = 1.f / iscale;
  }
}

QuantizeActFn scalar_quantize_activation(TensorType act_type) {
  switch (act_type) {
    case TensorType::F32: return quantize_act_f32;
    case TensorType::F16: return quantize_act_f16;
    case TensorType::BF16: return quantize_act_bf16;
    case TensorType::Q8_0: return quantize_act_q8_0_scalar;
    case TensorType::Q8_1: return quantize_act_q8_1_scalar;
    case TensorType::Q8_K: return quantize_act_q8_k_scalar;
    default: return nullptr;
  }
}

}  // namespace hearth::cpu::detail
