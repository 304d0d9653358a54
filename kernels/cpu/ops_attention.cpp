// Attention of query rows over F32 / F16 / Q8_0 / Q4_0 KV cache rows (ops.h).
//
// One work item is (query row, KV head): the n_gqa query heads that share a KV head are handled
// together so each cached key and value row is read once per item, not once per query head.
// Arithmetic per query head mirrors llama.cpp's CPU path:
//   F32 cache  — f32 dot products, f32 softmax weights (ggml mul_mat f32 · f32);
//   F16 cache  — Q rounded to f16 for q·k, softmax weights rounded to f16 for the V product
//                (ggml mul_mat converts the f32 operand to the f16 cache's vec_dot_type);
//   Q8_0, Q4_0 — Q quantized to the cache type's vec_dot_type (Q8_0) for q·k, V rows dequantized
//                to f32 (ggml's flash-attention path, the only one llama.cpp allows for a
//                quantized cache).
// The softmax is f32 with the sum of exponentials in double, like ggml_vec_soft_max_f32.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/common/half.h"
#include "kernels/common/quant_blocks.h"
#include "kernels/cpu/cpu_features.h"
#include "kernels/cpu/ops.h"
#include "kernels/cpu/ops_simd.h"
#include "kernels/cpu/quant.h"

namespace hearth::cpu {

using gguf::TensorType;

namespace {

// The scalar inner loops (reference arithmetic).
struct ScalarLoops {
  static float dot_f32(const float* a, const float* b, int64_t n) {
    float s = 0.0f;
    for (int64_t i = 0; i < n; ++i) s += a[i] * b[i];
    return s;
  }
  static float dot_f16(const uint16_t* a, const uint16_t* b, int64_t n) {
    float s = 0.0f;
    for (int64_t i = 0; i < n; ++i) s += quant::fp16_to_fp32(a[i]) * quant::fp16_to_fp32(b[i]);
    return s;
  }
  static float dot_quant(TensorType k_type, const void* k, const void* q, int64_t n) { return reference::vec_dot(k_type, n, k, q); }
  static void quantize_query(TensorType act_type, const float* x, void* dst, int64_t n) {
    reference::quantize_activation_row(act_type, x, dst, n);
  }
  static float max_element(const float* x, int64_t n) { return *std::max_element(x, x + n); }
  static double exp_shifted_sum(float* x, int64_t n, float max) {
    double sum = 0.0;
    for (int64_t i = 0; i < n; ++i) {
      x[i] = std::exp(x[i] - max);
      sum += static_cast<double>(x[i]);
    }
    return sum;
  }
  static void axpy_f32(float a, const float* x, float* y, int64_t n) {
    for (int64_t i = 0; i < n; ++i) y[i] += a * x[i];
  }
  static void axpy_f16(float a, const uint16_t* x, float* y, int64_t n) {
    for (int64_t i = 0; i < n; ++i) y[i] += a * quant::fp16_to_fp32(x[i]);
  }
  static void axpy_q8_0(float a, const void* x, float* y, int64_t n) {
    const auto* blocks = static_cast<const quant::BlockQ8_0*>(x);
    for (int64_t i = 0; i < n; ++i) {
      const quant::BlockQ8_0& b = blocks[i / quant::QK8_0];
      y[i] += a * (static_cast<float>(b.qs[i % quant::QK8_0]) * quant::fp16_to_fp32(b.d));
    }
  }
};

// The AVX2 inner loops (same arithmetic up to summation order and the exp approximation).
struct Avx2Loops {
  static float dot_f32(const float* a, const float* b, int64_t n) { return avx2::dot_f32(a, b, n); }
  static float dot_f16(const uint16_t* a, const uint16_t* b, int64_t n) { return avx2::dot_f16(a, b, n); }
  static float dot_quant(TensorType k_type, const void* k, const void* q, int64_t n) { return vec_dot(k_type, n, k, q); }
  static void quantize_query(TensorType act_type, const float* x, void* dst, int64_t n) { quantize_activation_row(act_type, x, dst, n); }
  static float max_element(const float* x, int64_t n) { return avx2::max_element(x, n); }
  static double exp_shifted_sum(float* x, int64_t n, float max) { return avx2::exp_shifted_sum(x, n, max); }
  static void axpy_f32(float a, const float* x, float* y, int64_t n) { avx2::axpy_f32(a, x, y, n); }
  static void axpy_f16(float a, const uint16_t* x, float* y, int64_t n) { avx2::axpy_f16(a, x, y, n); }
  static void axpy_q8_0(float a, const void* x, float* y, int64_t n) { avx2::axpy_q8_0(a, x, y, n); }
};

// Per-thread buffers, sized for the longest query of the call.
struct Workspace {
  std::vector<float> scores;      // n_gqa × n_kv
  std::vector<uint8_t> q_conv;    // n_gqa query heads in the K dot type
  std::vector<float> v_row;       // one dequantized V head (block types other than Q8_0)
};

std::size_t head_bytes(TensorType type, int head_dim) {
  return static_cast<std::size_t>(gguf::row_bytes(type, static_cast<uint64_t>(head_dim)));
}

// Attention of the n_gqa query heads sharing KV head g, for one query row.
template <typename L>
void attend_group(const AttentionShape& s, const AttentionQuery& qr, int g, Workspace& ws) {
  const int n_gqa = s.n_head / s.n_head_kv;
  const int64_t n_kv = qr.n_kv;
  const int64_t d = s.head_dim;
  const std::size_t kv_head_bytes = head_bytes(s.kv_type, s.head_dim);
  const bool quantized = s.kv_type != TensorType::F32 && s.kv_type != TensorType::F16;
  const TensorType q_type = quantized ? vec_dot_type(s.kv_type) : s.kv_type;
  const std::size_t q_bytes = head_bytes(q_type, s.head_dim);
  ws.scores.resize(static_cast<std::size_t>(n_gqa * n_kv));
  ws.q_conv.resize(static_cast<std::size_t>(n_gqa) * q_bytes);

  // Queries of the group, converted to the cache's dot-product operand type.
  for (int j = 0; j < n_gqa; ++j) {
    const float* q = qr.q + static_cast<int64_t>(g * n_gqa + j) * d;
    uint8_t* dst = ws.q_conv.data() + static_cast<std::size_t>(j) * q_bytes;
    switch (s.kv_type) {
      case TensorType::F32: std::memcpy(dst, q, q_bytes); break;
      case TensorType::F16:
        for (int64_t i = 0; i < d; ++i) reinterpret_cast<uint16_t*>(dst)[i] = quant::fp32_to_fp16(q[i]);
        break;
      default: L::quantize_query(q_type, q, dst, d); break;
    }
  }

  // scores[j][t] = scale · (q_j · k_t)
  const uint8_t* k_head = qr.k + static_cast<std::size_t>(g) * kv_head_bytes;
  for (int64_t t = 0; t < n_kv; ++t) {
    const uint8_t* k = k_head + static_cast<std::size_t>(t) * s.kv_row_bytes;
    for (int j = 0; j < n_gqa; ++j) {
      const uint8_t* q = ws.q_conv.data() + static_cast<std::size_t>(j) * q_bytes;
      float dot;
      switch (s.kv_type) {
        case TensorType::F32: dot = L::dot_f32(reinterpret_cast<const float*>(k), reinterpret_cast<const float*>(q), d); break;
        case TensorType::F16: dot = L::dot_f16(reinterpret_cast<const uint16_t*>(k), reinterpret_cast<const uint16_t*>(q), d); break;
        default: dot = L::dot_quant(s.kv_type, k, q, d); break;
      }
      ws.scores[static_cast<std::size_t>(j * n_kv + t)] = dot * s.scale;
    }
  }

  // softmax per query head
  for (int j = 0; j < n_gqa; ++j) {
    float* sc = ws.scores.data() + static_cast<std::size_t>(j * n_kv);
    const float max = L::max_element(sc, n_kv);
    const double sum = L::exp_shifted_sum(sc, n_kv, max);
    const float inv = static_cast<float>(1.0 / sum);
    for (int64_t t = 0; t < n_kv; ++t) {
      sc[t] *= inv;
      if (s.kv_type == TensorType::F16) sc[t] = quant::fp16_to_fp32(quant::fp32_to_fp16(sc[t]));
    }
    std::fill(qr.out + static_cast<int64_t>(g * n_gqa + j) * d, qr.out + static_cast<int64_t>(g * n_gqa + j + 1) * d, 0.0f);
  }

  // out_j = Σ_t p_j[t] · v_t
  const uint8_t* v_head = qr.v + static_cast<std::size_t>(g) * kv_head_bytes;
  for (int64_t t = 0; t < n_kv; ++t) {
    const uint8_t* v = v_head + static_cast<std::size_t>(t) * s.kv_row_bytes;
    if (quantized && s.kv_type != TensorType::Q8_0) {
      ws.v_row.resize(static_cast<std::size_t>(d));
      dequantize_row(s.kv_type, v, ws.v_row.data(), d);
    }
    for (int j = 0; j < n_gqa; ++j) {
      const float p = ws.scores[static_cast<std::size_t>(j * n_kv + t)];
      float* out = qr.out + static_cast<int64_t>(g * n_gqa + j) * d;
      switch (s.kv_type) {
        case TensorType::F32: L::axpy_f32(p, reinterpret_cast<const float*>(v), out, d); break;
        case TensorType::F16: L::axpy_f16(p, reinterpret_cast<const uint16_t*>(v), out, d); break;
        case TensorType::Q8_0: L::axpy_q8_0(p, v, out, d); break;
        default: L::axpy_f32(p, ws.v_row.data(), out, d); break;
      }
    }
  }
}

void check_shape(const AttentionShape& s, std::span<const AttentionQuery> queries) {
  if (s.n_head <= 0 || s.n_head_kv <= 0 || s.n_head % s.n_head_kv != 0)
    throw std::invalid_argument("attention: n_head_kv must divide n_head");
  if (s.head_dim <= 0) throw std::invalid_argument("attention: head_dim must be positive");
  if (!is_supported_kv_type(s.kv_type)) throw std::invalid_argument("attention: unsupported KV cache type");
  if (s.head_dim % static_cast<int>(gguf::traits(s.kv_type).block_size) != 0)
    throw std::invalid_argument("attention: a " + std::string(gguf::type_name(s.kv_type)) +
                                " KV cache needs head_dim to be a multiple of its block size");
  if (s.kv_row_bytes < head_bytes(s.kv_type, s.head_dim) * static_cast<std::size_t>(s.n_head_kv))
    throw std::invalid_argument("attention: kv_row_bytes is smaller than one row of KV heads");
  for (const AttentionQuery& q : queries)
    if (q.n_kv < 1) throw std::invalid_argument("attention: every query needs at least one key");
}

// Items begin, begin+stride, ...: interleaving balances causal prefill, where later rows see more keys.
template <typename L>
void run_items(const AttentionShape& s, std::span<const AttentionQuery> queries, int64_t begin, int64_t stride, Workspace& ws) {
  const int64_t items = static_cast<int64_t>(queries.size()) * s.n_head_kv;
  for (int64_t item = begin; item < items; item += stride) {
    const AttentionQuery& q = queries[static_cast<std::size_t>(item / s.n_head_kv)];
    attend_group<L>(s, q, static_cast<int>(item % s.n_head_kv), ws);
  }
}

}  // namespace

namespace reference {
void attention(const AttentionShape& shape, std::span<const AttentionQuery> queries) {
  check_shape(shape, queries);
  Workspace ws;
  run_items<ScalarLoops>(shape, queries, 0, 1, ws);
}
}  // namespace reference

void attention(const AttentionShape& shape, std::span<const AttentionQuery> queries, ThreadPool& pool) {
  check_shape(shape, queries);
  const int64_t items = static_cast<int64_t>(queries.size()) * shape.n_head_kv;
  const bool avx2 = simd_level() == SimdLevel::Avx2;
  auto work = [&](int thread, int n_threads) {
    Workspace ws;
    if (avx2) run_items<Avx2Loops>(shape, queries, thread, n_threads, ws);
    else run_items<ScalarLoops>(shape, queries, thread, n_threads, ws);
  };
  if (items == 1 || pool.size() == 1) work(0, 1);
  else pool.run_on_all(work);
}

}  // namespace hearth::cpu
