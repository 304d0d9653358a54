// kernels/cuda/attention_kernel.cuh — the kernels of split-K ("flash-decoding") attention and the
// launch logic shared by attention.cu and the emulated host tests.
//
// Decode reads every cached key and value once per step, so the kernel is organised around keeping
// many 16-byte loads of the cache in flight:
//
//   split kernel   one block of 128 threads per (chunk of keys, KV head, group of ≤ 4 query heads,
//                  token). Each cached head row (head_dim elements) is cut into 8-element pieces;
//                  KT threads (the smallest power of two ≥ head_dim/8, at most 32) share one key,
//                  each holding its piece of the query heads in registers, so one 16-byte load
//                  of an F16 row feeds 8 multiply-adds per query head and a KT-lane shuffle sum
//                  finishes a score. The 128/KT key groups each take U keys of a tile (K and V
//                  rows loaded together, before any arithmetic), then: scores → shared memory,
//                  online softmax (a warp per query head: running max m, sum l, rescale factor),
//                  and P·V accumulated in registers, per thread over its own keys. At the end the
//                  key groups' partial outputs are added through shared memory. A chunk that is
//                  the only one of its token writes the normalised output; otherwise it writes
//                  (m, l, unnormalised o) for the merge.
//   merge kernel   one block per (query head, token): weights e^(m_c − M)/L per chunk, then the
//                  weighted sum of the chunks' outputs, each thread loading 8-16 byte slices of
//                  several chunks at once.
//
// Chunking (attention_math.h) depends on the token's current length, read from device memory, so
// the grid is fixed per (tokens, cache size) and a captured CUDA graph stays valid as sequences
// grow. head_dim % 8 != 0 (no known model) takes a simpler generic kernel with the same chunking.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

#include "kernels/cuda/attention_math.h"
#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/device_utils.cuh"
#include "kernels/cuda/gemv_math.h"

namespace hearth::cuda::attn {

inline constexpr int kThreads = 128;
inline constexpr int kWarps = kThreads / 32;
inline constexpr int kHeadsPerBlock = 4;   // query heads sharing a KV head handled by one block
inline constexpr int kMergeThreads = 256;
inline constexpr int kMaxChunks = 256;     // merge weights live in shared memory
inline constexpr int64_t kMinChunkKeys = 32;
inline constexpr int kGenericTile = 64;

struct Params {
  const float* q;
  int64_t ldq;
  float* out;
  int64_t ldo;
  int n_head, head_dim, n_gqa;
  int head_groups;  // ⌈n_gqa / kHeadsPerBlock⌉ blocks per KV head
  float scale, softcap;
  const uint8_t* k;
  const uint8_t* v;
  std::size_t row_stride;
  std::size_t head_bytes;  // bytes of one KV head inside a cache row
  int vec16;               // rows, heads and base pointers are 16-byte aligned (F16/F32 16-byte loads)
  int64_t cells_per_slot;
  const int32_t* positions;
  const int32_t* slots;
  int n_chunks;
  int64_t min_chunk_keys;
  float* part_o;   // [T][n_head][n_chunks][head_dim]
  float* part_ml;  // [T][n_head][n_chunks][2]
};

// ---- cache rows: 8 consecutive elements of one head (d0 % 8 == 0) ------------------------------

struct F16Kv {
  struct Raw {
    uint32_t w[4];
  };
  HEARTH_HD static Raw zero() { return Raw{{0, 0, 0, 0}}; }
  HEARTH_HD static Raw load(const uint8_t* head, int d0, int vec16) {
    Raw r;
    const uint8_t* p = head + 2 * d0;
    if (vec16) {
      gemv_math::load_u32x4_a16(p, r.w[0], r.w[1], r.w[2], r.w[3]);
    } else {
      for (int i = 0; i < 4; ++i) r.w[i] = gemv_math::load_u32_a4(p + 4 * i);
    }
    return r;
  }
  HEARTH_HD static void to_float(const Raw& r, float (&x)[8]) {
    HEARTH_UNROLL
    for (int i = 0; i < 4; ++i) {
      x[2 * i] = gemv_math::half_to_float(static_cast<uint16_t>(r.w[i]));
      x[2 * i + 1] = gemv_math::half_to_float(static_cast<uint16_t>(r.w[i] >> 16));
    }
  }
};

struct F32Kv {
  struct Raw {
    float f[8];
  };
  HEARTH_HD static Raw zero() { return Raw{{0, 0, 0, 0, 0, 0, 0, 0}}; }
  HEARTH_HD static Raw load(const uint8_t* head, int d0, int vec16) {
    Raw r;
    const float* p = reinterpret_cast<const float*>(head) + d0;
    if (vec16) {
      gemv_math::load_f32x4(p, r.f[0], r.f[1], r.f[2], r.f[3]);
      gemv_math::load_f32x4(p + 4, r.f[4], r.f[5], r.f[6], r.f[7]);
    } else {
      for (int i = 0; i < 8; ++i) r.f[i] = p[i];
    }
    return r;
  }
  HEARTH_HD static void to_float(const Raw& r, float (&x)[8]) {
    HEARTH_UNROLL
    for (int i = 0; i < 8; ++i) x[i] = r.f[i];
  }
};

// Q8_0 rows: blocks of 34 bytes (f16 scale, 32 quants), 2-byte aligned.
struct Q8Kv {
  struct Raw {
    uint32_t q0, q1;
    float d;
  };
  HEARTH_HD static Raw zero() { return Raw{0, 0, 0.0f}; }
  HEARTH_HD static Raw load(const uint8_t* head, int d0, int) {
    const uint8_t* block = head + 34 * (d0 / 32);
    const uint8_t* qs = block + 2 + d0 % 32;
    return Raw{gemv_math::load_u32_a2(qs), gemv_math::load_u32_a2(qs + 4), gemv_math::half_to_float(static_cast<uint16_t>(gemv_math::load_u16(block)))};
  }
  HEARTH_HD static void to_float(const Raw& r, float (&x)[8]) {
    HEARTH_UNROLL
    for (int i = 0; i < 4; ++i) {
      x[i] = static_cast<float>(static_cast<int8_t>(r.q0 >> (8 * i))) * r.d;
      x[4 + i] = static_cast<float>(static_cast<int8_t>(r.q1 >> (8 * i))) * r.d;
    }
  }
};

__device__ __forceinline__ float finish_score(float dot, float scale, float softcap) {
  float s = dot * scale;
  if (softcap > 0.0f) s = softcap * tanhf(s / softcap);
  return s;
}

// One warp's online-softmax step over a tile of n scores in shared memory: turns the scores into
// exp(score − m_new) in place and updates the running max m and sum l; lane 0 writes the factor
// alpha = exp(m_old − m_new) that rescales the accumulated output (0 on the first tile, m_old = −∞).
__device__ __forceinline__ void online_softmax_tile(float* scores, int n, float& m, float& l, float& alpha, int lane) {
  float mx = -INFINITY;
  for (int i = lane; i < n; i += 32) mx = fmaxf(mx, scores[i]);
  mx = detail::warp_max(mx);
  const float m_old = m;
  const float m_new = fmaxf(m_old, mx);
  float sum = 0.0f;
  for (int i = lane; i < n; i += 32) {
    const float e = expf(scores[i] - m_new);
    scores[i] = e;
    sum += e;
  }
  sum = detail::warp_sum(sum);
  if (lane == 0) {
    alpha = expf(m_old - m_new);
    l = l * alpha + sum;
    m = m_new;
  }
}

__device__ __forceinline__ int64_t token_length(const Params& p, int64_t t) {
  return std::min(static_cast<int64_t>(p.positions[t]) + 1, p.cells_per_slot);  // positions are validated on the host
}

// ---- split kernel -----------------------------------------------------------------------------

// KT threads per key, CPT 8-element pieces per thread (head_dim ≤ 8·KT·CPT).
template <class Kv, int KT, int CPT>
__global__ void __launch_bounds__(kThreads) split_kernel(const __grid_constant__ Params p) {
  constexpr int G = kThreads / KT;  // key groups
  constexpr int U = 4 / CPT;        // keys per group per tile
  constexpr int kTile = G * U;
  constexpr int NG = kHeadsPerBlock;
  constexpr int kDims = 8 * KT * CPT;
  __shared__ float s_p[NG][kTile];
  __shared__ float s_m[NG], s_l[NG], s_alpha[NG];
  __shared__ float red[G * NG * kDims];

  const int c = static_cast<int>(blockIdx.x);
  const int kvh = static_cast<int>(blockIdx.y) / p.head_groups, hg = static_cast<int>(blockIdx.y) % p.head_groups;
  const int64_t t = blockIdx.z;
  const int head0 = kvh * p.n_gqa + hg * NG;
  const int nh = std::min(NG, p.n_gqa - hg * NG);
  const int64_t n_kv = token_length(p, t);
  const KeySplit split = split_keys(n_kv, p.n_chunks, p.min_chunk_keys);
  if (c >= split.n_used) return;  // the whole block: past this token's keys
  const int64_t start = static_cast<int64_t>(c) * split.keys_per_chunk;
  const int64_t end = std::min(n_kv, start + split.keys_per_chunk);
  const int hd = p.head_dim;
  const int ci = static_cast<int>(threadIdx.x) % KT, kg = static_cast<int>(threadIdx.x) / KT;
  const int lane = static_cast<int>(threadIdx.x) & 31, warp = static_cast<int>(threadIdx.x) >> 5;

  float q[CPT][NG][8], o[CPT][NG][8];
  HEARTH_UNROLL
  for (int cc = 0; cc < CPT; ++cc) {
    const int d0 = 8 * (ci + KT * cc);
    HEARTH_UNROLL
    for (int j = 0; j < NG; ++j) {
      const bool on = j < nh && d0 < hd;
      const float* qj = p.q + t * p.ldq + static_cast<int64_t>(head0 + j) * hd + d0;
      HEARTH_UNROLL
      for (int e = 0; e < 8; ++e) {
        q[cc][j][e] = on ? qj[e] : 0.0f;
        o[cc][j][e] = 0.0f;
      }
    }
  }
  if (threadIdx.x < NG) {
    s_m[threadIdx.x] = -INFINITY;
    s_l[threadIdx.x] = 0.0f;
  }

  const int64_t first_row = static_cast<int64_t>(p.slots[t]) * p.cells_per_slot;
  const uint8_t* k_base = p.k + first_row * static_cast<int64_t>(p.row_stride) + static_cast<int64_t>(kvh) * static_cast<int64_t>(p.head_bytes);
  const uint8_t* v_base = p.v + first_row * static_cast<int64_t>(p.row_stride) + static_cast<int64_t>(kvh) * static_cast<int64_t>(p.head_bytes);

  for (int64_t tile0 = start; tile0 < end; tile0 += kTile) {
    // Every K and V load of the tile first, then the arithmetic.
    typename Kv::Raw kr[U][CPT], vr[U][CPT];
    bool valid[U];
    HEARTH_UNROLL
    for (int u = 0; u < U; ++u) {
      const int64_t key = tile0 + u * G + kg;
      valid[u] = key < end;
      HEARTH_UNROLL
      for (int cc = 0; cc < CPT; ++cc) {
        const int d0 = 8 * (ci + KT * cc);
        if (valid[u] && d0 < hd) {
          kr[u][cc] = Kv::load(k_base + key * static_cast<int64_t>(p.row_stride), d0, p.vec16);
          vr[u][cc] = Kv::load(v_base + key * static_cast<int64_t>(p.row_stride), d0, p.vec16);
        } else {
          kr[u][cc] = Kv::zero();
          vr[u][cc] = Kv::zero();
        }
      }
    }
    // Scores: the KT threads of a key group add their pieces.
    HEARTH_UNROLL
    for (int u = 0; u < U; ++u) {
      float kf[CPT][8];
      HEARTH_UNROLL
      for (int cc = 0; cc < CPT; ++cc) Kv::to_float(kr[u][cc], kf[cc]);
      HEARTH_UNROLL
      for (int j = 0; j < NG; ++j) {
        float s = 0.0f;
        HEARTH_UNROLL
        for (int cc = 0; cc < CPT; ++cc)
          HEARTH_UNROLL
          for (int e = 0; e < 8; ++e) s = fmaf(q[cc][j][e], kf[cc][e], s);
        s = detail::group_sum<KT>(s);
        if (ci == 0 && j < nh) s_p[j][u * G + kg] = valid[u] ? finish_score(s, p.scale, p.softcap) : -INFINITY;
      }
    }
    __syncthreads();
    // Online softmax, a warp per query head (every tile has at least one valid key).
    if (warp < nh) online_softmax_tile(s_p[warp], kTile, s_m[warp], s_l[warp], s_alpha[warp], lane);
    __syncthreads();
    // o = o·alpha + Σ_keys p·v over this thread's keys.
    HEARTH_UNROLL
    for (int j = 0; j < NG; ++j) {
      if (j >= nh) continue;
      const float alpha = s_alpha[j];
      HEARTH_UNROLL
      for (int cc = 0; cc < CPT; ++cc)
        HEARTH_UNROLL
        for (int e = 0; e < 8; ++e) o[cc][j][e] *= alpha;
    }
    HEARTH_UNROLL
    for (int u = 0; u < U; ++u) {
      float vf[CPT][8];
      HEARTH_UNROLL
      for (int cc = 0; cc < CPT; ++cc) Kv::to_float(vr[u][cc], vf[cc]);
      HEARTH_UNROLL
      for (int j = 0; j < NG; ++j) {
        if (j >= nh) continue;
        const float pj = s_p[j][u * G + kg];
        HEARTH_UNROLL
        for (int cc = 0; cc < CPT; ++cc)
          HEARTH_UNROLL
          for (int e = 0; e < 8; ++e) o[cc][j][e] = fmaf(pj, vf[cc][e], o[cc][j][e]);
      }
    }
    __syncthreads();  // s_p and s_alpha are rewritten by the next tile
  }

  // Add the key groups' partial outputs.
  HEARTH_UNROLL
  for (int cc = 0; cc < CPT; ++cc) {
    const int d0 = 8 * (ci + KT * cc);
    if (d0 >= hd) continue;
    HEARTH_UNROLL
    for (int j = 0; j < NG; ++j) {
      if (j >= nh) continue;
      HEARTH_UNROLL
      for (int e = 0; e < 8; ++e) red[(kg * NG + j) * kDims + d0 + e] = o[cc][j][e];
    }
  }
  __syncthreads();
  const int64_t part = (t * p.n_head + head0) * p.n_chunks + c;  // (t, head0, c); + j·n_chunks per head
  for (int i = static_cast<int>(threadIdx.x); i < nh * hd; i += kThreads) {
    const int j = i / hd, d = i % hd;
    float sum = 0.0f;
    for (int g = 0; g < G; ++g) sum += red[(g * NG + j) * kDims + d];
    if (split.n_used == 1) p.out[t * p.ldo + static_cast<int64_t>(head0 + j) * hd + d] = sum / s_l[j];
    else p.part_o[(part + static_cast<int64_t>(j) * p.n_chunks) * hd + d] = sum;
  }
  if (split.n_used > 1 && static_cast<int>(threadIdx.x) < nh) {
    const int j = static_cast<int>(threadIdx.x);
    p.part_ml[(part + static_cast<int64_t>(j) * p.n_chunks) * 2] = s_m[j];
    p.part_ml[(part + static_cast<int64_t>(j) * p.n_chunks) * 2 + 1] = s_l[j];
  }
}

// ---- generic kernel (any even head_dim; one thread per dimension pair) ---------------------------

// Elements d and d+1 (d even) of one cached head.
template <class Kv>
__device__ __forceinline__ float2 load_pair(const uint8_t* head, int d);
template <>
__device__ __forceinline__ float2 load_pair<F16Kv>(const uint8_t* head, int d) {
  const uint32_t w = gemv_math::load_u32_a4(head + 2 * d);
  return make_float2(gemv_math::half_to_float(static_cast<uint16_t>(w)), gemv_math::half_to_float(static_cast<uint16_t>(w >> 16)));
}
template <>
__device__ __forceinline__ float2 load_pair<F32Kv>(const uint8_t* head, int d) {
  const float* f = reinterpret_cast<const float*>(head) + d;
  return make_float2(f[0], f[1]);
}
template <>
__device__ __forceinline__ float2 load_pair<Q8Kv>(const uint8_t* head, int d) {
  const uint8_t* block = head + 34 * (d / 32);
  const float scale = gemv_math::half_to_float(static_cast<uint16_t>(gemv_math::load_u16(block)));
  const int j = d % 32;
  return make_float2(static_cast<float>(static_cast<int8_t>(block[2 + j])) * scale, static_cast<float>(static_cast<int8_t>(block[3 + j])) * scale);
}

// One block per (chunk, KV head, token) with every query head of the group; dynamic shared memory
// (2·n_gqa·head_dim + n_gqa·kGenericTile + 3·n_gqa floats).
template <class Kv>
__global__ void __launch_bounds__(kThreads) generic_kernel(const __grid_constant__ Params p) {
  HEARTH_DYNAMIC_SMEM(float, smem);
  const int hd = p.head_dim, n_gqa = p.n_gqa, half_dim = hd / 2;
  float* q_s = smem;                  // n_gqa × hd
  float* o_s = q_s + n_gqa * hd;      // n_gqa × hd
  float* s_t = o_s + n_gqa * hd;      // n_gqa × kGenericTile
  float* m_s = s_t + n_gqa * kGenericTile;
  float* l_s = m_s + n_gqa;
  float* a_s = l_s + n_gqa;

  const int c = static_cast<int>(blockIdx.x), g = static_cast<int>(blockIdx.y);
  const int64_t t = blockIdx.z;
  const int lane = static_cast<int>(threadIdx.x) & 31, warp = static_cast<int>(threadIdx.x) >> 5;
  const int head0 = g * n_gqa;
  const int64_t n_kv = token_length(p, t);
  const KeySplit split = split_keys(n_kv, p.n_chunks, p.min_chunk_keys);
  if (c >= split.n_used) return;
  const int64_t start = static_cast<int64_t>(c) * split.keys_per_chunk;
  const int64_t end = std::min(n_kv, start + split.keys_per_chunk);
  const int64_t part = (t * p.n_head + head0) * p.n_chunks + c;

  for (int i = static_cast<int>(threadIdx.x); i < n_gqa * hd; i += kThreads) {
    q_s[i] = p.q[t * p.ldq + static_cast<int64_t>(head0) * hd + i];
    o_s[i] = 0.0f;
  }
  for (int j = static_cast<int>(threadIdx.x); j < n_gqa; j += kThreads) m_s[j] = -INFINITY, l_s[j] = 0.0f;
  __syncthreads();

  const int64_t first_row = static_cast<int64_t>(p.slots[t]) * p.cells_per_slot;
  const uint8_t* k_base = p.k + first_row * static_cast<int64_t>(p.row_stride) + static_cast<int64_t>(g) * static_cast<int64_t>(p.head_bytes);
  const uint8_t* v_base = p.v + first_row * static_cast<int64_t>(p.row_stride) + static_cast<int64_t>(g) * static_cast<int64_t>(p.head_bytes);

  for (int64_t tile0 = start; tile0 < end; tile0 += kGenericTile) {
    const int n_t = static_cast<int>(std::min(static_cast<int64_t>(kGenericTile), end - tile0));
    for (int kk = warp; kk < n_t; kk += kWarps) {
      const uint8_t* key = k_base + (tile0 + kk) * static_cast<int64_t>(p.row_stride);
      for (int j = 0; j < n_gqa; ++j) {
        const float* qj = q_s + j * hd;
        float acc = 0.0f;
        for (int d2 = lane; d2 < half_dim; d2 += 32) {
          const float2 kv = load_pair<Kv>(key, 2 * d2);
          acc += qj[2 * d2] * kv.x + qj[2 * d2 + 1] * kv.y;
        }
        acc = detail::warp_sum(acc);
        if (lane == 0) s_t[j * kGenericTile + kk] = finish_score(acc, p.scale, p.softcap);
      }
    }
    __syncthreads();
    for (int j = warp; j < n_gqa; j += kWarps) online_softmax_tile(s_t + j * kGenericTile, n_t, m_s[j], l_s[j], a_s[j], lane);
    __syncthreads();
    for (int item = static_cast<int>(threadIdx.x); item < n_gqa * half_dim; item += kThreads) {
      const int j = item / half_dim, d2 = item % half_dim;
      const float alpha = a_s[j];
      float ox = o_s[j * hd + 2 * d2] * alpha, oy = o_s[j * hd + 2 * d2 + 1] * alpha;
      const float* pj = s_t + j * kGenericTile;
      for (int kk = 0; kk < n_t; ++kk) {
        const float2 vv = load_pair<Kv>(v_base + (tile0 + kk) * static_cast<int64_t>(p.row_stride), 2 * d2);
        ox += pj[kk] * vv.x;
        oy += pj[kk] * vv.y;
      }
      o_s[j * hd + 2 * d2] = ox;
      o_s[j * hd + 2 * d2 + 1] = oy;
    }
    __syncthreads();
  }

  if (split.n_used == 1) {
    for (int i = static_cast<int>(threadIdx.x); i < n_gqa * hd; i += kThreads)
      p.out[t * p.ldo + static_cast<int64_t>(head0) * hd + i] = o_s[i] / l_s[i / hd];
  } else {
    for (int i = static_cast<int>(threadIdx.x); i < n_gqa * hd; i += kThreads) {
      const int j = i / hd, d = i % hd;
      p.part_o[(part + static_cast<int64_t>(j) * p.n_chunks) * hd + d] = o_s[i];
    }
    for (int j = static_cast<int>(threadIdx.x); j < n_gqa; j += kThreads) {
      p.part_ml[(part + static_cast<int64_t>(j) * p.n_chunks) * 2] = m_s[j];
      p.part_ml[(part + static_cast<int64_t>(j) * p.n_chunks) * 2 + 1] = l_s[j];
    }
  }
}

// ---- merge kernel -----------------------------------------------------------------------------

// VW floats per load (4 when head_dim % 4 == 0, else 2). Threads are (slice of VW dimensions,
// chunk lane); each chunk lane adds every cl-th chunk.
template <int VW>
__global__ void __launch_bounds__(kMergeThreads) merge_kernel(const __grid_constant__ Params p) {
  __shared__ float w_s[kMaxChunks];
  __shared__ float red[kMergeThreads * VW];
  const int h = static_cast<int>(blockIdx.x);
  const int64_t t = blockIdx.y;
  const KeySplit split = split_keys(token_length(p, t), p.n_chunks, p.min_chunk_keys);
  if (split.n_used <= 1) return;  // the split kernel wrote this token's output itself
  const int nu = split.n_used, hd = p.head_dim;
  const int64_t base = (t * p.n_head + h) * p.n_chunks;
  const int lane = static_cast<int>(threadIdx.x) & 31;
  if (threadIdx.x < 32) {
    const float* ml = p.part_ml + base * 2;
    float mx = -INFINITY;
    for (int c = lane; c < nu; c += 32) mx = fmaxf(mx, ml[2 * c]);
    mx = detail::warp_max(mx);
    float l = 0.0f;
    for (int c = lane; c < nu; c += 32) l += ml[2 * c + 1] * expf(ml[2 * c] - mx);
    l = detail::warp_sum(l);
    for (int c = lane; c < nu; c += 32) w_s[c] = expf(ml[2 * c] - mx) / l;
  }
  __syncthreads();
  const int slices = hd / VW;
  const int cl = kMergeThreads / slices;  // ≥ 1: hd ≤ 512 and VW ≥ 2
  const int slice = static_cast<int>(threadIdx.x) % slices, chunk_lane = static_cast<int>(threadIdx.x) / slices;
  float acc[VW];
  HEARTH_UNROLL
  for (int e = 0; e < VW; ++e) acc[e] = 0.0f;
  if (chunk_lane < cl) {
    const float* po = p.part_o + base * hd + slice * VW;
HEARTH_UNROLL_BY(8)
    for (int c = chunk_lane; c < nu; c += cl) {
      const float w = w_s[c];
      const float* src = po + static_cast<int64_t>(c) * hd;
      if constexpr (VW == 4) {
        float a, b, d, e;
        gemv_math::load_f32x4(src, a, b, d, e);
        acc[0] = fmaf(w, a, acc[0]), acc[1] = fmaf(w, b, acc[1]), acc[2] = fmaf(w, d, acc[2]), acc[3] = fmaf(w, e, acc[3]);
      } else {
        acc[0] = fmaf(w, src[0], acc[0]), acc[1] = fmaf(w, src[1], acc[1]);
      }
    }
    HEARTH_UNROLL
    for (int e = 0; e < VW; ++e) red[chunk_lane * hd + slice * VW + e] = acc[e];
  }
  __syncthreads();
  for (int d = static_cast<int>(threadIdx.x); d < hd; d += kMergeThreads) {
    float sum = 0.0f;
    for (int l2 = 0; l2 < cl; ++l2) sum += red[l2 * hd + d];
    p.out[t * p.ldo + static_cast<int64_t>(h) * hd + d] = sum;
  }
}

// ---- launch -----------------------------------------------------------------------------------

// Checks the arguments, fills Params and calls launch(kernel, grid, block, dynamic_smem, params)
// for the split kernel and, with several chunks, the merge kernel. attention.cu launches on a
// stream; the host tests run the same kernels in the emulator.
template <class Launch>
void dispatch(const AttentionArgs& a, Launch&& launch) {
  using detail::invalid;
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
  if (c.cells_per_slot <= 0) invalid("attention", "empty slots");
  if (a.n_chunks < 1 || a.n_chunks > kMaxChunks || a.chunk_keys < 1)
    invalid("attention", "n_chunks must be 1.." + std::to_string(kMaxChunks) + " and chunk_keys ≥ 1");
  if (a.n_chunks > 1 && !a.workspace) invalid("attention", "split attention needs a workspace");
  if (a.n_chunks > 1 && !detail::aligned(a.workspace, 16)) invalid("attention", "the workspace must be 16-byte aligned");

  Params p{};
  p.q = a.q, p.ldq = a.ldq, p.out = a.out, p.ldo = a.ldo;
  p.n_head = a.n_head, p.head_dim = a.head_dim, p.n_gqa = n_gqa;
  p.scale = a.scale, p.softcap = a.softcap;
  p.k = static_cast<const uint8_t*>(c.k), p.v = static_cast<const uint8_t*>(c.v);
  p.row_stride = c.row_stride, p.head_bytes = head_bytes, p.cells_per_slot = c.cells_per_slot;
  p.vec16 = detail::aligned(c.k, 16) && detail::aligned(c.v, 16) && c.row_stride % 16 == 0 && head_bytes % 16 == 0 ? 1 : 0;
  p.positions = a.positions, p.slots = a.slots;
  p.n_chunks = a.n_chunks, p.min_chunk_keys = a.chunk_keys;
  if (a.n_chunks > 1) {
    p.part_o = a.workspace;
    p.part_ml = a.workspace + static_cast<std::size_t>(a.tokens) * a.n_head * a.n_chunks * a.head_dim;
  }

  if (a.head_dim % 8 == 0) {
    p.head_groups = (n_gqa + kHeadsPerBlock - 1) / kHeadsPerBlock;
    const dim3 grid(static_cast<unsigned>(a.n_chunks), static_cast<unsigned>(a.n_head_kv * p.head_groups), static_cast<unsigned>(a.tokens));
    const int pieces = a.head_dim / 8;  // 8-element pieces of a head row
    auto by_geometry = [&]<class Kv>() {
      if (pieces <= 4) return launch(split_kernel<Kv, 4, 1>, grid, dim3(kThreads), std::size_t{0}, p);
      if (pieces <= 8) return launch(split_kernel<Kv, 8, 1>, grid, dim3(kThreads), std::size_t{0}, p);
      if (pieces <= 16) return launch(split_kernel<Kv, 16, 1>, grid, dim3(kThreads), std::size_t{0}, p);
      if (pieces <= 32) return launch(split_kernel<Kv, 32, 1>, grid, dim3(kThreads), std::size_t{0}, p);
      return launch(split_kernel<Kv, 32, 2>, grid, dim3(kThreads), std::size_t{0}, p);
    };
    if (c.type == TensorType::F16) by_geometry.template operator()<F16Kv>();
    else if (c.type == TensorType::F32) by_geometry.template operator()<F32Kv>();
    else by_geometry.template operator()<Q8Kv>();
  } else {
    p.head_groups = 1;
    const dim3 grid(static_cast<unsigned>(a.n_chunks), static_cast<unsigned>(a.n_head_kv), static_cast<unsigned>(a.tokens));
    const std::size_t smem = (static_cast<std::size_t>(2 * n_gqa * a.head_dim) + static_cast<std::size_t>(n_gqa) * kGenericTile + 3 * static_cast<std::size_t>(n_gqa)) * sizeof(float);
    if (c.type == TensorType::F16) launch(generic_kernel<F16Kv>, grid, dim3(kThreads), smem, p);
    else if (c.type == TensorType::F32) launch(generic_kernel<F32Kv>, grid, dim3(kThreads), smem, p);
    else launch(generic_kernel<Q8Kv>, grid, dim3(kThreads), smem, p);
  }
  if (a.n_chunks > 1) {
    const dim3 grid(static_cast<unsigned>(a.n_head), static_cast<unsigned>(a.tokens));
    if (a.head_dim % 4 == 0) launch(merge_kernel<4>, grid, dim3(kMergeThreads), std::size_t{0}, p);
    else launch(merge_kernel<2>, grid, dim3(kMergeThreads), std::size_t{0}, p);
  }
}

}  // namespace hearth::cuda::attn
