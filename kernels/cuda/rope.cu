// RoPE of Q and K fused with the KV-cache write (rope_store_kv), and the re-rotation of cached
// keys for a context shift (kv_rotate_rows). One CUDA block per token (or per cached row): the
// block computes the token's cos/sin table once in shared memory, rotates every head of Q and K
// in place, then converts the K and V rows into their cache cell.
#include <string>

#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/device_utils.cuh"
#include "kernels/cuda/rope_math.h"

namespace hearth::cuda {
namespace {

using detail::invalid;
constexpr int kThreads = 256;

// Cooperative (whole block) conversion of n floats into one cache row of `type`.
__device__ void store_cache_row(TensorType type, const float* src, uint8_t* dst, int64_t n) {
  if (type == TensorType::F32) {
    for (int64_t i = threadIdx.x; i < n; i += blockDim.x) reinterpret_cast<float*>(dst)[i] = src[i];
  } else if (type == TensorType::F16) {
    for (int64_t i = threadIdx.x; i < n; i += blockDim.x) reinterpret_cast<uint16_t*>(dst)[i] = quant::fp32_to_fp16(src[i]);
  } else {  // Q8_0: one warp per block of 32, the CPU's arithmetic (rope_math::quantize_q8_0_block)
    const int lane = threadIdx.x & 31;
    for (int64_t b = threadIdx.x >> 5; b < n / 32; b += blockDim.x >> 5) {
      const float x = src[32 * b + lane];
      const float amax = detail::warp_max(fabsf(x));
      const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
      const int v = rope_math::nearest_int(quant::fmul(x, id));
      uint8_t* block = dst + 34 * b;
      block[2 + lane] = static_cast<uint8_t>(static_cast<int8_t>(v < -128 ? -128 : (v > 127 ? 127 : v)));
      if (lane == 0) *reinterpret_cast<uint16_t*>(block) = quant::fp32_to_fp16(amax / 127.0f);
    }
  }
}

// Cooperative conversion of one cache row back to floats.
__device__ void load_cache_row(TensorType type, const uint8_t* src, float* dst, int64_t n) {
  for (int64_t i = threadIdx.x; i < n; i += blockDim.x) {
    if (type == TensorType::F32) dst[i] = reinterpret_cast<const float*>(src)[i];
    else if (type == TensorType::F16) dst[i] = quant::fp16_to_fp32(reinterpret_cast<const uint16_t*>(src)[i]);
    else {
      const uint8_t* block = src + 34 * (i / 32);
      dst[i] = quant::fmul(static_cast<float>(static_cast<int8_t>(block[2 + i % 32])), quant::fp16_to_fp32(*reinterpret_cast<const uint16_t*>(block)));
    }
  }
}

// Rotates the first n_rot elements of n_head heads of one row by the table cs (cos, sin pairs).
__device__ void rotate_heads(float* row, int n_head, int head_dim, int n_rot, int neox, const float* cs) {
  const int half = n_rot / 2;
  for (int idx = threadIdx.x; idx < n_head * half; idx += blockDim.x) {
    const int h = idx / half, i = idx % half;
    int a, b;
    rope_math::rope_pair(neox, n_rot, i, a, b);
    float* head = row + static_cast<int64_t>(h) * head_dim;
    rope_math::rotate(head[a], head[b], cs[2 * i], cs[2 * i + 1]);
  }
}

struct RopeStoreKernelParams {
  float* q;
  int64_t ldq;
  int n_head_q;
  float* k;
  int64_t ldk;
  int n_head_k;
  const float* v;
  int64_t ldv;
  const int32_t* positions;
  const int32_t* slots;
  int has_rope;
  RopeParams rope;
  KvCacheView cache;
};

__global__ void __launch_bounds__(kThreads) rope_store_kernel(const __grid_constant__ RopeStoreKernelParams p) {
  extern __shared__ float cs[];  // n_rot floats
  const int64_t t = blockIdx.x;
  const int32_t pos = p.positions[t];
  if (p.has_rope) {
    for (int i = threadIdx.x; i < p.rope.n_rot / 2; i += blockDim.x)
      rope_math::rope_cos_sin(p.rope, static_cast<float>(pos), i, cs[2 * i], cs[2 * i + 1]);
    __syncthreads();
    if (p.q) rotate_heads(p.q + t * p.ldq, p.n_head_q, p.rope.head_dim, p.rope.n_rot, p.rope.neox, cs);
    if (p.k) rotate_heads(p.k + t * p.ldk, p.n_head_k, p.rope.head_dim, p.rope.n_rot, p.rope.neox, cs);
  }
  if (!p.cache.k) return;
  __syncthreads();  // the rotated K row (written by other threads of this block) is read below
  const int64_t row = static_cast<int64_t>(p.slots[t]) * p.cache.cells_per_slot + pos;
  if (pos < 0 || pos >= p.cache.cells_per_slot || row < 0 || row >= p.cache.n_rows) return;  // validated on the host
  if (p.k) store_cache_row(p.cache.type, p.k + t * p.ldk, static_cast<uint8_t*>(p.cache.k) + row * p.cache.row_stride, p.cache.n_embd_k);
  if (p.v) store_cache_row(p.cache.type, p.v + t * p.ldv, static_cast<uint8_t*>(p.cache.v) + row * p.cache.row_stride, p.cache.n_embd_v);
}

__global__ void __launch_bounds__(kThreads) kv_rotate_kernel(KvCacheView cache, int64_t first_row, int n_head_kv, int head_dim, int n_rot,
                                                             int neox, const float* __restrict__ cos_sin) {
  extern __shared__ float row_buf[];  // n_embd_k floats
  uint8_t* row = static_cast<uint8_t*>(cache.k) + (first_row + blockIdx.x) * cache.row_stride;
  load_cache_row(cache.type, row, row_buf, cache.n_embd_k);
  __syncthreads();
  rotate_heads(row_buf, n_head_kv, head_dim, n_rot, neox, cos_sin);
  __syncthreads();
  store_cache_row(cache.type, row_buf, row, cache.n_embd_k);
}

void check_cache(const char* op, const KvCacheView& c) {
  if (!kv_cache_supports(c.type)) invalid(op, "KV cache type " + std::string(gguf::type_name(c.type)) + " is not supported");
  if (!c.k || !c.v) invalid(op, "null cache pointer");
  if (c.cells_per_slot <= 0 || c.n_rows < c.cells_per_slot) invalid(op, "bad cache geometry");
  const std::size_t kb = gguf::row_bytes(c.type, static_cast<uint64_t>(c.n_embd_k)), vb = gguf::row_bytes(c.type, static_cast<uint64_t>(c.n_embd_v));
  if (c.type == TensorType::Q8_0 && (c.n_embd_k % 32 != 0 || c.n_embd_v % 32 != 0)) invalid(op, "Q8_0 cache rows must be multiples of 32");
  if (c.row_stride < kb || c.row_stride < vb) invalid(op, "cache row stride smaller than a row");
  const std::size_t align = c.type == TensorType::F32 ? 4 : 2;
  if (!detail::aligned(c.k, align) || !detail::aligned(c.v, align) || c.row_stride % align != 0) invalid(op, "misaligned cache rows");
}

void check_rope(const char* op, const RopeParams& r) {
  if (r.n_rot <= 0 || r.n_rot % 2 != 0 || r.n_rot > r.head_dim)
    invalid(op, "n_rot " + std::to_string(r.n_rot) + " must be even, positive and ≤ head_dim " + std::to_string(r.head_dim));
}

}  // namespace

bool kv_cache_supports(TensorType type) { return type == TensorType::F32 || type == TensorType::F16 || type == TensorType::Q8_0; }

void rope_store_kv(const RopeStoreArgs& a, cudaStream_t stream) {
  if (a.tokens < 0 || a.tokens > 0x7FFFFFFF) invalid("rope_store_kv", "bad token count");
  if (a.tokens == 0) return;
  if (!a.positions) invalid("rope_store_kv", "positions are required");
  RopeStoreKernelParams p{};
  p.q = a.q, p.ldq = a.ldq, p.n_head_q = a.n_head_q;
  p.k = a.k, p.ldk = a.ldk, p.n_head_k = a.n_head_k;
  p.v = a.v, p.ldv = a.ldv;
  p.positions = a.positions, p.slots = a.slots;
  std::size_t smem = 0;
  if (a.rope) {
    check_rope("rope_store_kv", *a.rope);
    p.has_rope = 1;
    p.rope = *a.rope;
    smem = static_cast<std::size_t>(a.rope->n_rot) * sizeof(float);
    if (a.q && a.ldq < static_cast<int64_t>(a.n_head_q) * a.rope->head_dim) invalid("rope_store_kv", "ldq smaller than the Q heads");
    if (a.k && a.ldk < static_cast<int64_t>(a.n_head_k) * a.rope->head_dim) invalid("rope_store_kv", "ldk smaller than the K heads");
    if (smem > 48 * 1024) invalid("rope_store_kv", "n_rot too large");
  }
  if (a.cache.k) {
    check_cache("rope_store_kv", a.cache);
    if (!a.slots) invalid("rope_store_kv", "slots are required to store into the cache");
    if ((a.k && a.ldk < a.cache.n_embd_k) || (a.v && a.ldv < a.cache.n_embd_v)) invalid("rope_store_kv", "K/V rows narrower than the cache rows");
    p.cache = a.cache;
  }
  rope_store_kernel<<<static_cast<unsigned>(a.tokens), kThreads, smem, stream>>>(p);
  check_launch("rope_store_kernel");
}

void kv_rotate_rows(const KvCacheView& cache, int64_t first_row, int64_t n, int n_head_kv, int head_dim, int n_rot, int neox,
                    const float* cos_sin, cudaStream_t stream) {
  check_cache("kv_rotate_rows", cache);
  if (n <= 0) return;
  if (first_row < 0 || first_row + n > cache.n_rows) invalid("kv_rotate_rows", "rows outside the cache");
  if (n_rot <= 0 || n_rot % 2 || n_rot > head_dim || static_cast<int64_t>(n_head_kv) * head_dim != cache.n_embd_k)
    invalid("kv_rotate_rows", "bad head geometry");
  if (!cos_sin) invalid("kv_rotate_rows", "null angle table");
  const std::size_t smem = static_cast<std::size_t>(cache.n_embd_k) * sizeof(float);
  if (smem > 48 * 1024) invalid("kv_rotate_rows", "K rows wider than 12288 elements are not supported");
  if (n > 0x7FFFFFFF) invalid("kv_rotate_rows", "too many rows");
  kv_rotate_kernel<<<static_cast<unsigned>(n), kThreads, smem, stream>>>(cache, first_row, n_head_kv, head_dim, n_rot, neox, cos_sin);
  check_launch("kv_rotate_kernel");
}

}  // namespace hearth::cuda
