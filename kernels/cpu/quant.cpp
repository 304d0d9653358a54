// Public entry points of kernels/cpu/quant.h: type queries, activation conversion and vec_dot,
// dispatched to the AVX2 table when the CPU has it and the type has a kernel there.
#include "kernels/cpu/quant.h"

#include <stdexcept>
#include <string>

#include "kernels/cpu/cpu_features.h"
#include "kernels/cpu/kernel_table.h"

namespace hearth::cpu {
namespace {

void check_row(const char* what, TensorType type, int64_t n) {
  const gguf::TypeTraits tr = gguf::traits(type);
  if (n < 0 || n % tr.block_size != 0) {
    throw std::invalid_argument(std::string(what) + ": " + std::to_string(n) + " elements is not a whole number of " +
                                std::string(tr.name) + " blocks (" + std::to_string(tr.block_size) + ")");
  }
}

[[noreturn]] void unsupported(const char* what, TensorType type) {
  throw std::invalid_argument(std::string(what) + ": unsupported tensor type " + std::string(gguf::type_name(type)));
}

}  // namespace

bool is_supported_weight_type(TensorType type) { return detail::scalar_vec_dot(type) != nullptr; }

TensorType vec_dot_type(TensorType weight_type) {
  switch (weight_type) {
    case TensorType::F32: return TensorType::F32;
    case TensorType::F16: return TensorType::F16;
    case TensorType::BF16: return TensorType::BF16;
    case TensorType::Q4_0:
    case TensorType::Q5_0:
    case TensorType::Q8_0:
    case TensorType::IQ4_NL: return TensorType::Q8_0;
    case TensorType::Q4_1:
    case TensorType::Q5_1: return TensorType::Q8_1;
    case TensorType::Q2_K:
    case TensorType::Q3_K:
    case TensorType::Q4_K:
    case TensorType::Q5_K:
    case TensorType::Q6_K:
    case TensorType::IQ4_XS: return TensorType::Q8_K;
    default: unsupported("vec_dot_type", weight_type);
  }
}

void quantize_activation_row(TensorType act_type, const float* x, void* dst, int64_t n) {
  check_row("quantize_activation_row", act_type, n);
  detail::QuantizeActFn fn = nullptr;
  if (simd_level() == SimdLevel::Avx2) fn = detail::avx2_quantize_activation(act_type);
  if (!fn) fn = detail::scalar_quantize_activation(act_type);
  if (!fn) unsupported("quantize_activation_row", act_type);
  fn(x, dst, n);
}

float vec_dot(TensorType weight_type, int64_t n, const void* weight_row, const void* activation_row) {
  check_row("vec_dot", weight_type, n);
  detail::VecDotFn fn = nullptr;
  if (simd_level() == SimdLevel::Avx2) fn = detail::avx2_vec_dot(weight_type);
  if (!fn) fn = detail::scalar_vec_dot(weight_type);
  if (!fn) unsupported("vec_dot", weight_type);
  return fn(n, weight_row, activation_row);
}

namespace reference {

float vec_dot(TensorType weight_type, int64_t n, const void* weight_row, const void* activation_row) {
  check_row("reference::vec_dot", weight_type, n);
  detail::VecDotFn fn = detail::scalar_vec_dot(weight_type);
  if (!fn) unsupported("reference::vec_dot", weight_type);
  return fn(n, weight_row, activation_row);
}

void quantize_activation_row(TensorType act_type, const float* x, void* dst, int64_t n) {
  check_row("reference::quantize_activation_row", act_type, n);
  detail::QuantizeActFn fn = detail::scalar_quantize_activation(act_type);
  if (!fn) unsupported("reference::quantize_activation_row", act_type);
  fn(x, dst, n);
}

}  // namespace reference
}  // namespace hearth::cpu
