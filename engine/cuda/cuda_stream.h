// engine/cuda/cuda_stream.h — the CUDA implementation of Stream (backend.h).
//
// Ops check shapes and types on the host, allocate their outputs in a device arena and *record*
// their kernel launches (step_recorder.h); the launches run when the host needs a result
// (to_host, synchronize, KV-cache maintenance), as one CUDA graph per decode step when the step
// is graph-safe (≤ 8 tokens, all weights on the GPU). While recording, the stream fuses what the
// architecture expresses as separate ops without changing any result:
//   * rms_norm and swiglu also emit their output as Q8_1, and a matmul whose input is that output
//     (unchanged since) reuses it instead of quantizing again (Q, K and V share one);
//   * consecutive single-step matmuls of one input and weight type become one GEMV launch (Q/K/V,
//     gate/up);
//   * add_to(x, matmul(W, h)) adds inside the GEMV epilogue (the product is still written);
//   * rope(q), rope(k) and store_kv(k, v) become one launch.
// Per-step inputs (token ids, positions, slots, output rows) are uploaded by begin_batch into
// fixed device buffers that the kernels read, so a replayed graph sees the new step's values.
//
// Matmuls with weights the placement left on the host (hybrid offload) copy their input to the
// host, run kernels/cpu and copy the product back.
#pragma once

#include <cuda_runtime_api.h>

#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <variant>
#include <vector>

#include "engine/backend.h"
#include "engine/cuda/cuda_backend.h"
#include "engine/cuda/device_memory.h"
#include "engine/cuda/step_recorder.h"
#include "engine/cuda/stream_ops.h"
#include "kernels/cpu/thread_pool.h"
#include "kernels/cuda/cublas_gemm.h"

namespace hearth::cuda {
enum class GluKind;  // kernels/cuda/cuda_kernels.h
}

namespace hearth::engine::cuda {

class CudaStream final : public Stream {
 public:
  CudaStream(CudaBackend& backend, int n_threads);
  ~CudaStream() override;

  std::size_t scratch_mark() const override { return arena_.mark(); }
  void scratch_release(std::size_t mark) override;
  Tensor scratch(gguf::TensorType type, int64_t cols, int64_t rows) override;

  void begin_batch(const ForwardBatch& batch) override;
  Tensor embed(const Tensor& table, const ForwardBatch& batch) override;
  Tensor rms_norm(const Tensor& x, const Tensor& weight, float eps) override;
  Tensor matmul(const Tensor& w, const Tensor& x, const Tensor& bias) override;
  void add_to(const Tensor& x, const Tensor& y) override;
  void rope(const Tensor& x, int n_head, const RopeConfig& rope, const ForwardBatch& batch) override;
  void store_kv(const KvLayer& kv, const Tensor& k, const Tensor& v, const ForwardBatch& batch) override;
  Tensor attention(const Tensor& q, const KvLayer& kv, const AttentionConfig& config, const ForwardBatch& batch) override;
  Tensor swiglu(const Tensor& gate, const Tensor& up) override;
  Tensor gelu_glu(const Tensor& gate, const Tensor& up) override;
  Tensor keep_rows(const Tensor& x, std::span<const int32_t> rows) override;
  void to_host(const Tensor& x, std::span<float> out) override;
  void kv_copy(const KvLayer& kv, int src_slot, int64_t src_cell, int dst_slot, int64_t dst_cell, int64_t n) override;
  void kv_rope_shift(const KvLayer& kv, int slot, int64_t first_cell, int64_t n, int32_t delta, const RopeConfig& rope,
                     int n_head_kv) override;
  void kv_read_row(const KvLayer& kv, bool value, int slot, int64_t cell, std::span<float> out) override;
  void synchronize() override;

  // Log-softmax statistics and the k best entries of each row of F32 logits, computed on the
  // device: ids/logprobs get rows·k entries (best first), lse one per row.
  void top_k(const Tensor& logits, int k, std::span<int32_t> ids, std::span<float> logprobs, std::span<float> lse);

  const StepRecorder::Stats& stats() const { return recorder_.stats(); }
  cudaStream_t handle() const { return stream_; }

 private:
  struct Q8Rows {
    int8_t* qs = nullptr;
    float* ds = nullptr;
  };
  struct Q8Cache {
    const void* src;
    int64_t cols, rows;
    std::size_t stride;
    uint64_t epoch;
    Q8Rows q;
  };

  // Recording.
  template <class Op>
  void record(void (*fn)(const Op&, cudaStream_t), const Op& op) {
    commit_pending();
    recorder_.record(fn, op);
  }
  void commit_pending();
  void flush();                // runs everything recorded (graph or eager)
  void flush_and_wait();
  void touch() { ++epoch_; }   // memory that cached results depend on was written or released
  void bind_device() const;

  // Activations as Q8_1 for a matmul: cached from rms_norm/swiglu, or a recorded quantization.
  Q8Rows q8_for(const Tensor& x);
  Q8Rows q8_alloc(int64_t cols, int64_t rows);
  Tensor glu(const char* name, hearth::cuda::GluKind kind, const Tensor& gate, const Tensor& up);
  void remember_q8(const Tensor& x, Q8Rows q);

  // Matmul paths (cuda_stream_matmul.cpp).
  void matmul_gemv(const Tensor& w, const Tensor& x, const float* bias, const Tensor& y);
  void matmul_gemm(const Tensor& w, const Tensor& x, const float* bias, const Tensor& y);
  void matmul_host(const Tensor& w, const Tensor& x, const Tensor& bias, const Tensor& y);

  // Per-batch inputs.
  void check_batch(const char* op, const ForwardBatch& batch) const;
  void check_cells(const char* op, const KvLayer& kv) const;
  const int32_t* device_rows(std::span<const int32_t> rows);
  void* host_staging(std::size_t bytes);

  CudaBackend& backend_;
  int n_threads_;
  cudaStream_t stream_ = nullptr;
  DeviceArena arena_;
  StepRecorder recorder_;
  std::variant<std::monostate, GemvOp, RopeOp> pending_;
  std::optional<Q8Cache> q8_;
  uint64_t epoch_ = 0;

  // Batch inputs: device buffer of 4 × capacity int32 (tokens, positions, slots, output rows),
  // written from a pinned mirror.
  DeviceAllocation batch_device_;
  PinnedAllocation batch_pinned_;
  cudaEvent_t batch_uploaded_ = nullptr;
  std::size_t batch_capacity_ = 0;
  std::vector<int32_t> tokens_, positions_, slots_, out_rows_;
  bool graph_ok_ = false;
  int flush_index_ = 0;  // flushes since begin_batch: each part of a step has its own graph

  // Where a pass spends its time (HEARTH_CUDA_STATS): recording ops on the host, and waiting for
  // the device in to_host/synchronize.
  std::chrono::steady_clock::time_point pass_start_{};
  double record_seconds_ = 0, wait_seconds_ = 0;
  uint64_t passes_ = 0;

  DeviceAllocation extra_rows_;  // keep_rows indices other than the batch's output rows
  DeviceAllocation angles_;      // kv_rope_shift's cos/sin table
  PinnedAllocation host_io_;     // to_host and hybrid-offload staging
  hearth::cuda::CublasGemm gemm_;
  std::unique_ptr<cpu::ThreadPool> pool_;  // created on the first host matmul
};

}  // namespace hearth::engine::cuda
