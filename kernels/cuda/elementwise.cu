// Element-wise ops on activation rows: residual add, bias, SwiGLU/GeGLU, f32 → f16/bf16,
// in-place row gathering (keep_rows), fills and the raw 16-byte copy used as bandwidth ceiling.
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <string>

#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/device_utils.cuh"

namespace hearth::cuda {
namespace {

using detail::invalid;
constexpr int kThreads = 256;
constexpr unsigned kMaxGridY = 65535;

// Grid for a rows × cols element-wise op: x over columns, y over rows (rows beyond 65535 loop).
dim3 rows_grid(int64_t cols, int64_t rows) {
  return dim3(static_cast<unsigned>(detail::ceil_div(cols, kThreads)), static_cast<unsigned>(rows < kMaxGridY ? rows : kMaxGridY));
}

void check_rows(const char* op, int64_t cols, int64_t rows) {
  if (cols < 0 || rows < 0) invalid(op, "negative size");
  if (detail::ceil_div(cols, kThreads) > 0x7FFFFFFF) invalid(op, "rows too wide");
}

__global__ void add_kernel(const float* a, int64_t lda, const float* b, int64_t ldb, float* y, int64_t ldy, int64_t cols, int64_t rows) {
  const int64_t c = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (c >= cols) return;
  for (int64_t r = blockIdx.y; r < rows; r += gridDim.y) y[r * ldy + c] = a[r * lda + c] + b[r * ldb + c];
}

__global__ void add_bias_kernel(float* y, int64_t ldy, const float* __restrict__ bias, int64_t cols, int64_t rows) {
  const int64_t c = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (c >= cols) return;
  for (int64_t r = blockIdx.y; r < rows; r += gridDim.y) y[r * ldy + c] += bias[c];
}

// With qs (cols % 32 == 0, so a warp is either wholly inside or wholly past the row) each warp
// also quantizes its 32 outputs to one Q8_1 block, as quantize_q8_1 does.
__global__ void glu_kernel(int gelu, const float* gate, int64_t ldg, const float* up, int64_t ldu, float* y, int64_t ldy, int64_t cols,
                           int64_t rows, int8_t* __restrict__ qs, float* __restrict__ ds) {
  const int64_t c = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (c >= cols) return;
  constexpr float kSqrt2OverPi = 0.79788456080286535587989211986876f;
  constexpr float kCoefA = 0.044715f;
  for (int64_t r = blockIdx.y; r < rows; r += gridDim.y) {
    const float g = gate[r * ldg + c], u = up[r * ldu + c];
    const float act = gelu ? 0.5f * g * (1.0f + tanhf(kSqrt2OverPi * g * (1.0f + kCoefA * g * g))) : g / (1.0f + expf(-g));
    const float v = act * u;
    y[r * ldy + c] = v;
    if (qs) {
      const float amax = detail::warp_max(fabsf(v));
      const float sum = detail::warp_sum(v);
      const float d = amax / 127.0f;
      qs[r * cols + c] = static_cast<int8_t>(amax == 0.0f ? 0 : static_cast<int>(roundf(v / d)));
      if ((threadIdx.x & 31) == 0) {
        ds[(r * (cols / 32) + c / 32) * 2] = d;
        ds[(r * (cols / 32) + c / 32) * 2 + 1] = sum;
      }
    }
  }
}

template <bool kBf16>
__global__ void convert_kernel(const float* x, int64_t ldx, int64_t cols, int64_t rows, uint16_t* y, int64_t ldy) {
  const int64_t c = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (c >= cols) return;
  for (int64_t r = blockIdx.y; r < rows; r += gridDim.y) {
    const float v = x[r * ldx + c];
    y[r * ldy + c] = kBf16 ? __bfloat16_as_ushort(__float2bfloat16_rn(v)) : __half_as_ushort(__float2half_rn(v));
  }
}

// One block walks the rows in order: row i's destination is never the source of a later row,
// because sources are ascending and ≥ their destination.
__global__ void gather_rows_kernel(float* x, int64_t ldx, int64_t cols, const int32_t* __restrict__ rows, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const int64_t src = rows[i];
    if (src != i)
      for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) x[i * ldx + c] = x[src * ldx + c];
    __syncthreads();
  }
}

__global__ void copy_kernel(uint4* __restrict__ dst, const uint4* __restrict__ src, std::size_t n) {
  for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += static_cast<std::size_t>(gridDim.x) * blockDim.x)
    dst[i] = src[i];
}

__global__ void fill_kernel(float* dst, std::size_t n, float value) {
  for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += static_cast<std::size_t>(gridDim.x) * blockDim.x)
    dst[i] = value;
}

__global__ void random_kernel(uint64_t* dst, std::size_t n, uint64_t seed) {
  for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += static_cast<std::size_t>(gridDim.x) * blockDim.x) {
    uint64_t z = seed + 0x9E3779B97F4A7C15ull * (i + 1);  // splitmix64
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    dst[i] = z ^ (z >> 31);
  }
}

__global__ void read_kernel(const uint4* __restrict__ src, std::size_t n, unsigned* sink) {
  unsigned acc = 0;
  for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += static_cast<std::size_t>(gridDim.x) * blockDim.x) {
    const uint4 v = src[i];
    acc += v.x ^ v.y ^ v.z ^ v.w;
  }
  if (acc == 0x12345678u) *sink = acc;  // practically never: keeps the loads alive without a store per thread
}

unsigned stride_grid(std::size_t n) {
  const std::size_t blocks = (n + kThreads - 1) / kThreads;
  return static_cast<unsigned>(blocks < 65536 ? (blocks ? blocks : 1) : 65536);
}

}  // namespace

void add(const float* a, int64_t lda, const float* b, int64_t ldb, float* y, int64_t ldy, int64_t cols, int64_t rows, cudaStream_t stream) {
  check_rows("add", cols, rows);
  if (cols == 0 || rows == 0) return;
  if (!a || !b || !y || lda < cols || ldb < cols || ldy < cols) invalid("add", "bad operands");
  add_kernel<<<rows_grid(cols, rows), kThreads, 0, stream>>>(a, lda, b, ldb, y, ldy, cols, rows);
  check_launch("add_kernel");
}

void add_bias(float* y, int64_t ldy, const float* bias, int64_t cols, int64_t rows, cudaStream_t stream) {
  check_rows("add_bias", cols, rows);
  if (cols == 0 || rows == 0) return;
  if (!y || !bias || ldy < cols) invalid("add_bias", "bad operands");
  add_bias_kernel<<<rows_grid(cols, rows), kThreads, 0, stream>>>(y, ldy, bias, cols, rows);
  check_launch("add_bias_kernel");
}

void glu(GluKind kind, const float* gate, int64_t ldg, const float* up, int64_t ldu, float* y, int64_t ldy, int64_t cols, int64_t rows,
         int8_t* q8_qs, float* q8_ds, cudaStream_t stream) {
  check_rows("glu", cols, rows);
  if (cols == 0 || rows == 0) return;
  if (!gate || !up || !y || ldg < cols || ldu < cols || ldy < cols) invalid("glu", "bad operands");
  if (q8_qs && (cols % 32 != 0 || !q8_ds || !detail::aligned(q8_qs, 16) || !detail::aligned(q8_ds, 8)))
    invalid("glu", "Q8_1 output needs cols % 32 == 0 and aligned buffers");
  glu_kernel<<<rows_grid(cols, rows), kThreads, 0, stream>>>(kind == GluKind::GeluTanh ? 1 : 0, gate, ldg, up, ldu, y, ldy, cols, rows,
                                                             q8_qs, q8_ds);
  check_launch("glu_kernel");
}

void convert_f32_to_f16(const float* x, int64_t ldx, int64_t cols, int64_t rows, uint16_t* y, int64_t ldy, cudaStream_t stream) {
  check_rows("convert_f32_to_f16", cols, rows);
  if (cols == 0 || rows == 0) return;
  if (!x || !y || ldx < cols || ldy < cols) invalid("convert_f32_to_f16", "bad operands");
  convert_kernel<false><<<rows_grid(cols, rows), kThreads, 0, stream>>>(x, ldx, cols, rows, y, ldy);
  check_launch("convert_kernel<f16>");
}

void convert_f32_to_bf16(const float* x, int64_t ldx, int64_t cols, int64_t rows, uint16_t* y, int64_t ldy, cudaStream_t stream) {
  check_rows("convert_f32_to_bf16", cols, rows);
  if (cols == 0 || rows == 0) return;
  if (!x || !y || ldx < cols || ldy < cols) invalid("convert_f32_to_bf16", "bad operands");
  convert_kernel<true><<<rows_grid(cols, rows), kThreads, 0, stream>>>(x, ldx, cols, rows, y, ldy);
  check_launch("convert_kernel<bf16>");
}

void gather_rows_in_place(float* x, int64_t ldx, int64_t cols, const int32_t* rows, int64_t n, cudaStream_t stream) {
  if (n < 0 || cols < 0 || ldx < cols) invalid("gather_rows_in_place", "bad shape");
  if (n == 0 || cols == 0) return;
  if (!x || !rows) invalid("gather_rows_in_place", "null pointer");
  gather_rows_kernel<<<1, 1024, 0, stream>>>(x, ldx, cols, rows, n);
  check_launch("gather_rows_kernel");
}

void copy_bytes(void* dst, const void* src, std::size_t bytes, cudaStream_t stream) {
  if (bytes == 0) return;
  if (!detail::aligned(dst, 16) || !detail::aligned(src, 16) || bytes % 16 != 0) invalid("copy_bytes", "16-byte alignment required");
  const std::size_t n = bytes / 16;
  copy_kernel<<<stride_grid(n), kThreads, 0, stream>>>(static_cast<uint4*>(dst), static_cast<const uint4*>(src), n);
  check_launch("copy_kernel");
}

void fill_f32(float* dst, std::size_t n, float value, cudaStream_t stream) {
  if (n == 0) return;
  if (!dst) invalid("fill_f32", "null pointer");
  fill_kernel<<<stride_grid(n), kThreads, 0, stream>>>(dst, n, value);
  check_launch("fill_kernel");
}

void fill_random_bytes(void* dst, std::size_t bytes, uint64_t seed, cudaStream_t stream) {
  if (bytes == 0) return;
  if (!detail::aligned(dst, 8) || bytes % 8 != 0) invalid("fill_random_bytes", "8-byte alignment required");
  random_kernel<<<stride_grid(bytes / 8), kThreads, 0, stream>>>(static_cast<uint64_t*>(dst), bytes / 8, seed);
  check_launch("random_kernel");
}

void read_bytes(const void* src, std::size_t bytes, unsigned* sink, cudaStream_t stream) {
  if (bytes == 0) return;
  if (!detail::aligned(src, 16) || bytes % 16 != 0 || !sink) invalid("read_bytes", "16-byte alignment required");
  read_kernel<<<stride_grid(bytes / 16), kThreads, 0, stream>>>(static_cast<const uint4*>(src), bytes / 16, sink);
  check_launch("read_kernel");
}

}  // namespace hearth::cuda
