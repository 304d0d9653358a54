// dequantize_row: one row of any supported weight type to f32, block by block through the shared
// per-block math of kernels/common/quant_math.h (bit-exact with ggml's dequantize_row_*).
#include <cstring>
#include <stdexcept>
#include <string>

#include "kernels/common/quant_math.h"
#include "kernels/cpu/quant.h"

namespace hearth::cpu {
namespace {

using namespace hearth::quant;

template <typename Block, int QK>
void dequantize_blocks(const void* src, float* dst, int64_t n) {
  const auto* b = static_cast<const Block*>(src);
  for (int64_t i = 0; i < n / QK; ++i) dequantize_block(b[i], dst + i * QK);
}

}  // namespace

void dequantize_row(TensorType type, const void* src, float* dst, int64_t n) {
  const gguf::TypeTraits tr = gguf::traits(type);
  if (n < 0 || n % tr.block_size != 0) {
    throw std::invalid_argument("dequantize_row: " + std::to_string(n) + " elements is not a whole number of " +
                                std::string(tr.name) + " blocks (" + std::to_string(tr.block_size) + ")");
  }
  switch (type) {
    case TensorType::F32: std::memcpy(dst, src, static_cast<size_t>(n) * 4); return;
    case TensorType::F16:
      for (int64_t i = 0; i < n; ++i) dst[i] = fp16_to_fp32(static_cast<const uint16_t*>(src)[i]);
      return;
    case TensorType::BF16:
      for (int64_t i = 0; i < n; ++i) dst[i] = bf16_to_fp32(static_cast<const uint16_t*>(src)[i]);
      return;
    case TensorType::Q4_0: return dequantize_blocks<BlockQ4_0, QK4_0>(src, dst, n);
    case TensorType::Q4_1: return dequantize_blocks<BlockQ4_1, QK4_1>(src, dst, n);
    case TensorType::Q5_0: return dequantize_blocks<BlockQ5_0, QK5_0>(src, dst, n);
    case TensorType::Q5_1: return dequantize_blocks<BlockQ5_1, QK5_1>(src, dst, n);
    case TensorType::Q8_0: return dequantize_blocks<BlockQ8_0, QK8_0>(src, dst, n);
    case TensorType::Q8_1: return dequantize_blocks<BlockQ8_1, QK8_1>(src, dst, n);
    case TensorType::Q2_K: return dequantize_blocks<BlockQ2_K, QK_K>(src, dst, n);
    case TensorType::Q3_K: return dequantize_blocks<BlockQ3_K, QK_K>(src, dst, n);
    case TensorType::Q4_K: return dequantize_blocks<BlockQ4_K, QK_K>(src, dst, n);
    case TensorType::Q5_K: return dequantize_blocks<BlockQ5_K, QK_K>(src, dst, n);
    case TensorType::Q6_K: return dequantize_blocks<BlockQ6_K, QK_K>(src, dst, n);
    case TensorType::Q8_K: return dequantize_blocks<BlockQ8_K, QK_K>(src, dst, n);
    case TensorType::IQ4_NL: return dequantize_blocks<BlockIQ4_NL, QK4_NL>(src, dst, n);
    case TensorType::IQ4_XS: return dequantize_blocks<BlockIQ4_XS, QK_K>(src, dst, n);
    default:
      throw std::invalid_argument("dequantize_row: unsupported tensor type " + std::string(tr.name));
  }
}

}  // namespace hearth::cpu
