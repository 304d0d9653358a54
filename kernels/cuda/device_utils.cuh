// kernels/cuda/device_utils.cuh — small device-side helpers shared by the .cu files: warp and
// block reductions and the launch-geometry arithmetic. Device code only (include from .cu files,
// or from a host test that first includes tests/cuda/emu/cuda_emu.h to run kernels on the CPU).
#pragma once

// The emulator (tests/cuda/emu/cuda_emu.h) supplies the runtime API and vector types itself;
// cuda_runtime.h would clash with its threadIdx/blockIdx definitions.
#ifndef HEARTH_CUDA_EMULATION
#include <cuda_runtime.h>
#endif

#include "kernels/cuda/unroll.h"

// Dynamic shared memory of a kernel: `extern __shared__ T name[]` on the device, the emulator's
// per-block buffer in host tests (tests/cuda/emu/cuda_emu.h).
#if defined(HEARTH_CUDA_EMULATION)
#define HEARTH_DYNAMIC_SMEM(T, name) T* name = static_cast<T*>(::hearth::emu::dynamic_smem())
#else
#define HEARTH_DYNAMIC_SMEM(T, name) extern __shared__ T name[]
#endif

#include <cstdint>
#include <stdexcept>
#include <string>

namespace hearth::cuda::detail {

inline constexpr unsigned kFullMask = 0xFFFFFFFFu;

__device__ __forceinline__ float warp_sum(float v) {
HEARTH_UNROLL
  for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(kFullMask, v, offset);
  return v;
}

__device__ __forceinline__ float warp_max(float v) {
HEARTH_UNROLL
  for (int offset = 16; offset > 0; offset >>= 1) v = fmaxf(v, __shfl_xor_sync(kFullMask, v, offset));
  return v;
}

// Sum over aligned groups of N lanes (N a power of two ≤ 32); every lane gets its group's sum.
template <int N>
__device__ __forceinline__ float group_sum(float v) {
HEARTH_UNROLL
  for (int offset = N / 2; offset > 0; offset >>= 1) v += __shfl_xor_sync(kFullMask, v, offset);
  return v;
}

// Sum over the whole block (blockDim.x a multiple of 32, ≤ 1024); every thread gets the result.
// `scratch` holds 32 floats of shared memory; the function synchronizes the block.
__device__ __forceinline__ float block_sum(float v, float* scratch) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
  v = warp_sum(v);
  __syncthreads();  // scratch may still be read by a previous reduction
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  v = lane < warps ? scratch[lane] : 0.0f;
  return warp_sum(v);
}

__device__ __forceinline__ float block_max(float v, float* scratch) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
  v = warp_max(v);
  __syncthreads();
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  v = lane < warps ? scratch[lane] : -INFINITY;
  return warp_max(v);
}

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

inline bool aligned(const void* p, std::size_t alignment) { return reinterpret_cast<uintptr_t>(p) % alignment == 0; }

[[noreturn]] inline void invalid(const char* op, const std::string& what) {
  throw std::invalid_argument(std::string("cuda::") + op + ": " + what);
}

}  // namespace hearth::cuda::detail
