// RMSNorm, optionally fused with the Q8_1 quantization of its output (the input of the next
// matmul), so a decode step spends one launch on "normalize and prepare Q, K, V".
#include <string>

#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/device_utils.cuh"

namespace hearth::cuda {
namespace {

using detail::invalid;
constexpr int kThreads = 256;

__global__ void __launch_bounds__(kThreads) rms_norm_kernel(const float* x, int64_t ldx, const float* __restrict__ w, float* y, int64_t ldy,
                                                            int64_t cols, float eps, int8_t* __restrict__ qs, float* __restrict__ ds) {
  __shared__ float scratch[32];
  const int64_t r = blockIdx.x;
  const float* xr = x + r * ldx;
  float* yr = y + r * ldy;
  float ss = 0.0f;
  for (int64_t i = threadIdx.x; i < cols; i += blockDim.x) ss += xr[i] * xr[i];
  ss = detail::block_sum(ss, scratch);  // synchronizes: every read of x is done before y is written
  const float mean = ss / static_cast<float>(cols);
  const float scale = 1.0f / sqrtf(mean + eps);
  if (!qs) {
    for (int64_t i = threadIdx.x; i < cols; i += blockDim.x) yr[i] = w ? (xr[i] * scale) * w[i] : xr[i] * scale;
    return;
  }
  // Q8_1 output as quantize_q8_1: one warp per block of 32 elements.
  const int lane = threadIdx.x & 31;
  for (int64_t b = threadIdx.x >> 5; b < cols / 32; b += blockDim.x >> 5) {
    const int64_t i = 32 * b + lane;
    const float v = w ? (xr[i] * scale) * w[i] : xr[i] * scale;
    yr[i] = v;
    const float amax = detail::warp_max(fabsf(v));
    const float sum = detail::warp_sum(v);
    const float d = amax / 127.0f;
    qs[r * cols + i] = static_cast<int8_t>(amax == 0.0f ? 0 : static_cast<int>(roundf(v / d)));
    if (lane == 0) {
      ds[(r * (cols / 32) + b) * 2] = d;
      ds[(r * (cols / 32) + b) * 2 + 1] = sum;
    }
  }
}

}  // namespace

void rms_norm(const float* x, int64_t ldx, const float* w, float* y, int64_t ldy, int64_t cols, int64_t rows, float eps, int8_t* q8_qs,
              float* q8_ds, cudaStream_t stream) {
  if (cols <= 0 || rows < 0 || ldx < cols || ldy < cols) invalid("rms_norm", "bad shape");
  if (rows == 0) return;
  if (rows > 0x7FFFFFFF) invalid("rms_norm", "too many rows");
  if (!x || !y) invalid("rms_norm", "null pointer");
  if (q8_qs) {
    if (cols % 32 != 0) invalid("rms_norm", "Q8_1 output needs cols % 32 == 0 (cols = " + std::to_string(cols) + ")");
    if (!q8_ds || !detail::aligned(q8_qs, 16) || !detail::aligned(q8_ds, 8)) invalid("rms_norm", "bad Q8_1 output buffers");
  }
  rms_norm_kernel<<<static_cast<unsigned>(rows), kThreads, 0, stream>>>(x, ldx, w, y, ldy, cols, eps, q8_qs, q8_ds);
  check_launch("rms_norm_kernel");
}

}  // namespace hearth::cuda
