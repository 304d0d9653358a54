// gemv(): argument checks, the Q8_1 activation quantizer, and dispatch to the per-family
// instantiations (gemv_legacy.cu, gemv_kquants.cu, gemv_float.cu).
#include <string>

#include "kernels/cuda/gemv_kernel.cuh"

namespace hearth::cuda {
namespace {

using detail::invalid;

// Alignment of weight rows the type's kernel relies on (gemv_math.h kAlign).
std::size_t weight_alignment(TensorType type) {
  using gemv_math::Traits;
  switch (type) {
    case TensorType::Q4_0: return Traits<TensorType::Q4_0>::kAlign;
    case TensorType::Q4_1: return Traits<TensorType::Q4_1>::kAlign;
    case TensorType::Q5_0: return Traits<TensorType::Q5_0>::kAlign;
    case TensorType::Q5_1: return Traits<TensorType::Q5_1>::kAlign;
    case TensorType::Q8_0: return Traits<TensorType::Q8_0>::kAlign;
    case TensorType::IQ4_NL: return Traits<TensorType::IQ4_NL>::kAlign;
    case TensorType::Q2_K: return Traits<TensorType::Q2_K>::kAlign;
    case TensorType::Q3_K: return Traits<TensorType::Q3_K>::kAlign;
    case TensorType::Q4_K: return Traits<TensorType::Q4_K>::kAlign;
    case TensorType::Q5_K: return Traits<TensorType::Q5_K>::kAlign;
    case TensorType::Q6_K: return Traits<TensorType::Q6_K>::kAlign;
    case TensorType::IQ4_XS: return Traits<TensorType::IQ4_XS>::kAlign;
    case TensorType::F32: return 4;
    case TensorType::F16:
    case TensorType::BF16: return 2;
    default: return 0;
  }
}

bool is_float_type(TensorType type) { return type == TensorType::F32 || type == TensorType::F16 || type == TensorType::BF16; }

// quantize_q8_1: one warp per block of 32, 8 warps per CUDA block along the row.
constexpr int kQuantWarps = 8;

__global__ void quantize_q8_1_kernel(const float* __restrict__ x, int64_t ldx, int64_t k, int8_t* __restrict__ qs,
                                     float* __restrict__ ds) {
  const int lane = threadIdx.x & 31;
  const int64_t blk = static_cast<int64_t>(blockIdx.x) * kQuantWarps + (threadIdx.x >> 5);
  const int64_t row = blockIdx.y;
  if (blk >= k / 32) return;  // whole warps leave together; no block-level barrier follows
  const float v = x[row * ldx + blk * 32 + lane];
  const float amax = detail::warp_max(fabsf(v));
  const float sum = detail::warp_sum(v);
  const float d = amax / 127.0f;
  qs[row * k + blk * 32 + lane] = static_cast<int8_t>(amax == 0.0f ? 0 : static_cast<int>(roundf(v / d)));
  if (lane == 0) {
    ds[(row * (k / 32) + blk) * 2] = d;
    ds[(row * (k / 32) + blk) * 2 + 1] = sum;
  }
}

}  // namespace

bool gemv_supports(TensorType type) { return weight_alignment(type) != 0; }
bool gemv_uses_q8_1(TensorType type) { return gemv_supports(type) && !is_float_type(type); }

void quantize_q8_1(const float* x, int64_t ldx, int64_t k, int64_t rows, int8_t* qs, float* ds, cudaStream_t stream) {
  if (k <= 0 || k % 32 != 0) invalid("quantize_q8_1", "k = " + std::to_string(k) + " is not a positive multiple of 32");
  if (rows < 0 || rows > 65535) invalid("quantize_q8_1", "rows = " + std::to_string(rows) + " outside 0..65535");
  if (ldx < k) invalid("quantize_q8_1", "ldx < k");
  if (rows == 0) return;
  if (!x || !qs || !ds) invalid("quantize_q8_1", "null pointer");
  if (!detail::aligned(qs, 16) || !detail::aligned(ds, 8)) invalid("quantize_q8_1", "qs must be 16-byte and ds 8-byte aligned");
  const dim3 grid(static_cast<unsigned>(detail::ceil_div(k / 32, kQuantWarps)), static_cast<unsigned>(rows));
  quantize_q8_1_kernel<<<grid, kQuantWarps * 32, 0, stream>>>(x, ldx, k, qs, ds);
  check_launch("quantize_q8_1_kernel");
}

void gemv(TensorType type, int64_t k, int64_t tokens, const GemvMatrix* matrices, int n_matrices, const GemvInput& input,
          const GemvConfig& config, cudaStream_t stream) {
  const std::size_t align = weight_alignment(type);
  const std::string name(gguf::type_name(type));
  if (align == 0) invalid("gemv", "weight type " + name + " is not supported");
  const int64_t block = gguf::traits(type).block_size;
  if (k <= 0 || k % block != 0) invalid("gemv", name + ": k = " + std::to_string(k) + " is not a positive multiple of " + std::to_string(block));
  if (tokens < 1 || tokens > kGemvMaxTokens) invalid("gemv", "tokens = " + std::to_string(tokens) + " outside 1.." + std::to_string(kGemvMaxTokens));
  if (n_matrices < 1 || n_matrices > kGemvMaxMatrices) invalid("gemv", "1.." + std::to_string(kGemvMaxMatrices) + " matrices per launch");

  const std::size_t row_bytes = gguf::row_bytes(type, static_cast<uint64_t>(k));
  detail::GemvKernelParams p{};
  p.n_matrices = n_matrices;
  p.k = k;
  bool vector = false;
  if (gemv_uses_q8_1(type)) {
    if (!input.qs || !input.ds) invalid("gemv", name + " needs Q8_1 activations");
    if (!detail::aligned(input.qs, 16) || !detail::aligned(input.ds, 8)) invalid("gemv", "Q8_1 quants must be 16-byte and scales 8-byte aligned");
    p.qs = input.qs;
    p.ds = input.ds;
    p.blocks_per_row = k / block;
  } else {
    if (!input.x) invalid("gemv", name + " needs f32 activations");
    if (input.ldx < k) invalid("gemv", "ldx < k");
    p.x = input.x;
    p.ldx = input.ldx;
    // The 16-byte path needs every row start of weights and activations on a 16-byte boundary.
    const int64_t vec = type == TensorType::F32 ? 4 : 8;
    vector = k % vec == 0 && detail::aligned(input.x, 16) && input.ldx % 4 == 0;
    for (int i = 0; i < n_matrices; ++i)
      vector = vector && detail::aligned(matrices[i].w, 16) && matrices[i].row_stride % 16 == 0;
    p.blocks_per_row = vector ? k / vec : k;
  }
  for (int i = 0; i < n_matrices; ++i) {
    const GemvMatrix& m = matrices[i];
    const std::string which = "matrix " + std::to_string(i) + " (" + name + ", " + std::to_string(m.rows) + " × " + std::to_string(k) + "): ";
    if (m.rows < 0) invalid("gemv", which + "negative row count");
    if (m.rows > 0) {
      if (!m.w || !m.y) invalid("gemv", which + "null pointer");
      if (m.row_stride < row_bytes) invalid("gemv", which + "row stride " + std::to_string(m.row_stride) + " < row bytes " + std::to_string(row_bytes));
      if (!detail::aligned(m.w, align) || m.row_stride % align != 0)
        invalid("gemv", which + "weights and row stride must be " + std::to_string(align) + "-byte aligned");
      if (m.ldy < m.rows) invalid("gemv", which + "ldy < rows");
      if (m.add_to && m.ld_add < m.rows) invalid("gemv", which + "ld_add < rows");
    }
    p.m[i] = {static_cast<const uint8_t*>(m.w), m.row_stride, m.rows, m.y, m.ldy, m.bias, m.accumulate ? 1 : 0, m.add_to, m.ld_add, 0};
  }

  if (is_float_type(type)) return detail::gemv_float(type, vector, p, tokens, config, stream);
  if (block == 32) return detail::gemv_legacy(type, p, tokens, config, stream);
  return detail::gemv_kquants(type, p, tokens, config, stream);
}

}  // namespace hearth::cuda
