// Attention over an F32 KV cache in llama.cpp's order (parity.h). Compiled with -mavx2 -mfma -mf16c.
//
// llama.cpp's non-flash attention over an F32 cache is three ggml ops per (token, head):
//   kq  = mul_mat(K, Q)        one ggml_vec_dot_f32 of head_dim per cached cell (Q is a permuted,
//                              non-contiguous view in a batch, and a one-token batch is below
//                              llamafile's n ≥ 2, so tinyBLAS never takes this product)
//   kq  = soft_max_ext(kq, mask, scale)   w = kq·scale + mask; max; e = ggml_v_expf(w − max) 16
//                              lanes at a time, sum += (double) reduce(e); p = e · (float)(1/sum)
//   kqv = mul_mat(Vᵀ, kq)      V is cached transposed, so each output element is a dot of length
//                              n_kv: ggml_vec_dot_f32 for a one-token batch, tinyBLAS<16> (kq is
//                              contiguous and n ≥ 2) otherwise.
// The KV window n_kv is the used cells rounded up to 256 (llama_kv_cache::get_n_kv); masked cells
// contribute exp(−inf) = 0 to every sum, so they only fix the lane each cell falls in (cell j:
// lane j mod 16, accumulator ⌊j/16⌋ mod 4 in vec_dot_f32) and keep the row a multiple of 64, so
// that vec_dot_f32 has no scalar tail.
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/cpu/cpu_features.h"
#include "kernels/cpu/parity.h"
#include "kernels/cpu/parity_kernels.h"
#include "kernels/cpu/parity_simd.h"

namespace hearth::cpu::parity {
namespace {

using detail::vec_dot_f32;
using simd::V16;

// ggml_vec_soft_max_f32 for a row whose first n entries are live and whose masked remainder up to
// the next multiple of 16 is −inf: writes e_i = exp(w_i − max) (0 past n) and returns Σ e in double.
double exp_sum_16(float* w, int64_t n, float max) {
  const int64_t padded = (n + 15) & ~int64_t{15};
  for (int64_t i = n; i < padded; ++i) w[i] = -std::numeric_limits<float>::infinity();
  double sum = 0.0;
  const __m256 m = _mm256_set1_ps(max);
  for (int64_t i = 0; i < padded; i += 16) {
    V16 v = simd::load16(w + i);
    v = simd::expf16({_mm256_sub_ps(v.lo, m), _mm256_sub_ps(v.hi, m)});
    _mm256_storeu_ps(w + i, v.lo);
    _mm256_storeu_ps(w + i + 8, v.hi);
    sum += static_cast<double>(simd::reduce16(v));
  }
  return sum;
}

// Σ_j p_j · v_j[d] over the live cells, in the lane structure of the kernel ggml uses.
// vec_dot_f32 over a 64-multiple: 4 accumulators × 16 lanes; tinyBLAS: 1 accumulator × 16 lanes.
float v_dot(const float* v, int64_t v_stride, const float* p, int64_t n_live, bool single_token) {
  const int64_t padded = single_token ? (n_live + 63) & ~int64_t{63} : (n_live + 15) & ~int64_t{15};
  return single_token ? vec_dot_f32(padded, v, v_stride, p) : detail::tinyblas_dot_f32(padded, v, v_stride, p);
}

struct Workspace {
  std::vector<float> w;  // scores / probabilities, padded
  std::vector<float> v;  // one V head transposed: head_dim rows of n_kv (padded) floats
};

void attend(const AttentionShape& s, const AttentionQuery& qr, int g, bool single_token, Workspace& ws) {
  const int n_gqa = s.n_head / s.n_head_kv;
  const int64_t d = s.head_dim;
  const int64_t n_kv = qr.n_kv;
  const int64_t padded = (n_kv + 63) & ~int64_t{63};
  const std::size_t stride = s.kv_row_bytes / sizeof(float);
  const float* k_head = reinterpret_cast<const float*>(qr.k) + g * d;
  const float* v_head = reinterpret_cast<const float*>(qr.v) + g * d;

  // The transposed V head, zero beyond the live cells (their weights are 0 anyway).
  ws.v.assign(static_cast<std::size_t>(d * padded), 0.0f);
  for (int64_t j = 0; j < n_kv; ++j)
    for (int64_t e = 0; e < d; ++e) ws.v[static_cast<std::size_t>(e * padded + j)] = v_head[j * static_cast<int64_t>(stride) + e];
  ws.w.resize(static_cast<std::size_t>(padded));

  for (int hq = 0; hq < n_gqa; ++hq) {
    const int h = g * n_gqa + hq;
    const float* q = qr.q + h * d;
    float* w = ws.w.data();
    float max = -std::numeric_limits<float>::infinity();
    for (int64_t j = 0; j < n_kv; ++j) {
      w[j] = vec_dot_f32(d, k_head + j * static_cast<int64_t>(stride), 1, q) * s.scale;
      max = std::max(max, w[j]);
    }
    const double sum = exp_sum_16(w, n_kv, max);
    const float inv = static_cast<float>(1.0 / sum);
    for (int64_t j = 0; j < padded; ++j) w[j] = j < n_kv ? w[j] * inv : 0.0f;
    float* out = qr.out + h * d;
    for (int64_t e = 0; e < d; ++e) out[e] = v_dot(ws.v.data() + e * padded, 1, w, n_kv, single_token);
  }
}

}  // namespace

bool available() { return simd_level() == SimdLevel::Avx2; }

void attention(const AttentionShape& s, std::span<const AttentionQuery> queries, ThreadPool& pool) {
  if (!available()) throw std::runtime_error("llama.cpp numerics need a CPU with AVX2, FMA and F16C");
  if (s.kv_type != gguf::TensorType::F32)
    throw std::invalid_argument("llama.cpp numerics support an F32 KV cache only (got " + std::string(gguf::type_name(s.kv_type)) + ")");
  if (s.n_head <= 0 || s.n_head_kv <= 0 || s.n_head % s.n_head_kv != 0 || s.head_dim <= 0)
    throw std::invalid_argument("attention: n_head_kv must divide n_head and head_dim be positive");
  const bool single_token = queries.size() == 1;
  const int64_t items = static_cast<int64_t>(queries.size()) * s.n_head_kv;
  auto work = [&](int thread, int n_threads) {
    Workspace ws;
    for (int64_t item = thread; item < items; item += n_threads)
      attend(s, queries[static_cast<std::size_t>(item / s.n_head_kv)], static_cast<int>(item % s.n_head_kv), single_token, ws);
  };
  if (items == 1 || pool.size() == 1) work(0, 1);
  else pool.run_on_all(work);
}

}  // namespace hearth::cpu::parity

