#include "cuda_test_util.h"

#include <algorithm>
#include <cmath>

#include "kernels/common/quant_math.h"
#include "kernels/cpu/quant.h"
#include "kernels/cuda/gemv_math.h"

namespace hearth::test {

using gguf::TensorType;

Q8_1Rows quantize_q8_1_host(const float* x, int64_t ldx, int64_t k, int64_t rows) {
  Q8_1Rows r;
  r.qs.resize(static_cast<std::size_t>(rows * k));
  r.ds.resize(static_cast<std::size_t>(rows * (k / 16)));
  for (int64_t t = 0; t < rows; ++t)
    for (int64_t b = 0; b < k / 32; ++b) {
      float d, s;
      cuda::gemv_math::quantize_q8_1_block(x + t * ldx + 32 * b, r.qs.data() + t * k + 32 * b, d, s);
      r.ds[static_cast<std::size_t>(t * (k / 16) + 2 * b)] = d;
      r.ds[static_cast<std::size_t>(t * (k / 16) + 2 * b + 1)] = s;
    }
  return r;
}

namespace {

// The per-32-block offset of the weights that the CUDA kernels multiply with Σx (see header).
double block_offset(TensorType type, const uint8_t* row, int64_t b32) {
  using quant::fp16_to_fp32;
  auto half_at = [](const uint8_t* p) {
    uint16_t h;
    std::memcpy(&h, p, 2);
    return static_cast<double>(fp16_to_fp32(h));
  };
  switch (type) {
    case TensorType::Q4_0: return -8.0 * half_at(row + 18 * b32);
    case TensorType::Q5_0: return -16.0 * half_at(row + 22 * b32);
    case TensorType::Q4_1: return half_at(row + 20 * b32 + 2);
    case TensorType::Q5_1: return half_at(row + 24 * b32 + 2);
    case TensorType::Q4_K:
    case TensorType::Q5_K: {
      const std::size_t bytes = type == TensorType::Q4_K ? 144 : 176;
      const uint8_t* blk = row + bytes * static_cast<std::size_t>(b32 / 8);
      int sc, m;
      quant::k4_scale_min(static_cast<int>(b32 % 8), blk + 4, sc, m);
      uint16_t dmin;
      std::memcpy(&dmin, blk + 2, 2);
      return -static_cast<double>(quant::fmul(fp16_to_fp32(dmin), static_cast<float>(m)));
    }
    default: return 0.0;
  }
}

std::vector<float> dequantized(TensorType type, const uint8_t* w_row, int64_t k) {
  std::vector<float> w(static_cast<std::size_t>(k));
  cpu::dequantize_row(type, w_row, w.data(), k);
  return w;
}

}  // namespace

double gemv_reference_row(TensorType type, const uint8_t* w_row, int64_t k, const int8_t* aq, const float* ads, const float* x) {
  const std::vector<float> w = dequantized(type, w_row, k);
  double sum = 0.0;
  if (!gguf::traits(type).quantized) {
    for (int64_t j = 0; j < k; ++j) sum += static_cast<double>(w[static_cast<std::size_t>(j)]) * x[j];
    return sum;
  }
  for (int64_t b = 0; b < k / 32; ++b) {
    const double d = ads[2 * b], true_sum = ads[2 * b + 1];
    double block = 0.0, quant_sum = 0.0;
    for (int j = 0; j < 32; ++j) {
      const double xh = d * aq[32 * b + j];
      block += static_cast<double>(w[static_cast<std::size_t>(32 * b + j)]) * xh;
      quant_sum += xh;
    }
    sum += block + block_offset(type, w_row, b) * (true_sum - quant_sum);
  }
  return sum;
}

double gemv_magnitude_row(TensorType type, const uint8_t* w_row, int64_t k, const float* x) {
  const std::vector<float> w = dequantized(type, w_row, k);
  double sum = 1e-30;
  for (int64_t j = 0; j < k; ++j) sum += std::fabs(static_cast<double>(w[static_cast<std::size_t>(j)]) * x[j]);
  return sum;
}

std::vector<double> attention_f64(const float* q, const float* k_rows, const float* v_rows, int64_t first_row, int64_t n_kv, int n_head,
                                  int n_head_kv, int head_dim, float scale) {
  const int n_gqa = n_head / n_head_kv, hd = head_dim;
  const int64_t width = static_cast<int64_t>(n_head_kv) * hd;
  std::vector<double> out(static_cast<std::size_t>(n_head * hd), 0.0);
  std::vector<double> s(static_cast<std::size_t>(n_kv));
  for (int h = 0; h < n_head; ++h) {
    const int kvh = h / n_gqa;
    double mx = -INFINITY;
    for (int64_t j = 0; j < n_kv; ++j) {
      double dot = 0;
      const float* kr = k_rows + (first_row + j) * width + kvh * hd;
      for (int d = 0; d < hd; ++d) dot += static_cast<double>(q[h * hd + d]) * kr[d];
      s[static_cast<std::size_t>(j)] = dot * scale;
      mx = std::max(mx, s[static_cast<std::size_t>(j)]);
    }
    double sum = 0;
    for (auto& e : s) sum += (e = std::exp(e - mx));
    for (int64_t j = 0; j < n_kv; ++j) {
      const float* vr = v_rows + (first_row + j) * width + kvh * hd;
      for (int d = 0; d < hd; ++d) out[static_cast<std::size_t>(h * hd + d)] += s[static_cast<std::size_t>(j)] / sum * vr[d];
    }
  }
  return out;
}

}  // namespace hearth::test
