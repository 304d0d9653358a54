// tests/kernels/kernel_test_util.h — random weights/activations for the vec_dot and matmul tests.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "gguf/types.h"
#include "kernels/cpu/quant.h"

namespace hearth::test {

// Every weight type the CPU kernels multiply with.
inline const std::vector<gguf::TensorType>& all_weight_types() {
  using T = gguf::TensorType;
  static const std::vector<T> types = {T::F32,  T::F16,  T::BF16, T::Q4_0, T::Q4_1, T::Q5_0,  T::Q5_1, T::Q8_0,
                                       T::Q2_K, T::Q3_K, T::Q4_K, T::Q5_K, T::Q6_K, T::IQ4_NL, T::IQ4_XS};
  return types;
}

inline std::vector<float> random_floats(size_t n, std::mt19937& rng, float scale = 1.f) {
  std::normal_distribution<float> normal(0.f, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = normal(rng);
  return v;
}

// rows × k weights quantized to `type` (row-major, row_bytes apart).
inline std::vector<uint8_t> quantize_matrix(gguf::TensorType type, const std::vector<float>& w, int64_t rows, int64_t k) {
  const size_t rb = gguf::row_bytes(type, static_cast<uint64_t>(k));
  std::vector<uint8_t> out(rb * static_cast<size_t>(rows));
  for (int64_t r = 0; r < rows; ++r) cpu::quantize_row(type, w.data() + r * k, out.data() + r * rb, k);
  return out;
}

}  // namespace hearth::test
