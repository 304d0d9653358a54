// On-device log-softmax statistics and top-k, so a decode step copies k (id, logprob) pairs and
// one log-sum-exp per sequence across PCIe instead of the whole vocabulary.
//
// One block of 1024 threads per row: a max and a Σexp pass give lse; then k selection rounds,
// each a block-wide argmax over the entries that come after the previous pick in the order
// (logit descending, index ascending). That order is total, so no picked-set is needed, and ties
// come out lowest index first (NaN logits are never picked).
#include <string>

#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/device_utils.cuh"

namespace hearth::cuda {
namespace {

using detail::invalid;
constexpr int kThreads = 1024;

// (v, i) ranks before (bv, bi): larger value first, then smaller index; bi < 0 is "nothing yet".
__device__ __forceinline__ bool ranks_before(float v, int32_t i, float bv, int32_t bi) {
  return i >= 0 && (bi < 0 || v > bv || (v == bv && i < bi));
}

__global__ void __launch_bounds__(kThreads) top_k_kernel(const float* __restrict__ logits, int64_t ld, int64_t n, int k, int32_t* ids,
                                                         float* logprobs, float* lse_out) {
  __shared__ float scratch[32];
  __shared__ float cand_v[32];
  __shared__ int32_t cand_i[32];
  __shared__ float pick_v;
  __shared__ int32_t pick_i;
  const int64_t row = blockIdx.x;
  const float* x = logits + row * ld;
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;

  float mx = -INFINITY;
  for (int64_t i = threadIdx.x; i < n; i += blockDim.x) mx = fmaxf(mx, x[i]);
  mx = detail::block_max(mx, scratch);
  float se = 0.0f;
  for (int64_t i = threadIdx.x; i < n; i += blockDim.x) se += expf(x[i] - mx);
  se = detail::block_sum(se, scratch);
  const float lse = mx + logf(se);
  if (threadIdx.x == 0) lse_out[row] = lse;

  float prev_v = INFINITY;
  int32_t prev_i = -1;
  for (int r = 0; r < k; ++r) {
    float bv = -INFINITY;
    int32_t bi = -1;
    for (int64_t i = threadIdx.x; i < n; i += blockDim.x) {
      const float v = x[i];
      const bool after_prev = v < prev_v || (v == prev_v && i > prev_i);
      if (after_prev && ranks_before(v, static_cast<int32_t>(i), bv, bi)) bv = v, bi = static_cast<int32_t>(i);
    }
#pragma unroll
    for (int offset = 16; offset > 0; offset >>= 1) {
      const float ov = __shfl_xor_sync(detail::kFullMask, bv, offset);
      const int32_t oi = __shfl_xor_sync(detail::kFullMask, bi, offset);
      if (ranks_before(ov, oi, bv, bi)) bv = ov, bi = oi;
    }
    if (lane == 0) cand_v[warp] = bv, cand_i[warp] = bi;
    __syncthreads();
    if (warp == 0) {
      bv = lane < (blockDim.x >> 5) ? cand_v[lane] : -INFINITY;
      bi = lane < (blockDim.x >> 5) ? cand_i[lane] : -1;
#pragma unroll
      for (int offset = 16; offset > 0; offset >>= 1) {
        const float ov = __shfl_xor_sync(detail::kFullMask, bv, offset);
        const int32_t oi = __shfl_xor_sync(detail::kFullMask, bi, offset);
        if (ranks_before(ov, oi, bv, bi)) bv = ov, bi = oi;
      }
      if (lane == 0) {
        pick_v = bv, pick_i = bi;
        ids[row * k + r] = bi;
        logprobs[row * k + r] = bi >= 0 ? bv - lse : -INFINITY;
      }
    }
    __syncthreads();
    prev_v = pick_v, prev_i = pick_i;
    if (prev_i < 0) prev_v = -INFINITY, prev_i = 0x7FFFFFFF;  // nothing left: later rounds find nothing either
    __syncthreads();  // pick_* is rewritten by the next round
  }
}

}  // namespace

void top_k_logprobs(const float* logits, int64_t ld, int64_t n_vocab, int64_t rows, int k, int32_t* ids, float* logprobs, float* lse,
                    cudaStream_t stream) {
  if (n_vocab <= 0 || n_vocab > 0x7FFFFFFF || ld < n_vocab || rows < 0) invalid("top_k_logprobs", "bad shape");
  if (k < 1 || k > kTopKMax) invalid("top_k_logprobs", "k must be 1.." + std::to_string(kTopKMax));
  if (rows == 0) return;
  if (rows > 0x7FFFFFFF) invalid("top_k_logprobs", "too many rows");
  if (!logits || !ids || !logprobs || !lse) invalid("top_k_logprobs", "null pointer");
  top_k_kernel<<<static_cast<unsigned>(rows), kThreads, 0, stream>>>(logits, ld, n_vocab, k, ids, logprobs, lse);
  check_launch("top_k_kernel");
}

}  // namespace hearth::cuda
