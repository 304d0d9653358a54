// CudaStream::matmul and its three paths:
//   * GEMV (≤ 8 tokens per launch; up to 32 tokens in launches of 8): quantized weights meet Q8_1
//     activations, float weights meet f32 activations. Consecutive GEMVs on one input merge into
//     one launch (Q/K/V, gate/up).
//   * GEMM (prefill, > 32 tokens, cuBLAS present): weights dequantized to f16 in slices of at
//     most 64 MiB, activations converted to f16 (bf16/f32 for those weight types), cublasGemmEx.
//   * host (weights the placement left in the mapping): input copied to the host, kernels/cpu,
//     product copied back.
#include <algorithm>
#include <cstring>
#include <string>

#include "engine/cuda/cuda_stream.h"
#include "engine/cuda/stream_checks.h"
#include "kernels/cpu/matmul.h"
#include "kernels/cuda/cuda_check.h"

namespace hearth::engine::cuda {

using gguf::TensorType;

namespace {

constexpr int64_t kGemvTokenLimit = 32;                      // larger batches take the GEMM path
constexpr std::size_t kDequantSliceBytes = std::size_t{64} << 20;

}  // namespace

// ---- Q8_1 activations ------------------------------------------------------------------------------

CudaStream::Q8Rows CudaStream::q8_alloc(int64_t cols, int64_t rows) {
  Q8Rows q;
  q.qs = static_cast<int8_t*>(arena_.allocate(static_cast<std::size_t>(cols * rows)));
  q.ds = static_cast<float*>(arena_.allocate(static_cast<std::size_t>(cols / 16 * rows) * sizeof(float)));
  return q;
}

void CudaStream::remember_q8(const Tensor& x, Q8Rows q) { q8_ = Q8Cache{x.data, x.cols(), x.rows(), x.row_stride, epoch_, q}; }

CudaStream::Q8Rows CudaStream::q8_for(const Tensor& x) {
  if (q8_ && q8_->epoch == epoch_ && q8_->src == x.data && q8_->cols == x.cols() && q8_->rows == x.rows() && q8_->stride == x.row_stride)
    return q8_->q;
  const Q8Rows q = q8_alloc(x.cols(), x.rows());
  auto op = zeroed<QuantizeOp>();
  op.x = fptr(x), op.ldx = ld(x), op.cols = x.cols(), op.rows = x.rows(), op.qs = q.qs, op.ds = q.ds;
  record(&run_quantize, op);
  remember_q8(x, q);
  return q;
}

// ---- matmul --------------------------------------------------------------------------------------

Tensor CudaStream::matmul(const Tensor& w, const Tensor& x, const Tensor& bias) {
  require_f32("matmul", x);
  if (w.empty()) shape_error("matmul", "missing weight");
  if (w.cols() != x.cols()) shape_error("matmul", "weight " + describe(w) + " cannot multiply " + describe(x));
  if (!w.is_contiguous()) shape_error("matmul", "weight " + describe(w) + " must be contiguous");
  if (!kern::gemv_supports(w.type)) shape_error("matmul", "weight " + describe(w) + " has a type the CUDA backend cannot multiply");
  if (!bias.empty()) {
    require_f32("matmul", bias);
    if (bias.elements() != w.rows()) shape_error("matmul", "bias " + describe(bias) + " does not match weight " + describe(w));
  }
  Tensor y = scratch(TensorType::F32, w.rows(), x.rows());
  if (x.rows() == 0 || w.rows() == 0) return y;
  const float* b = bias.empty() ? nullptr : fptr(bias);
  if (backend_.is_host_weight(w.data)) matmul_host(w, x, bias, y);
  else if (x.rows() > kGemvTokenLimit && gemm_.available()) matmul_gemm(w, x, b, y);
  else matmul_gemv(w, x, b, y);
  return y;
}

void CudaStream::matmul_gemv(const Tensor& w, const Tensor& x, const float* bias, const Tensor& y) {
  const int64_t T = x.rows(), k = x.cols();
  Q8Rows q;
  if (kern::gemv_uses_q8_1(w.type)) q = q8_for(x);
  for (int64_t t0 = 0; t0 < T; t0 += kern::kGemvMaxTokens) {
    const int64_t n = std::min<int64_t>(kern::kGemvMaxTokens, T - t0);
    auto op = zeroed<GemvOp>();
    op.type = w.type, op.k = k, op.tokens = n, op.n_matrices = 1;
    kern::GemvMatrix& m = op.m[0];
    m.w = w.data, m.row_stride = w.row_stride, m.rows = w.rows();
    m.y = fptr(y) + t0 * ld(y), m.ldy = ld(y), m.bias = bias;
    if (q.qs) op.in.qs = q.qs + t0 * k, op.in.ds = q.ds + t0 * (k / 16);
    else op.in.x = fptr(x) + t0 * ld(x), op.in.ldx = ld(x);
    // op.config stays zero: the launcher picks the rows per block from the row width.
    if (T > kern::kGemvMaxTokens) {
      record(&run_gemv, op);
      continue;
    }
    // Same input, type, width and token count as the pending launch → one more matrix of it.
    if (auto* g = std::get_if<GemvOp>(&pending_)) {
      if (g->type == op.type && g->k == op.k && g->tokens == op.tokens && g->n_matrices < kern::kGemvMaxMatrices && g->in.qs == op.in.qs &&
          g->in.ds == op.in.ds && g->in.x == op.in.x && g->in.ldx == op.in.ldx) {
        g->m[g->n_matrices++] = m;
        return;
      }
    }
    commit_pending();
    pending_ = op;
  }
}

void CudaStream::matmul_gemm(const Tensor& w, const Tensor& x, const float* bias, const Tensor& y) {
  const int64_t T = x.rows(), k = x.cols(), rows = w.rows();
  const std::size_t mark = arena_.mark();  // temporaries below are freed once recorded (launch order keeps them valid)
  auto gemm = zeroed<GemmOp>();
  gemm.gemm = &gemm_, gemm.tokens = T, gemm.k = k, gemm.y = fptr(y), gemm.ldy = ld(y), gemm.beta = 0.0f;
  if (w.type == TensorType::F32) {
    gemm.rows = rows, gemm.w = w.data, gemm.ldw = static_cast<int64_t>(w.row_stride / 4), gemm.x = x.data, gemm.ldx = ld(x), gemm.type = CUDA_R_32F;
    record(&run_gemm, gemm);
  } else {
    // Activations in the weights' 16-bit type.
    const bool bf16 = w.type == TensorType::BF16;
    auto* xh = static_cast<uint16_t*>(arena_.allocate(static_cast<std::size_t>(T * k) * 2));
    auto conv = zeroed<ConvertOp>();
    conv.bf16 = bf16 ? 1 : 0, conv.x = fptr(x), conv.ldx = ld(x), conv.cols = k, conv.rows = T, conv.y = xh, conv.ldy = k;
    record(&run_convert, conv);
    gemm.x = xh, gemm.ldx = k, gemm.type = bf16 ? CUDA_R_16BF : CUDA_R_16F;
    if (w.type == TensorType::F16 || bf16) {
      gemm.rows = rows, gemm.w = w.data, gemm.ldw = static_cast<int64_t>(w.row_stride / 2);
      record(&run_gemm, gemm);
    } else {
      const int64_t slice = std::max<int64_t>(1, std::min<int64_t>(rows, static_cast<int64_t>(kDequantSliceBytes / (static_cast<std::size_t>(k) * 2))));
      auto* wh = static_cast<uint16_t*>(arena_.allocate(static_cast<std::size_t>(slice * k) * 2));
      for (int64_t r0 = 0; r0 < rows; r0 += slice) {
        const int64_t n = std::min(slice, rows - r0);
        auto dq = zeroed<DequantF16Op>();
        dq.type = w.type, dq.src = static_cast<const uint8_t*>(w.data) + static_cast<std::size_t>(r0) * w.row_stride, dq.stride = w.row_stride;
        dq.cols = k, dq.rows = n, dq.dst = wh, dq.ldd = k;
        record(&run_dequant_f16, dq);
        gemm.rows = n, gemm.w = wh, gemm.ldw = k, gemm.y = fptr(y) + r0;
        record(&run_gemm, gemm);
      }
    }
  }
  if (bias) {
    auto op = zeroed<AddBiasOp>();
    op.y = fptr(y), op.ldy = ld(y), op.bias = bias, op.cols = rows, op.rows = T;
    record(&run_add_bias, op);
  }
  arena_.release(mark);
}

void CudaStream::matmul_host(const Tensor& w, const Tensor& x, const Tensor& bias, const Tensor& y) {
  // Everything recorded so far must have run: the input is read back now.
  flush_and_wait();
  graph_ok_ = false;
  const int64_t T = x.rows(), k = x.cols(), rows = w.rows();
  const std::size_t x_bytes = static_cast<std::size_t>(T * k) * 4, y_bytes = static_cast<std::size_t>(T * rows) * 4;
  auto* staging = static_cast<float*>(host_staging(x_bytes + y_bytes));
  float* hx = staging;
  float* hy = staging + T * k;
  HEARTH_CUDA_CHECK(cudaMemcpy2DAsync(hx, static_cast<std::size_t>(k) * 4, x.data, x.row_stride, static_cast<std::size_t>(k) * 4,
                                      static_cast<std::size_t>(T), cudaMemcpyDeviceToHost, stream_));
  HEARTH_CUDA_CHECK(cudaStreamSynchronize(stream_));
  if (!pool_) pool_ = std::make_unique<cpu::ThreadPool>(n_threads_);
  cpu::MatmulArgs a;
  a.type = w.type, a.weight = w.data, a.rows = rows, a.k = k, a.x = hx, a.ldx = k, a.tokens = T, a.y = hy, a.ldy = rows;
  cpu::matmul(a, *pool_);
  HEARTH_CUDA_CHECK(cudaMemcpy2DAsync(y.data, y.row_stride, hy, static_cast<std::size_t>(rows) * 4, static_cast<std::size_t>(rows) * 4,
                                      static_cast<std::size_t>(T), cudaMemcpyHostToDevice, stream_));
  HEARTH_CUDA_CHECK(cudaStreamSynchronize(stream_));  // the staging buffer is reused by the next transfer
  if (!bias.empty()) {
    auto op = zeroed<AddBiasOp>();
    op.y = fptr(y), op.ldy = ld(y), op.bias = fptr(bias), op.cols = rows, op.rows = T;
    record(&run_add_bias, op);
  }
}

}  // namespace hearth::engine::cuda
