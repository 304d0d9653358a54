// tests/cuda/emu/cuda_emu.h — CUDA's execution model on the CPU, so kernel code can be tested on
// a machine without a GPU.
//
// A kernel written in a `.cuh` file that sticks to the subset below compiles twice: by nvcc into
// the real kernel, and by the host compiler into a test that runs it here. Every CUDA thread of a
// block is a fiber (ucontext) on one OS thread; fibers run until they reach a barrier, so the
// emulation enforces exactly what the programming model guarantees and nothing more:
//   * __syncthreads() waits for every live thread of the block; __syncwarp(mask) and the warp
//     shuffles (__shfl_sync, __shfl_xor_sync, __shfl_down_sync, __shfl_up_sync) and __ballot_sync
//     wait for exactly the lanes of `mask`, which must all be live and reach the *same*
//     collective — anything else (divergent collectives, a lane of the mask that exited) throws
//     EmulationError, as does a deadlock;
//   * a thread runs from one barrier to the next before any other thread runs, so a missing
//     barrier between a shared-memory write and another thread's read shows up as a stale read;
//   * `__shared__` variables are function statics (one instance per kernel, shared by all
//     threads of the block; blocks run one after another) and dynamic shared memory is poisoned
//     with 0xFF bytes (NaN floats) before every block.
// Not modelled: concurrency between blocks (blocks run sequentially), memory fences, timing.
// Include this header first in a translation unit (before any CUDA header) and launch kernels
// with emu::launch(kernel, grid, block, smem, args...).
#pragma once

#define HEARTH_CUDA_EMULATION 1
#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __shared__ static
#define __grid_constant__
#define __launch_bounds__(...)

#include <cuda_runtime_api.h>
#include <vector_types.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace hearth::emu {

class EmulationError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ThreadContext {
  uint3 thread_idx{};
  uint3 block_idx{};
  dim3 block_dim{};
  dim3 grid_dim{};
};

// The emulated thread that is running (valid only inside a kernel).
ThreadContext& current();

void syncthreads();
// Barrier of the lanes in `mask` (the calling lane must be one of them).
void syncwarp(unsigned mask);
// Warp collective: every lane of `mask` contributes `value`; the caller receives the value of
// lane `src_lane` (which must be in the mask; a lane outside it yields the caller's own value).
uint64_t exchange(unsigned mask, uint64_t value, int src_lane);
unsigned ballot(unsigned mask, bool predicate);
// Dynamic shared memory of the running block (`smem` bytes of the launch, poisoned).
void* dynamic_smem();

// Runs `body` once per thread of every block, blocks in order x, y, z.
void run_kernel(dim3 grid, dim3 block, std::size_t smem, const std::function<void()>& body);

// Number of context switches since the start (for the emulator's own tests).
uint64_t switches();

template <class... Params, class... Args>
void launch(void (*kernel)(Params...), dim3 grid, dim3 block, std::size_t smem, Args&&... args) {
  run_kernel(grid, block, smem, [&] { kernel(args...); });
}

template <class T>
uint64_t to_bits(T v) {
  static_assert(sizeof(T) <= 8 && std::is_trivially_copyable_v<T>);
  uint64_t b = 0;
  std::memcpy(&b, &v, sizeof(T));
  return b;
}
template <class T>
T from_bits(uint64_t b) {
  T v;
  std::memcpy(&v, &b, sizeof(T));
  return v;
}

inline int lane_id() {
  const ThreadContext& c = current();
  const unsigned tid = c.thread_idx.x + c.block_dim.x * (c.thread_idx.y + c.block_dim.y * c.thread_idx.z);
  return static_cast<int>(tid % 32);
}

}  // namespace hearth::emu

#define threadIdx (::hearth::emu::current().thread_idx)
#define blockIdx (::hearth::emu::current().block_idx)
#define blockDim (::hearth::emu::current().block_dim)
#define gridDim (::hearth::emu::current().grid_dim)

inline void __syncthreads() { ::hearth::emu::syncthreads(); }
inline void __syncwarp(unsigned mask = 0xFFFFFFFFu) { ::hearth::emu::syncwarp(mask); }
inline void __threadfence() {}
inline void __threadfence_block() {}

template <class T>
T __shfl_sync(unsigned mask, T v, int src, int width = 32) {
  const int lane = ::hearth::emu::lane_id();
  const int s = (lane & ~(width - 1)) + (src & (width - 1));
  return ::hearth::emu::from_bits<T>(::hearth::emu::exchange(mask, ::hearth::emu::to_bits(v), s));
}
template <class T>
T __shfl_xor_sync(unsigned mask, T v, int lane_mask, int width = 32) {
  const int lane = ::hearth::emu::lane_id();
  int s = lane ^ lane_mask;
  if ((s & ~(width - 1)) != (lane & ~(width - 1))) s = lane;
  return ::hearth::emu::from_bits<T>(::hearth::emu::exchange(mask, ::hearth::emu::to_bits(v), s));
}
template <class T>
T __shfl_down_sync(unsigned mask, T v, unsigned delta, int width = 32) {
  const int lane = ::hearth::emu::lane_id();
  int s = lane + static_cast<int>(delta);
  if ((s & ~(width - 1)) != (lane & ~(width - 1))) s = lane;
  return ::hearth::emu::from_bits<T>(::hearth::emu::exchange(mask, ::hearth::emu::to_bits(v), s));
}
template <class T>
T __shfl_up_sync(unsigned mask, T v, unsigned delta, int width = 32) {
  const int lane = ::hearth::emu::lane_id();
  int s = lane - static_cast<int>(delta);
  if (s < 0 || (s & ~(width - 1)) != (lane & ~(width - 1))) s = lane;
  return ::hearth::emu::from_bits<T>(::hearth::emu::exchange(mask, ::hearth::emu::to_bits(v), s));
}
inline unsigned __ballot_sync(unsigned mask, int predicate) { return ::hearth::emu::ballot(mask, predicate != 0); }

template <class T>
T atomicAdd(T* address, T value) {
  const T old = *address;
  *address = old + value;
  return old;
}
template <class T>
T atomicMax(T* address, T value) {
  const T old = *address;
  if (value > old) *address = value;
  return old;
}
template <class T>
T __ldg(const T* p) {
  return *p;
}
inline float2 make_float2(float x, float y) { return float2{x, y}; }
inline float4 make_float4(float x, float y, float z, float w) { return float4{x, y, z, w}; }
inline float __expf(float x) { return std::exp(x); }
inline float __logf(float x) { return std::log(x); }
inline float __fdividef(float a, float b) { return a / b; }
inline unsigned __float_as_uint(float f) { return ::hearth::emu::from_bits<unsigned>(::hearth::emu::to_bits(f)); }
inline float __uint_as_float(unsigned u) { return ::hearth::emu::from_bits<float>(::hearth::emu::to_bits(u)); }
inline int __float_as_int(float f) { return ::hearth::emu::from_bits<int>(::hearth::emu::to_bits(f)); }
inline float __int_as_float(int i) { return ::hearth::emu::from_bits<float>(::hearth::emu::to_bits(i)); }
