// engine/cpu/cpu_stream.h — the CPU implementation of Stream (backend.h).
//
// Each op checks shapes and types, then calls kernels/cpu: matmul.h for weight products,
// ops.h for everything else. Row-parallel ops use the stream's thread pool when the work is
// large enough to pay for waking the workers (prefill) and run on the calling thread otherwise
// (single-token decode of small ops).
#pragma once

#include <memory>

#include "engine/backend.h"
#include "engine/cpu/scratch_arena.h"
#include "kernels/cpu/thread_pool.h"

namespace hearth::engine {

class CpuStream final : public Stream {
 public:
  // numerics = LlamaCpp routes matmul, attention and SwiGLU through kernels/cpu/parity.h.
  CpuStream(int n_threads, Numerics numerics = Numerics::Fast);

  std::size_t scratch_mark() const override { return arena_.mark(); }
  void scratch_release(std::size_t mark) override { arena_.release(mark); }
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
  void synchronize() override {}

  int n_threads() const { return pool_.size(); }

 private:
  // Runs fn(begin, end) over [0, rows), in parallel when rows × cost is worth it.
  template <typename F>
  void for_rows(int64_t rows, int64_t cost_per_row, F&& fn);

  cpu::ThreadPool pool_;
  ScratchArena arena_;
  bool parity_ = false;
};

}  // namespace hearth::engine
