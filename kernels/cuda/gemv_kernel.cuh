// kernels/cuda/gemv_kernel.cuh — the GEMV kernel template shared by the per-family .cu files.
//
// A CUDA block of THREADS threads computes ROWS output rows for NTOK activation rows: its threads
// form ROWS groups of THREADS/ROWS (a multiple of 32), one group per row. A group walks its row's
// work items (item i = slice i % kSlices of weight block i / kSlices, see gemv_math.h) with a
// group-wide stride, so consecutive threads read consecutive slices and a warp's loads cover one
// contiguous stretch of the row. Rows with few items (a 2048-wide Q4_K row has 64) use more,
// narrower groups so no thread idles. Each thread keeps NTOK partial sums in registers; a warp
// shuffle and one shared-memory pass add them up. Up to three matrices that share the input
// (Q, K and V of a layer) run in one launch: block b belongs to the last matrix whose
// first_block ≤ b.
#pragma once

#include <cstdint>

#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/device_utils.cuh"
#include "kernels/cuda/gemv_math.h"

namespace hearth::cuda::detail {

struct GemvKernelMatrix {
  const uint8_t* w;
  std::size_t row_stride;
  int64_t rows;
  float* y;
  int64_t ldy;
  const float* bias;
  int accumulate;
  float* add_to;
  int64_t ld_add;
  int64_t first_block;  // first CUDA block of this matrix
};

struct GemvKernelParams {
  GemvKernelMatrix m[kGemvMaxMatrices];
  int n_matrices;
  int64_t blocks_per_row;  // weight blocks (or vectors) per row
  int64_t k;
  const int8_t* qs;        // Q8_1 input: quants, k per token
  const float* ds;         // Q8_1 input: (d, Σx), k/16 floats per token
  const float* x;          // f32 input
  int64_t ldx;
};

template <class Tr, int NTOK, int ROWS, int THREADS>
__global__ void __launch_bounds__(THREADS) gemv_kernel(const __grid_constant__ GemvKernelParams p) {
  constexpr int kGroupThreads = THREADS / ROWS;
  static_assert(kGroupThreads % 32 == 0 && kGroupThreads >= NTOK, "row groups are whole warps");
  const int64_t b = blockIdx.x;
  const int mi = (p.n_matrices > 2 && b >= p.m[2].first_block) ? 2 : ((p.n_matrices > 1 && b >= p.m[1].first_block) ? 1 : 0);
  const GemvKernelMatrix M = mi == 0 ? p.m[0] : (mi == 1 ? p.m[1] : p.m[2]);
  const int group = threadIdx.x / kGroupThreads, gt = threadIdx.x % kGroupThreads;
  const int64_t row = (b - M.first_block) * ROWS + group;
  const bool valid = row < M.rows;

  float acc[NTOK];
#pragma unroll
  for (int t = 0; t < NTOK; ++t) acc[t] = 0.0f;
  if (valid) {
    const uint8_t* wrow = M.w + static_cast<std::size_t>(row) * M.row_stride;
    const int64_t n_items = p.blocks_per_row * Tr::kSlices;
    for (int64_t it = gt; it < n_items; it += kGroupThreads) {
      const int64_t blk = it / Tr::kSlices;
      const int s = static_cast<int>(it % Tr::kSlices);
      const uint8_t* wb = wrow + blk * Tr::kBlockBytes;
#pragma unroll
      for (int t = 0; t < NTOK; ++t) {
        if constexpr (Tr::kQ8) {
          acc[t] += Tr::dot(wb, s, p.qs + t * p.k + blk * Tr::kBlockElems, p.ds + t * (p.k / 16) + blk * (Tr::kBlockElems / 16));
        } else {
          acc[t] += Tr::dot(wb, s, p.x + t * p.ldx + blk * Tr::kBlockElems);
        }
      }
    }
  }

  __shared__ float partial[THREADS / 32][NTOK];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
#pragma unroll
  for (int t = 0; t < NTOK; ++t) {
    const float v = warp_sum(acc[t]);
    if (lane == 0) partial[warp][t] = v;
  }
  __syncthreads();
  if (valid && gt < NTOK) {  // thread t of the group writes token t of its row
    constexpr int kWarpsPerGroup = kGroupThreads / 32;
    float sum = 0.0f;
#pragma unroll
    for (int w = 0; w < kWarpsPerGroup; ++w) sum += partial[group * kWarpsPerGroup + w][gt];
    if (M.bias) sum += M.bias[row];
    float* dst = M.y + gt * M.ldy + row;
    const float out = M.accumulate ? *dst + sum : sum;
    *dst = out;
    if (M.add_to) M.add_to[gt * M.ld_add + row] += out;
  }
}

// Fills in first_block for ROWS rows per block and launches; no-op when there are no rows.
template <class Tr, int NTOK, int ROWS, int THREADS>
void launch_gemv(GemvKernelParams p, cudaStream_t stream) {
  int64_t blocks = 0;
  for (int i = 0; i < p.n_matrices; ++i) {
    p.m[i].first_block = blocks;
    blocks += ceil_div(p.m[i].rows, ROWS);
  }
  for (int i = p.n_matrices; i < kGemvMaxMatrices; ++i) p.m[i].first_block = blocks;
  if (blocks == 0) return;
  if (blocks > 0x7FFFFFFF) invalid("gemv", "too many output rows for one launch");
  gemv_kernel<Tr, NTOK, ROWS, THREADS><<<static_cast<unsigned>(blocks), THREADS, 0, stream>>>(p);
  check_launch("gemv_kernel");
}

// Rows per 128-thread block for a row of n_items work items: narrower groups for short rows.
inline int auto_rows_per_block(int64_t n_items) { return n_items <= 32 ? 4 : (n_items <= 64 ? 2 : 1); }

// Picks the instantiation for (tokens, config); threads = 0 picks 128 threads and the rows per
// block by row width. T == 1 also offers the launch shapes the benchmarks sweep. Batched decode
// is compiled for 1 or 2 rows per block only (each instantiation costs binary size), so an
// automatic choice of 4 becomes 2 there.
template <class Tr>
void gemv_typed(const GemvKernelParams& p, int64_t tokens, const GemvConfig& c, cudaStream_t stream) {
  const int threads = c.threads ? c.threads : 128;
  int rows = c.threads ? c.rows_per_block : auto_rows_per_block(p.blocks_per_row * Tr::kSlices);
  if (tokens == 1) {
    if (threads == 128 && rows == 1) return launch_gemv<Tr, 1, 1, 128>(p, stream);
    if (threads == 128 && rows == 2) return launch_gemv<Tr, 1, 2, 128>(p, stream);
    if (threads == 128 && rows == 4) return launch_gemv<Tr, 1, 4, 128>(p, stream);
    if (threads == 64 && rows == 1) return launch_gemv<Tr, 1, 1, 64>(p, stream);
    if (threads == 256 && rows == 1) return launch_gemv<Tr, 1, 1, 256>(p, stream);
    invalid("gemv", "no kernel for " + std::to_string(threads) + " threads × " + std::to_string(rows) + " rows");
  }
  if (!c.threads && rows == 4) rows = 2;
  if (threads != 128 || (rows != 1 && rows != 2)) invalid("gemv", "batched GEMV runs 128 threads × 1 or 2 rows");
  auto by_rows = [&]<int T>() {
    if (rows == 1) return launch_gemv<Tr, T, 1, 128>(p, stream);
    return launch_gemv<Tr, T, 2, 128>(p, stream);
  };
  switch (tokens) {
    case 2: return by_rows.template operator()<2>();
    case 3: return by_rows.template operator()<3>();
    case 4: return by_rows.template operator()<4>();
    case 5: return by_rows.template operator()<5>();
    case 6: return by_rows.template operator()<6>();
    case 7: return by_rows.template operator()<7>();
    case 8: return by_rows.template operator()<8>();
    default: invalid("gemv", "tokens must be 1.." + std::to_string(kGemvMaxTokens));
  }
}

// Per-family entry points (gemv_legacy.cu, gemv_kquants.cu, gemv_float.cu); `vector` picks the
// 16-byte float path.
void gemv_legacy(TensorType type, const GemvKernelParams& p, int64_t tokens, const GemvConfig& c, cudaStream_t stream);
void gemv_kquants(TensorType type, const GemvKernelParams& p, int64_t tokens, const GemvConfig& c, cudaStream_t stream);
void gemv_float(TensorType type, bool vector, const GemvKernelParams& p, int64_t tokens, const GemvConfig& c, cudaStream_t stream);

}  // namespace hearth::cuda::detail
