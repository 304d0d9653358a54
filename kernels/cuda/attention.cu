// Split-K ("flash-decoding") causal attention over the KV cache, GQA-aware.
//
// Kernel 1 has one block per (chunk of keys, KV head, token). It keeps the n_gqa query heads that
// share the KV head in shared memory and walks its keys in tiles of kTile: scores (one warp per
// key, lanes over head-dimension pairs), an online-softmax update (running max m, sum l, and a
// rescale of the running output), then P·V with one thread per (query head, dimension pair).
// Each cached key and value row is thus read once per block for all heads of the group. With one
// chunk it writes the normalized output directly; otherwise it writes (m, l, unnormalized o) per
// chunk and kernel 2 merges the chunks: o = Σ_c o_c·e^(m_c−M) / Σ_c l_c·e^(m_c−M).
//
// Positions and slots are read from device memory and the chunk count depends only on the cache
// size, so a captured CUDA graph replays correctly while the sequences grow.
#include <cuda_fp16.h>

#include <algorithm>
#include <string>

#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/device_utils.cuh"
#include "kernels/cuda/gemv_math.h"

namespace hearth::cuda {
namespace {

using detail::invalid;
constexpr int kThreads = 128;
constexpr int kTile = 64;

struct AttnKernelParams {
  const float* q;
  int64_t ldq;
  float* out;
  int64_t ldo;
  int n_head, head_dim, n_gqa;
  float scale, softcap;
  TensorType kv_type;
  const uint8_t* k;
  const uint8_t* v;
  std::size_t row_stride;
  std::size_t head_bytes;  // bytes of one KV head inside a cache row
  int64_t cells_per_slot;
  const int32_t* positions;
  const int32_t* slots;
  int n_chunks;
  int64_t chunk_keys;
  float* part_o;   // [T][n_head][n_chunks][head_dim]
  float* part_ml;  // [T][n_head][n_chunks][2]
};

// Elements d and d+1 (d even) of one cached head.
__device__ __forceinline__ float2 load_kv_pair(TensorType type, const uint8_t* head, int d) {
  if (type == TensorType::F16) return __half22float2(*reinterpret_cast<const __half2*>(head + 2 * d));
  if (type == TensorType::F32) return *reinterpret_cast<const float2*>(head + 4 * d);
  const uint8_t* block = head + 34 * (d / 32);
  const float scale = gemv_math::half_to_float(*reinterpret_cast<const uint16_t*>(block));
  const int j = d % 32;
  return make_float2(static_cast<float>(static_cast<int8_t>(block[2 + j])) * scale,
                     static_cast<float>(static_cast<int8_t>(block[3 + j])) * scale);
}

__global__ void __launch_bounds__(kThreads) attention_chunk_kernel(const __grid_constant__ AttnKernelParams p) {
  extern __shared__ float smem[];
  const int hd = p.head_dim, n_gqa = p.n_gqa, half_dim = hd / 2;
  float* q_s = smem;                       // n_gqa × hd
  float* o_s = q_s + n_gqa * hd;           // n_gqa × hd
  float* s_t = o_s + n_gqa * hd;           // n_gqa × kTile
  float* m_s = s_t + n_gqa * kTile;        // n_gqa
  float* l_s = m_s + n_gqa;                // n_gqa
  float* a_s = l_s + n_gqa;                // n_gqa

  const int c = blockIdx.x, g = blockIdx.y;
  const int64_t t = blockIdx.z;
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
  const int head0 = g * n_gqa;
  const int64_t n_kv = min(static_cast<int64_t>(p.positions[t]) + 1, p.cells_per_slot);  // positions are validated on the host
  const int64_t start = static_cast<int64_t>(c) * p.chunk_keys;
  const int64_t end = min(n_kv, start + p.chunk_keys);
  const int64_t part = (t * p.n_head + head0) * p.n_chunks + c;  // (t, head0, c); + j·n_chunks per head

  if (start >= end) {  // this chunk lies past the sequence: contribute nothing
    if (p.n_chunks == 1) return;
    for (int j = threadIdx.x; j < n_gqa; j += blockDim.x) {
      p.part_ml[(part + static_cast<int64_t>(j) * p.n_chunks) * 2] = -INFINITY;
      p.part_ml[(part + static_cast<int64_t>(j) * p.n_chunks) * 2 + 1] = 0.0f;
    }
    return;
  }

  for (int i = threadIdx.x; i < n_gqa * hd; i += blockDim.x) {
    q_s[i] = p.q[t * p.ldq + static_cast<int64_t>(head0) * hd + i];
    o_s[i] = 0.0f;
  }
  for (int j = threadIdx.x; j < n_gqa; j += blockDim.x) m_s[j] = -INFINITY, l_s[j] = 0.0f;
  __syncthreads();

  const int64_t first_row = static_cast<int64_t>(p.slots[t]) * p.cells_per_slot;
  const uint8_t* k_base = p.k + first_row * p.row_stride + g * p.head_bytes;
  const uint8_t* v_base = p.v + first_row * p.row_stride + g * p.head_bytes;

  for (int64_t tile0 = start; tile0 < end; tile0 += kTile) {
    const int n_t = static_cast<int>(min(static_cast<int64_t>(kTile), end - tile0));

    // Scores: a warp per key; lanes over dimension pairs.
    for (int kk = warp; kk < n_t; kk += warps) {
      const uint8_t* key = k_base + (tile0 + kk) * p.row_stride;
      for (int j = 0; j < n_gqa; ++j) {
        const float* qj = q_s + j * hd;
        float acc = 0.0f;
        for (int d2 = lane; d2 < half_dim; d2 += 32) {
          const float2 kv = load_kv_pair(p.kv_type, key, 2 * d2);
          acc += qj[2 * d2] * kv.x + qj[2 * d2 + 1] * kv.y;
        }
        acc = detail::warp_sum(acc);
        if (lane == 0) {
          float s = acc * p.scale;
          if (p.softcap > 0.0f) s = p.softcap * tanhf(s / p.softcap);
          s_t[j * kTile + kk] = s;
        }
      }
    }
    __syncthreads();

    // Online softmax: a warp per query head.
    for (int j = warp; j < n_gqa; j += warps) {
      float* sj = s_t + j * kTile;
      float mx = -INFINITY;
      for (int kk = lane; kk < n_t; kk += 32) mx = fmaxf(mx, sj[kk]);
      mx = detail::warp_max(mx);
      const float m_old = m_s[j];
      const float m_new = fmaxf(m_old, mx);
      float sum = 0.0f;
      for (int kk = lane; kk < n_t; kk += 32) {
        const float e = expf(sj[kk] - m_new);
        sj[kk] = e;
        sum += e;
      }
      sum = detail::warp_sum(sum);
      if (lane == 0) {
        const float alpha = expf(m_old - m_new);  // 0 on the first tile (m_old = −∞)
        a_s[j] = alpha;
        l_s[j] = l_s[j] * alpha + sum;
        m_s[j] = m_new;
      }
    }
    __syncthreads();

    // o = o·alpha + P·V: a thread per (query head, dimension pair); consecutive threads read
    // consecutive pairs of the same value row.
    for (int item = threadIdx.x; item < n_gqa * half_dim; item += blockDim.x) {
      const int j = item / half_dim, d2 = item % half_dim;
      const float alpha = a_s[j];
      float ox = o_s[j * hd + 2 * d2] * alpha, oy = o_s[j * hd + 2 * d2 + 1] * alpha;
      const float* pj = s_t + j * kTile;
      for (int kk = 0; kk < n_t; ++kk) {
        const float2 vv = load_kv_pair(p.kv_type, v_base + (tile0 + kk) * p.row_stride, 2 * d2);
        ox += pj[kk] * vv.x;
        oy += pj[kk] * vv.y;
      }
      o_s[j * hd + 2 * d2] = ox;
      o_s[j * hd + 2 * d2 + 1] = oy;
    }
    __syncthreads();
  }

  if (p.n_chunks == 1) {
    for (int i = threadIdx.x; i < n_gqa * hd; i += blockDim.x)
      p.out[t * p.ldo + static_cast<int64_t>(head0) * hd + i] = o_s[i] / l_s[i / hd];
  } else {
    for (int i = threadIdx.x; i < n_gqa * hd; i += blockDim.x) {
      const int j = i / hd, d = i % hd;
      p.part_o[(part + static_cast<int64_t>(j) * p.n_chunks) * hd + d] = o_s[i];
    }
    for (int j = threadIdx.x; j < n_gqa; j += blockDim.x) {
      p.part_ml[(part + static_cast<int64_t>(j) * p.n_chunks) * 2] = m_s[j];
      p.part_ml[(part + static_cast<int64_t>(j) * p.n_chunks) * 2 + 1] = l_s[j];
    }
  }
}

// One block per (query head, token): merges the chunks' partial results.
__global__ void __launch_bounds__(kThreads) attention_combine_kernel(const float* __restrict__ part_o, const float* __restrict__ part_ml,
                                                                     int n_head, int head_dim, int n_chunks, float* out, int64_t ldo) {
  const int h = blockIdx.x;
  const int64_t t = blockIdx.y;
  const int64_t base = (t * n_head + h) * n_chunks;
  const float* ml = part_ml + base * 2;
  float M = -INFINITY;
  for (int c = 0; c < n_chunks; ++c)
    if (ml[2 * c + 1] > 0.0f) M = fmaxf(M, ml[2 * c]);
  float L = 0.0f;
  for (int c = 0; c < n_chunks; ++c)
    if (ml[2 * c + 1] > 0.0f) L += ml[2 * c + 1] * expf(ml[2 * c] - M);
  for (int d = threadIdx.x; d < head_dim; d += blockDim.x) {
    float o = 0.0f;
    for (int c = 0; c < n_chunks; ++c)
      if (ml[2 * c + 1] > 0.0f) o += part_o[(base + c) * head_dim + d] * expf(ml[2 * c] - M);
    out[t * ldo + static_cast<int64_t>(h) * head_dim + d] = o / L;
  }
}

}  // namespace

AttentionPlan plan_attention(int64_t tokens, int64_t cells_per_slot) {
  AttentionPlan plan;
  if (tokens > 16 || cells_per_slot <= 256) {
    plan.n_chunks = 1;
    plan.chunk_keys = std::max<int64_t>(cells_per_slot, 1);
    return plan;
  }
  // Up to 32 chunks of at least 256 keys (a multiple of the tile).
  int64_t keys = std::max<int64_t>(256, detail::ceil_div(cells_per_slot, 32));
  keys = detail::ceil_div(keys, kTile) * kTile;
  plan.chunk_keys = keys;
  plan.n_chunks = static_cast<int>(detail::ceil_div(cells_per_slot, keys));
  return plan;
}

std::size_t attention_workspace_floats(int64_t tokens, int n_head, int head_dim, int n_chunks) {
  if (n_chunks <= 1) return 0;
  return static_cast<std::size_t>(tokens) * static_cast<std::size_t>(n_head) * static_cast<std::size_t>(n_chunks) *
         static_cast<std::size_t>(head_dim + 2);
}

void attention(const AttentionArgs& a, cudaStream_t stream) {
  const KvCacheView& c = a.cache;
  if (a.tokens < 0 || a.tokens > 65535) invalid("attention", "tokens must be 0..65535");
  if (a.tokens == 0) return;
  if (a.n_head <= 0 || a.n_head_kv <= 0 || a.n_head % a.n_head_kv != 0) invalid("attention", "n_head_kv must divide n_head");
  const int n_gqa = a.n_head / a.n_head_kv;
  if (n_gqa > kAttentionMaxGroup) invalid("attention", "more than " + std::to_string(kAttentionMaxGroup) + " query heads per KV head");
  if (a.head_dim <= 0 || a.head_dim % 2 != 0 || a.head_dim > kAttentionMaxHeadDim) invalid("attention", "head_dim must be even and ≤ 512");
  if (!kv_cache_supports(c.type)) invalid("attention", "unsupported KV cache type");
  if (c.type == TensorType::Q8_0 && a.head_dim % 32 != 0) invalid("attention", "a Q8_0 cache needs head_dim % 32 == 0");
  if (!a.q || !a.out || !a.positions || !a.slots || !c.k || !c.v) invalid("attention", "null pointer");
  if (static_cast<int64_t>(a.n_head_kv) * a.head_dim != c.n_embd_k || c.n_embd_k != c.n_embd_v)
    invalid("attention", "cache rows do not hold n_head_kv heads of head_dim");
  if (a.ldq < static_cast<int64_t>(a.n_head) * a.head_dim || a.ldo < static_cast<int64_t>(a.n_head) * a.head_dim)
    invalid("attention", "ldq/ldo smaller than n_head·head_dim");
  const std::size_t head_bytes = gguf::row_bytes(c.type, static_cast<uint64_t>(a.head_dim));
  const std::size_t align = c.type == TensorType::F32 ? 8 : (c.type == TensorType::F16 ? 4 : 2);
  if (!detail::aligned(c.k, align) || !detail::aligned(c.v, align) || c.row_stride % align != 0 || head_bytes % align != 0)
    invalid("attention", "cache rows misaligned for the " + std::string(gguf::type_name(c.type)) + " loads");
  if (c.row_stride < head_bytes * static_cast<std::size_t>(a.n_head_kv)) invalid("attention", "cache row stride too small");
  if (a.n_chunks < 1 || a.chunk_keys < 1 || static_cast<int64_t>(a.n_chunks) * a.chunk_keys < c.cells_per_slot)
    invalid("attention", "chunks do not cover the slot");
  if (a.n_chunks > 1 && !a.workspace) invalid("attention", "split attention needs a workspace");

  AttnKernelParams p{};
  p.q = a.q, p.ldq = a.ldq, p.out = a.out, p.ldo = a.ldo;
  p.n_head = a.n_head, p.head_dim = a.head_dim, p.n_gqa = n_gqa;
  p.scale = a.scale, p.softcap = a.softcap;
  p.kv_type = c.type;
  p.k = static_cast<const uint8_t*>(c.k), p.v = static_cast<const uint8_t*>(c.v);
  p.row_stride = c.row_stride, p.head_bytes = head_bytes, p.cells_per_slot = c.cells_per_slot;
  p.positions = a.positions, p.slots = a.slots;
  p.n_chunks = a.n_chunks, p.chunk_keys = a.chunk_keys;
  if (a.n_chunks > 1) {
    p.part_o = a.workspace;
    p.part_ml = a.workspace + static_cast<std::size_t>(a.tokens) * a.n_head * a.n_chunks * a.head_dim;
  }
  const std::size_t smem = (static_cast<std::size_t>(2 * n_gqa * a.head_dim) + n_gqa * kTile + 3 * n_gqa) * sizeof(float);
  if (smem > 48 * 1024)
    HEARTH_CUDA_CHECK(cudaFuncSetAttribute(attention_chunk_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(smem)));
  const dim3 grid(static_cast<unsigned>(a.n_chunks), static_cast<unsigned>(a.n_head_kv), static_cast<unsigned>(a.tokens));
  attention_chunk_kernel<<<grid, kThreads, smem, stream>>>(p);
  check_launch("attention_chunk_kernel");
  if (a.n_chunks > 1) {
    const dim3 grid2(static_cast<unsigned>(a.n_head), static_cast<unsigned>(a.tokens));
    attention_combine_kernel<<<grid2, kThreads, 0, stream>>>(p.part_o, p.part_ml, a.n_head, a.head_dim, a.n_chunks, a.out, a.ldo);
    check_launch("attention_combine_kernel");
  }
}

}  // namespace hearth::cuda
