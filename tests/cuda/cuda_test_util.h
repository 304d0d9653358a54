// tests/cuda/cuda_test_util.h — shared helpers of the `cuda` suite: random weight blocks of every
// type, the GEMV reference of the CUDA activation convention, and (for the device tests)
// device buffers that are poisoned with NaN before every run plus the SKIPPED rule.
//
// Device tests start with SKIP_WITHOUT_CUDA_DEVICE(); on a machine without a GPU (CI) they print
// "SKIPPED: no CUDA device" and return, so only the host-side checks of the suite run there.
#pragma once

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "gguf/types.h"
#include "kernels/common/half.h"

namespace hearth::test {

// Every weight type the CUDA GEMV handles, float types first.
inline const std::vector<gguf::TensorType>& cuda_weight_types() {
  using T = gguf::TensorType;
  static const std::vector<T> types = {T::F32,  T::F16,  T::BF16, T::Q4_0, T::Q4_1, T::Q5_0,   T::Q5_1,  T::Q8_0,
                                       T::Q2_K, T::Q3_K, T::Q4_K, T::Q5_K, T::Q6_K, T::IQ4_NL, T::IQ4_XS};
  return types;
}

// Byte offsets of the f16 scale fields (d, dmin, m) inside one block of a quantized type.
inline std::vector<int> half_field_offsets(gguf::TensorType type) {
  using T = gguf::TensorType;
  switch (type) {
    case T::Q4_0: case T::Q5_0: case T::Q8_0: case T::IQ4_NL: case T::IQ4_XS: return {0};
    case T::Q4_1: case T::Q5_1: case T::Q4_K: case T::Q5_K: return {0, 2};
    case T::Q2_K: return {80, 82};
    case T::Q3_K: return {108};
    case T::Q6_K: return {208};
    default: return {};
  }
}

// rows × k weights of `type` made of random bytes — every quant bit pattern occurs — with the f16
// scale fields replaced by finite random values of magnitude ~`scale` (F32/F16/BF16: normal
// values of σ = scale).
inline std::vector<uint8_t> random_weights(gguf::TensorType type, int64_t rows, int64_t k, std::mt19937& rng, float scale = 0.01f) {
  const gguf::TypeTraits tr = gguf::traits(type);
  const std::size_t row_bytes = gguf::row_bytes(type, static_cast<uint64_t>(k));
  std::vector<uint8_t> out(row_bytes * static_cast<std::size_t>(rows));
  std::normal_distribution<float> normal(0.f, scale);
  if (!tr.quantized) {
    const std::size_t n = static_cast<std::size_t>(rows * k);
    for (std::size_t i = 0; i < n; ++i) {
      const float v = normal(rng);
      if (type == gguf::TensorType::F32) std::memcpy(out.data() + 4 * i, &v, 4);
      else {
        const uint16_t h = type == gguf::TensorType::F16 ? quant::fp32_to_fp16(v) : quant::fp32_to_bf16(v);
        std::memcpy(out.data() + 2 * i, &h, 2);
      }
    }
    return out;
  }
  std::uniform_int_distribution<int> byte(0, 255);
  for (auto& b : out) b = static_cast<uint8_t>(byte(rng));
  const std::vector<int> fields = half_field_offsets(type);
  for (std::size_t off = 0; off < out.size(); off += tr.type_size) {
    for (int f : fields) {
      const uint16_t h = quant::fp32_to_fp16(normal(rng));
      std::memcpy(out.data() + off + f, &h, 2);
    }
  }
  return out;
}

inline std::vector<float> random_normal(std::size_t n, std::mt19937& rng, float sigma = 1.f) {
  std::normal_distribution<float> normal(0.f, sigma);
  std::vector<float> v(n);
  for (auto& x : v) x = normal(rng);
  return v;
}

// Q8_1 rows in the CUDA layout (quants k per row; (d, Σx) per block of 32), made on the host.
struct Q8_1Rows {
  std::vector<int8_t> qs;
  std::vector<float> ds;
};
Q8_1Rows quantize_q8_1_host(const float* x, int64_t ldx, int64_t k, int64_t rows);

// The exact value the CUDA GEMV computes for one weight row and one Q8_1 activation row, in
// double: Σ w·x̂ over the dequantized weights w and activations x̂ = d·q, except that offsets and
// minimums constant over a 32-block (Q4_0 −8d, Q5_0 −16d, Q4_1/Q5_1 m, Q4_K/Q5_K −dmin·m) meet
// the true Σx instead of Σx̂ (gemv_math.h). For F32/F16/BF16, Σ w·x over `x`.
double gemv_reference_row(gguf::TensorType type, const uint8_t* w_row, int64_t k, const int8_t* aq, const float* ads, const float* x);
// Σ |w·x̂| of the same row: the scale of rounding errors.
double gemv_magnitude_row(gguf::TensorType type, const uint8_t* w_row, int64_t k, const float* x);

// Causal attention of one query row (n_head heads of head_dim) over cache rows first_row ..
// first_row+n_kv-1 of n_head_kv·head_dim floats (already dequantized), in double:
// out[h·head_dim + d].
std::vector<double> attention_f64(const float* q, const float* k_rows, const float* v_rows, int64_t first_row, int64_t n_kv, int n_head,
                                  int n_head_kv, int head_dim, float scale);

}  // namespace hearth::test
