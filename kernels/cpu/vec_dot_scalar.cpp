// Scalar dot products of one weight row with one activation row (the oracle for the SIMD kernels).
// Quantized types sum the per-block results of kernels/common/quant_math.h in block order, as
// llama.cpp's generic vec_dot does; float types accumulate in double like ggml's ggml_float.
#include "kernels/common/half.h"
#include "kernels/common/quant_math.h"
#include "kernels/cpu/kernel_table.h"

namespace hearth::cpu::detail {
namespace {

using namespace hearth::quant;

template <typename WBlock, typename ABlock, int QK>
float vec_dot_blocks(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const WBlock*>(w);
  const auto* y = static_cast<const ABlock*>(a);
  float sum = 0.f;
  for (int64_t i = 0; i < n / QK; ++i) sum += dot_block(x[i], y[i]);
  return sum;
}

float vec_dot_f32(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const float*>(w);
  const auto* y = static_cast<const float*>(a);
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(x[i] * y[i]);
  return static_cast<float>(sum);
}

float vec_dot_f16(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const uint16_t*>(w);
  const auto* y = static_cast<const uint16_t*>(a);
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(fp16_to_fp32(x[i]) * fp16_to_fp32(y[i]));
  return static_cast<float>(sum);
}

float vec_dot_bf16(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const uint16_t*>(w);
  const auto* y = static_cast<const uint16_t*>(a);
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(bf16_to_fp32(x[i]) * bf16_to_fp32(y[i]));
  return static_cast<float>(sum);
}

}  // namespace

VecDotFn scalar_vec_dot(TensorType t) {
  switch (t) {
    case TensorType::F32: return vec_dot_f32;
    case TensorType::F16: return vec_dot_f16;
    case TensorType::BF16: return vec_dot_bf16;
    case TensorType::Q4_0: return vec_dot_blocks<BlockQ4_0, BlockQ8_0, QK4_0>;
    case TensorType::Q4_1: return vec_dot_blocks<BlockQ4_1, BlockQ8_1, QK4_1>;
    case TensorType::Q5_0: return vec_dot_blocks<BlockQ5_0, BlockQ8_0, QK5_0>;
    case TensorType::Q5_1: return vec_dot_blocks<BlockQ5_1, BlockQ8_1, QK5_1>;
    case TensorType::Q8_0: return vec_dot_blocks<BlockQ8_0, BlockQ8_0, QK8_0>;
    case TensorType::IQ4_NL: return vec_dot_blocks<BlockIQ4_NL, BlockQ8_0, QK4_NL>;
    case TensorType::Q2_K: return vec_dot_blocks<BlockQ2_K, BlockQ8_K, QK_K>;
    case TensorType::Q3_K: return vec_dot_blocks<BlockQ3_K, BlockQ8_K, QK_K>;
    case TensorType::Q4_K: return vec_dot_blocks<BlockQ4_K, BlockQ8_K, QK_K>;
    case TensorType::Q5_K: return vec_dot_blocks<BlockQ5_K, BlockQ8_K, QK_K>;
    case TensorType::Q6_K: return vec_dot_blocks<BlockQ6_K, BlockQ8_K, QK_K>;
    case TensorType::IQ4_XS: return vec_dot_blocks<BlockIQ4_XS, BlockQ8_K, QK_K>;
    default: return nullptr;
  }
}

}  // namespace hearth::cpu::detail
