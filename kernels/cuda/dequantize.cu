// Dequantization of weight rows: to f32 (embedding lookup, bit-exact with the CPU through
// quant_math.h's dequantize_block) and to f16 (weights of the cuBLAS prefill GEMM). The f16 kernel
// lets each thread expand one block into shared memory (rows padded by one float against bank
// conflicts) and then writes the 32 blocks of its CUDA block with coalesced stores.
#include <cuda_fp16.h>

#include <string>

#include "kernels/common/quant_math.h"
#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/device_utils.cuh"

namespace hearth::cuda {
namespace {

using detail::invalid;
namespace q = hearth::quant;

constexpr int kBlocksPerCta = 32;

template <class Block, int QK>
__global__ void dequant_f32_kernel(const uint8_t* __restrict__ src, std::size_t stride, int64_t blocks_per_row, const int32_t* __restrict__ ids,
                                   float* __restrict__ dst, int64_t ldd) {
  const int64_t r = blockIdx.y;
  const int64_t b = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (b >= blocks_per_row) return;
  const int64_t src_row = ids ? ids[r] : r;
  const Block& blk = reinterpret_cast<const Block*>(src + static_cast<std::size_t>(src_row) * stride)[b];
  q::dequantize_block(blk, dst + r * ldd + b * QK);
}

// F32 / F16 / BF16 sources, one element per thread.
__global__ void float_rows_f32_kernel(TensorType type, const uint8_t* __restrict__ src, std::size_t stride, int64_t cols,
                                      const int32_t* __restrict__ ids, float* __restrict__ dst, int64_t ldd) {
  const int64_t r = blockIdx.y;
  const int64_t c = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (c >= cols) return;
  const uint8_t* row = src + static_cast<std::size_t>(ids ? ids[r] : r) * stride;
  float v;
  if (type == TensorType::F32) v = reinterpret_cast<const float*>(row)[c];
  else if (type == TensorType::F16) v = q::fp16_to_fp32(reinterpret_cast<const uint16_t*>(row)[c]);
  else v = q::bf16_to_fp32(reinterpret_cast<const uint16_t*>(row)[c]);
  dst[r * ldd + c] = v;
}

template <class Block, int QK>
__global__ void __launch_bounds__(kBlocksPerCta) dequant_f16_kernel(const uint8_t* __restrict__ src, std::size_t stride, int64_t blocks_per_row,
                                                                   __half* __restrict__ dst, int64_t ldd) {
  __shared__ float tile[kBlocksPerCta * (QK + 1)];
  const int64_t r = blockIdx.y;
  const int64_t b0 = static_cast<int64_t>(blockIdx.x) * kBlocksPerCta;
  const int64_t b = b0 + threadIdx.x;
  if (b < blocks_per_row)
    q::dequantize_block(reinterpret_cast<const Block*>(src + static_cast<std::size_t>(r) * stride)[b], tile + threadIdx.x * (QK + 1));
  __syncthreads();
  const int64_t n_blocks = blocks_per_row - b0 < kBlocksPerCta ? blocks_per_row - b0 : kBlocksPerCta;
  for (int64_t e = threadIdx.x; e < n_blocks * QK; e += kBlocksPerCta)
    dst[r * ldd + b0 * QK + e] = __float2half_rn(tile[(e / QK) * (QK + 1) + e % QK]);
}

__global__ void float_rows_f16_kernel(TensorType type, const uint8_t* __restrict__ src, std::size_t stride, int64_t cols, __half* __restrict__ dst,
                                      int64_t ldd) {
  const int64_t r = blockIdx.y;
  const int64_t c = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (c >= cols) return;
  const uint8_t* row = src + static_cast<std::size_t>(r) * stride;
  if (type == TensorType::F16) {
    dst[r * ldd + c] = reinterpret_cast<const __half*>(row)[c];
    return;
  }
  const float v = type == TensorType::F32 ? reinterpret_cast<const float*>(row)[c] : q::bf16_to_fp32(reinterpret_cast<const uint16_t*>(row)[c]);
  dst[r * ldd + c] = __float2half_rn(v);
}

// Calls f.template operator()<Block, QK>() for a quantized type; returns false for float types.
template <class F>
bool with_block_type(TensorType type, F&& f) {
  switch (type) {
    case TensorType::Q4_0: f.template operator()<q::BlockQ4_0, 32>(); return true;
    case TensorType::Q4_1: f.template operator()<q::BlockQ4_1, 32>(); return true;
    case TensorType::Q5_0: f.template operator()<q::BlockQ5_0, 32>(); return true;
    case TensorType::Q5_1: f.template operator()<q::BlockQ5_1, 32>(); return true;
    case TensorType::Q8_0: f.template operator()<q::BlockQ8_0, 32>(); return true;
    case TensorType::IQ4_NL: f.template operator()<q::BlockIQ4_NL, 32>(); return true;
    case TensorType::Q2_K: f.template operator()<q::BlockQ2_K, 256>(); return true;
    case TensorType::Q3_K: f.template operator()<q::BlockQ3_K, 256>(); return true;
    case TensorType::Q4_K: f.template operator()<q::BlockQ4_K, 256>(); return true;
    case TensorType::Q5_K: f.template operator()<q::BlockQ5_K, 256>(); return true;
    case TensorType::Q6_K: f.template operator()<q::BlockQ6_K, 256>(); return true;
    case TensorType::IQ4_XS: f.template operator()<q::BlockIQ4_XS, 256>(); return true;
    default: return false;
  }
}

void check(const char* op, TensorType type, const void* src, std::size_t stride, int64_t cols, int64_t rows, const void* dst, int64_t ldd) {
  if (!dequantize_supports(type)) invalid(op, "type " + std::string(gguf::type_name(type)) + " is not supported");
  const int64_t block = gguf::traits(type).block_size;
  if (cols <= 0 || cols % block != 0) invalid(op, "cols must be a positive multiple of " + std::to_string(block));
  if (rows < 0) invalid(op, "negative row count");
  if (!src || !dst || ldd < cols) invalid(op, "bad operands");
  if (stride < gguf::row_bytes(type, static_cast<uint64_t>(cols))) invalid(op, "row stride smaller than a row");
  const std::size_t align = type == TensorType::F32 ? 4 : 2;
  if (!detail::aligned(src, align) || stride % align != 0) invalid(op, "misaligned rows");
}

}  // namespace

bool dequantize_supports(TensorType type) { return gemv_supports(type); }

void dequantize_rows_f32(TensorType type, const void* src, std::size_t src_stride, int64_t cols, int64_t rows, const int32_t* ids, float* dst,
                         int64_t ldd, cudaStream_t stream) {
  check("dequantize_rows_f32", type, src, src_stride, cols, rows, dst, ldd);
  // Rows go in launches of at most 65535 (the grid's y limit).
  for (int64_t r0 = 0; r0 < rows; r0 += 65535) {
    const int64_t n = rows - r0 < 65535 ? rows - r0 : 65535;
    const auto* s = static_cast<const uint8_t*>(src) + (ids ? 0 : static_cast<std::size_t>(r0) * src_stride);
    const int32_t* id = ids ? ids + r0 : nullptr;
    float* d = dst + r0 * ldd;
    const bool quantized = with_block_type(type, [&]<class Block, int QK>() {
      const int64_t blocks = cols / QK;
      const dim3 grid(static_cast<unsigned>(detail::ceil_div(blocks, 64)), static_cast<unsigned>(n));
      dequant_f32_kernel<Block, QK><<<grid, 64, 0, stream>>>(s, src_stride, blocks, id, d, ldd);
    });
    if (!quantized) {
      const dim3 grid(static_cast<unsigned>(detail::ceil_div(cols, 256)), static_cast<unsigned>(n));
      float_rows_f32_kernel<<<grid, 256, 0, stream>>>(type, s, src_stride, cols, id, d, ldd);
    }
    check_launch("dequantize_rows_f32");
  }
}

void dequantize_rows_f16(TensorType type, const void* src, std::size_t src_stride, int64_t cols, int64_t rows, uint16_t* dst, int64_t ldd,
                         cudaStream_t stream) {
  check("dequantize_rows_f16", type, src, src_stride, cols, rows, dst, ldd);
  for (int64_t r0 = 0; r0 < rows; r0 += 65535) {
    const int64_t n = rows - r0 < 65535 ? rows - r0 : 65535;
    const auto* s = static_cast<const uint8_t*>(src) + static_cast<std::size_t>(r0) * src_stride;
    auto* d = reinterpret_cast<__half*>(dst + r0 * ldd);
    const bool quantized = with_block_type(type, [&]<class Block, int QK>() {
      const int64_t blocks = cols / QK;
      const dim3 grid(static_cast<unsigned>(detail::ceil_div(blocks, kBlocksPerCta)), static_cast<unsigned>(n));
      dequant_f16_kernel<Block, QK><<<grid, kBlocksPerCta, 0, stream>>>(s, src_stride, blocks, d, ldd);
    });
    if (!quantized) {
      const dim3 grid(static_cast<unsigned>(detail::ceil_div(cols, 256)), static_cast<unsigned>(n));
      float_rows_f16_kernel<<<grid, 256, 0, stream>>>(type, s, src_stride, cols, d, ldd);
    }
    check_launch("dequantize_rows_f16");
  }
}

}  // namespace hearth::cuda
