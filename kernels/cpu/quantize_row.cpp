// quantize_row / has_quantizer (kernels/cpu/quant.h): dispatch to the per-type weight quantizers.
#include <cstring>
#include <stdexcept>
#include <string>

#include "kernels/cpu/quant.h"
#include "kernels/cpu/quantize_weights.h"

namespace hearth::cpu {
namespace {

using QuantizeFn = void (*)(const float* x, void* dst, int64_t n);

void copy_f32(const float* x, void* dst, int64_t n) { std::memcpy(dst, x, static_cast<size_t>(n) * 4); }

QuantizeFn quantizer(TensorType type) {
  switch (type) {
    case TensorType::F32: return copy_f32;
    case TensorType::F16: return detail::quantize_f16;
    case TensorType::BF16: return detail::quantize_bf16;
    case TensorType::Q4_0: return detail::quantize_q4_0;
    case TensorType::Q4_1: return detail::quantize_q4_1;
    case TensorType::Q5_0: return detail::quantize_q5_0;
    case TensorType::Q5_1: return detail::quantize_q5_1;
    case TensorType::Q8_0: return detail::quantize_q8_0;
    case TensorType::Q2_K: return detail::quantize_q2_k;
    case TensorType::Q3_K: return detail::quantize_q3_k;
    case TensorType::Q4_K: return detail::quantize_q4_k;
    case TensorType::Q5_K: return detail::quantize_q5_k;
    case TensorType::Q6_K: return detail::quantize_q6_k;
    case TensorType::IQ4_NL: return detail::quantize_iq4_nl;
    case TensorType::IQ4_XS: return detail::quantize_iq4_xs;
    default: return nullptr;
  }
}

}  // namespace

bool has_quantizer(TensorType type) { return quantizer(type) != nullptr; }

void quantize_row(TensorType type, const float* src, void* dst, int64_t n) {
  QuantizeFn fn = quantizer(type);
  const gguf::TypeTraits tr = gguf::traits(type);
  if (!fn) throw std::invalid_argument("quantize_row: no quantizer for tensor type " + std::string(tr.name));
  if (n < 0 || n % tr.block_size != 0) {
    throw std::invalid_argument("quantize_row: " + std::to_string(n) + " elements is not a whole number of " +
                                std::string(tr.name) + " blocks (" + std::to_string(tr.block_size) + ")");
  }
  fn(src, dst, n);
}

}  // namespace hearth::cpu
