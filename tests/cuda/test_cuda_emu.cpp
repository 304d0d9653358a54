// The CUDA emulator (emu/cuda_emu.h) itself: barriers, shuffles and the errors it must raise,
// so that the emulated kernel tests (test_emu_*.cpp) can be trusted to catch what they claim.
#include "emu/cuda_emu.h"

#include <catch2/catch.hpp>

#include <vector>

namespace emu = hearth::emu;

namespace {

// Block-wide sum through shared memory, then warp shuffles of every flavour.
__global__ void reduce_kernel(const float* x, float* sums, int* shuffles) {
  __shared__ float part[8];
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  float v = x[blockIdx.x * blockDim.x + threadIdx.x];
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xFFFFFFFFu, v, o);
  if (lane == 0) part[warp] = v;
  __syncthreads();
  if (threadIdx.x == 0) {
    float s = 0;
    for (int w = 0; w < static_cast<int>(blockDim.x / 32); ++w) s += part[w];
    sums[blockIdx.x] = s;
  }
  const int t = static_cast<int>(blockIdx.x * blockDim.x + threadIdx.x);
  shuffles[4 * t + 0] = __shfl_sync(0xFFFFFFFFu, lane * 10, 3);             // lane 3's value
  shuffles[4 * t + 1] = __shfl_down_sync(0xFFFFFFFFu, lane, 5);             // lane + 5 (or own)
  shuffles[4 * t + 2] = __shfl_xor_sync(0xFFFFFFFFu, lane, 1, 8);           // neighbour in groups of 8
  shuffles[4 * t + 3] = static_cast<int>(__ballot_sync(0xFFFFFFFFu, lane % 3 == 0) & 0xFFFF);
}

// Writes shared memory and reads another thread's element with or without a barrier between.
__global__ void neighbour_kernel(int with_barrier, float* out) {
  __shared__ float buf[64];
  buf[threadIdx.x] = static_cast<float>(threadIdx.x);
  if (with_barrier) __syncthreads();
  out[threadIdx.x] = buf[(threadIdx.x + 1) % 64];
  __syncthreads();
  buf[threadIdx.x] = -1.0f;  // the next launch starts from stale values unless it writes first
}

// Lane 0 waits for lane 1 in a warp barrier that lane 1 never reaches (it waits in __syncthreads).
__global__ void deadlock_kernel() {
  if (threadIdx.x == 0) __syncwarp(0x3u);
  __syncthreads();
}

__global__ void divergent_kernel() {
  if (threadIdx.x % 2) (void)__shfl_xor_sync(0xFFFFFFFFu, 1, 1);
  else __syncwarp();
}

__global__ void early_exit_kernel(int* out) {
  if (threadIdx.x >= 40) return;  // whole warp 1 partly gone: __syncthreads still completes
  __syncthreads();
  out[threadIdx.x] = 1;
}

}  // namespace

TEST_CASE("CUDA emulator: barriers, shuffles and the errors of the execution model", "[cuda][host][emu]") {
  std::vector<float> x(3 * 128);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 7) - 2.0f;
  std::vector<float> sums(3, 0.f);
  std::vector<int> sh(4 * x.size(), -7);
  emu::launch(reduce_kernel, dim3(3), dim3(128), 0, x.data(), sums.data(), sh.data());
  for (int b = 0; b < 3; ++b) {
    float want = 0;
    for (int i = 0; i < 128; ++i) want += x[static_cast<std::size_t>(128 * b + i)];
    CHECK(sums[static_cast<std::size_t>(b)] == want);
  }
  for (int t = 0; t < 3 * 128; ++t) {
    const int lane = t % 32;
    INFO("thread " << t);
    CHECK(sh[static_cast<std::size_t>(4 * t)] == 30);
    CHECK(sh[static_cast<std::size_t>(4 * t + 1)] == (lane + 5 < 32 ? lane + 5 : lane));
    CHECK(sh[static_cast<std::size_t>(4 * t + 2)] == (lane ^ 1));
    CHECK(sh[static_cast<std::size_t>(4 * t + 3)] == 0x9249);  // lanes 0, 3, 6, 9, 12, 15
  }

  // A missing barrier is visible: without it thread i reads buf[i+1] before thread i+1 wrote it.
  std::vector<float> out(64, 0.f);
  emu::launch(neighbour_kernel, dim3(1), dim3(64), 0, 1, out.data());
  for (int i = 0; i < 64; ++i) CHECK(out[static_cast<std::size_t>(i)] == static_cast<float>((i + 1) % 64));
  emu::launch(neighbour_kernel, dim3(1), dim3(64), 0, 0, out.data());
  int stale = 0;
  for (int i = 0; i < 64; ++i) stale += out[static_cast<std::size_t>(i)] != static_cast<float>((i + 1) % 64);
  CHECK(stale > 0);

  CHECK_THROWS_AS(emu::launch(deadlock_kernel, dim3(1), dim3(64), 0), emu::EmulationError);
  CHECK_THROWS_AS(emu::launch(divergent_kernel, dim3(1), dim3(32), 0), emu::EmulationError);
  std::vector<int> flags(64, 0);
  emu::launch(early_exit_kernel, dim3(1), dim3(64), 0, flags.data());
  for (int i = 0; i < 64; ++i) CHECK(flags[static_cast<std::size_t>(i)] == (i < 40 ? 1 : 0));
}
