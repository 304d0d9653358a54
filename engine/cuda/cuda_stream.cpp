// CudaStream: lifecycle, per-batch inputs, recording and flushing, host transfers and KV-cache
// maintenance. The forward ops are in cuda_stream_ops.cpp, the matmul paths in
// cuda_stream_matmul.cpp.
#include "engine/cuda/cuda_stream.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "engine/cuda/stream_checks.h"
#include "kernels/cpu/ops.h"
#include "kernels/cuda/cuda_check.h"

namespace hearth::engine::cuda {

using gguf::TensorType;

CudaStream::CudaStream(CudaBackend& backend, int n_threads)
    : backend_(backend), n_threads_(n_threads > 0 ? n_threads : cpu::physical_core_count()), recorder_(backend.graphs_enabled()) {
  bind_device();
  HEARTH_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
  HEARTH_CUDA_CHECK(cudaEventCreateWithFlags(&batch_uploaded_, cudaEventDisableTiming));
}

CudaStream::~CudaStream() {
  // Launches still recorded belong to a pass that failed half-way (a finished pass flushed them);
  // they may point at buffers already freed, so they are dropped, not run.
  pending_ = std::monostate{};
  recorder_.discard();
  if (stream_) cudaStreamSynchronize(stream_);
  if (const char* env = std::getenv("HEARTH_CUDA_STATS"); env && *env && *env != '0') {
    const StepRecorder::Stats& s = recorder_.stats();
    std::fprintf(stderr,
                 "hearth cuda stream: %llu flushes (%llu graph replays, %llu captures, %llu graph updates, %llu eager), %llu kernel "
                 "launches recorded, scratch high water %.1f MiB; %llu passes: %.1f µs/pass recording on the host, %.1f µs/pass "
                 "waiting for the device\n",
                 static_cast<unsigned long long>(s.steps), static_cast<unsigned long long>(s.replays), static_cast<unsigned long long>(s.captures),
                 static_cast<unsigned long long>(s.updates), static_cast<unsigned long long>(s.eager_steps),
                 static_cast<unsigned long long>(s.launches), static_cast<double>(arena_.high_water()) / (1024.0 * 1024.0),
                 static_cast<unsigned long long>(passes_), passes_ ? 1e6 * record_seconds_ / static_cast<double>(passes_) : 0.0,
                 passes_ ? 1e6 * wait_seconds_ / static_cast<double>(passes_) : 0.0);
  }
  if (batch_uploaded_) cudaEventDestroy(batch_uploaded_);
  if (stream_) cudaStreamDestroy(stream_);
}

void CudaStream::bind_device() const { HEARTH_CUDA_CHECK(cudaSetDevice(backend_.device())); }

// ---- recording ---------------------------------------------------------------------------------

void CudaStream::commit_pending() {
  if (auto* g = std::get_if<GemvOp>(&pending_)) {
    const GemvOp op = *g;
    pending_ = std::monostate{};
    recorder_.record(&run_gemv, op);
  } else if (auto* r = std::get_if<RopeOp>(&pending_)) {
    const RopeOp op = *r;
    pending_ = std::monostate{};
    recorder_.record(&run_rope, op);
  }
}

void CudaStream::flush() {
  commit_pending();
  if (recorder_.empty()) return;
  if (flush_index_ == 0 && passes_ > 0)
    record_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - pass_start_).count();
  bind_device();
  // Graphs are cached per (batch size, which flush of the step): a step that reads an
  // intermediate result back runs as several graphs, each replayed on its own.
  const int64_t slot = static_cast<int64_t>(tokens_.size()) * 64 + std::min(flush_index_++, 63);
  recorder_.flush(stream_, graph_ok_, slot);
}

void CudaStream::flush_and_wait() {
  flush();
  const auto t0 = std::chrono::steady_clock::now();
  HEARTH_CUDA_CHECK(cudaStreamSynchronize(stream_));
  wait_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void CudaStream::synchronize() { flush_and_wait(); }

// ---- scratch -------------------------------------------------------------------------------------

Tensor CudaStream::scratch(TensorType type, int64_t cols, int64_t rows) {
  if (cols < 0 || rows < 0) shape_error("scratch", "negative size");
  const std::size_t bytes = static_cast<std::size_t>(gguf::row_bytes(type, static_cast<uint64_t>(cols))) * static_cast<std::size_t>(rows);
  return make_tensor(type, cols, rows, arena_.allocate(bytes));
}

void CudaStream::scratch_release(std::size_t mark) {
  arena_.release(mark);
  touch();
  if (mark == 0 && arena_.capacity() > 0) {
    // Start of a forward pass: merge the arena's blocks while nothing uses them.
    commit_pending();
    if (recorder_.empty()) {
      HEARTH_CUDA_CHECK(cudaStreamSynchronize(stream_));
      arena_.consolidate();
    }
  }
}

// ---- per-batch inputs ----------------------------------------------------------------------------

void CudaStream::begin_batch(const ForwardBatch& batch) {
  const std::size_t T = batch.tokens.size();
  if (batch.positions.size() != T || batch.slots.size() != T)
    shape_error("begin_batch", "tokens, positions and slots must have the same length");
  for (int32_t r : batch.output_rows)
    if (r < 0 || static_cast<std::size_t>(r) >= T) shape_error("begin_batch", "output row " + std::to_string(r) + " is outside the batch");
  bind_device();
  // A finished pass was flushed by to_host/synchronize; anything still recorded is what a pass
  // that threw half-way left behind, and is dropped (the context did not commit its cells).
  pending_ = std::monostate{};
  recorder_.discard();

  const std::size_t need = std::max<std::size_t>(T, 1);
  if (need > batch_capacity_) {
    HEARTH_CUDA_CHECK(cudaStreamSynchronize(stream_));
    batch_capacity_ = std::max<std::size_t>(need, 2 * batch_capacity_);
    batch_device_ = DeviceAllocation(4 * batch_capacity_ * sizeof(int32_t));
    batch_pinned_ = PinnedAllocation(4 * batch_capacity_ * sizeof(int32_t));
  }
  HEARTH_CUDA_CHECK(cudaEventSynchronize(batch_uploaded_));  // the previous upload has read the pinned mirror
  auto* pinned = static_cast<int32_t*>(batch_pinned_.get());
  std::copy(batch.tokens.begin(), batch.tokens.end(), pinned);
  std::copy(batch.positions.begin(), batch.positions.end(), pinned + batch_capacity_);
  std::copy(batch.slots.begin(), batch.slots.end(), pinned + 2 * batch_capacity_);
  std::copy(batch.output_rows.begin(), batch.output_rows.end(), pinned + 3 * batch_capacity_);
  HEARTH_CUDA_CHECK(cudaMemcpyAsync(batch_device_.get(), pinned, 4 * batch_capacity_ * sizeof(int32_t), cudaMemcpyHostToDevice, stream_));
  HEARTH_CUDA_CHECK(cudaEventRecord(batch_uploaded_, stream_));

  tokens_.assign(batch.tokens.begin(), batch.tokens.end());
  positions_.assign(batch.positions.begin(), batch.positions.end());
  slots_.assign(batch.slots.begin(), batch.slots.end());
  out_rows_.assign(batch.output_rows.begin(), batch.output_rows.end());
  graph_ok_ = T >= 1 && T <= static_cast<std::size_t>(hearth::cuda::kGemvMaxTokens) && !backend_.has_host_weights();
  flush_index_ = 0;
  ++passes_;
  pass_start_ = std::chrono::steady_clock::now();
  q8_.reset();
  touch();
}

void CudaStream::check_batch(const char* op, const ForwardBatch& batch) const {
  const bool same = batch.tokens.size() == tokens_.size() && std::equal(batch.tokens.begin(), batch.tokens.end(), tokens_.begin()) &&
                    std::equal(batch.positions.begin(), batch.positions.end(), positions_.begin()) &&
                    std::equal(batch.slots.begin(), batch.slots.end(), slots_.begin()) && batch.positions.size() == positions_.size() &&
                    batch.slots.size() == slots_.size();
  if (!same) shape_error(op, "the batch differs from the one given to begin_batch");
}

void CudaStream::check_cells(const char* op, const KvLayer& kv) const {
  const int64_t slots = kv.cells_per_slot > 0 ? kv.k.rows() / kv.cells_per_slot : 0;
  for (std::size_t t = 0; t < positions_.size(); ++t)
    if (slots_[t] < 0 || slots_[t] >= slots || positions_[t] < 0 || positions_[t] >= kv.cells_per_slot)
      shape_error(op, "token " + std::to_string(t) + " (slot " + std::to_string(slots_[t]) + ", position " + std::to_string(positions_[t]) +
                          ") is outside the cache (" + std::to_string(slots) + " slots of " + std::to_string(kv.cells_per_slot) + " cells)");
}

const int32_t* CudaStream::device_rows(std::span<const int32_t> rows) {
  const auto* base = static_cast<const int32_t*>(batch_device_.get());
  if (rows.size() == out_rows_.size() && std::equal(rows.begin(), rows.end(), out_rows_.begin())) return base + 3 * batch_capacity_;
  // Other indices: uploaded now (outside any graph: this step runs eagerly).
  flush_and_wait();
  graph_ok_ = false;
  if (extra_rows_.size() < rows.size() * sizeof(int32_t)) extra_rows_ = DeviceAllocation(std::max<std::size_t>(rows.size(), 64) * sizeof(int32_t));
  // Async on this stream: pageable sources are staged before the call returns, and the copy is
  // ordered before the kernels that read it.
  HEARTH_CUDA_CHECK(cudaMemcpyAsync(extra_rows_.get(), rows.data(), rows.size() * sizeof(int32_t), cudaMemcpyHostToDevice, stream_));
  return static_cast<const int32_t*>(extra_rows_.get());
}

void* CudaStream::host_staging(std::size_t bytes) {
  if (host_io_.size() < bytes) host_io_ = PinnedAllocation(std::max(bytes, 2 * host_io_.size()));
  return host_io_.get();
}

// ---- results to the host -------------------------------------------------------------------------

void CudaStream::to_host(const Tensor& x, std::span<float> out) {
  require_f32("to_host", x);
  if (static_cast<int64_t>(out.size()) != x.elements()) shape_error("to_host", "output size does not match " + describe(x));
  if (out.empty()) return;
  flush();
  const std::size_t row = x.row_bytes();
  void* staging = host_staging(row * static_cast<std::size_t>(x.rows()));
  HEARTH_CUDA_CHECK(cudaMemcpy2DAsync(staging, row, x.data, x.row_stride, row, static_cast<std::size_t>(x.rows()), cudaMemcpyDeviceToHost, stream_));
  const auto t0 = std::chrono::steady_clock::now();
  HEARTH_CUDA_CHECK(cudaStreamSynchronize(stream_));
  wait_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::memcpy(out.data(), staging, row * static_cast<std::size_t>(x.rows()));
}

void CudaStream::top_k(const Tensor& logits, int k, std::span<int32_t> ids, std::span<float> logprobs, std::span<float> lse) {
  require_f32("top_k", logits);
  const int64_t rows = logits.rows();
  if (k < 1 || k > hearth::cuda::kTopKMax) shape_error("top_k", "k must be 1.." + std::to_string(hearth::cuda::kTopKMax));
  if (static_cast<int64_t>(ids.size()) != rows * k || static_cast<int64_t>(logprobs.size()) != rows * k || static_cast<int64_t>(lse.size()) != rows)
    shape_error("top_k", "output sizes do not match " + std::to_string(rows) + " rows × k = " + std::to_string(k));
  if (rows == 0) return;
  const std::size_t mark = arena_.mark();
  const std::size_t n = static_cast<std::size_t>(rows * k);
  auto* d_ids = static_cast<int32_t*>(arena_.allocate(n * sizeof(int32_t)));
  auto* d_lp = static_cast<float*>(arena_.allocate(n * sizeof(float)));
  auto* d_lse = static_cast<float*>(arena_.allocate(static_cast<std::size_t>(rows) * sizeof(float)));
  auto op = zeroed<TopKOp>();
  op.logits = fptr(logits), op.ld = ld(logits), op.n_vocab = logits.cols(), op.rows = rows, op.k = k;
  op.ids = d_ids, op.logprobs = d_lp, op.lse = d_lse;
  record(&run_top_k, op);
  flush();
  auto* staging = static_cast<uint8_t*>(host_staging(n * 8 + static_cast<std::size_t>(rows) * 4));
  HEARTH_CUDA_CHECK(cudaMemcpyAsync(staging, d_ids, n * 4, cudaMemcpyDeviceToHost, stream_));
  HEARTH_CUDA_CHECK(cudaMemcpyAsync(staging + n * 4, d_lp, n * 4, cudaMemcpyDeviceToHost, stream_));
  HEARTH_CUDA_CHECK(cudaMemcpyAsync(staging + n * 8, d_lse, static_cast<std::size_t>(rows) * 4, cudaMemcpyDeviceToHost, stream_));
  HEARTH_CUDA_CHECK(cudaStreamSynchronize(stream_));
  std::memcpy(ids.data(), staging, n * 4);
  std::memcpy(logprobs.data(), staging + n * 4, n * 4);
  std::memcpy(lse.data(), staging + n * 8, static_cast<std::size_t>(rows) * 4);
  arena_.release(mark);
}

// ---- KV-cache maintenance (outside forward passes; run at once) ----------------------------------

namespace {

hearth::cuda::KvCacheView cache_view(const KvLayer& kv) {
  hearth::cuda::KvCacheView c;
  c.k = kv.k.data, c.v = kv.v.data, c.type = kv.k.type, c.row_stride = kv.k.row_stride;
  c.n_embd_k = kv.k.cols(), c.n_embd_v = kv.v.cols(), c.cells_per_slot = kv.cells_per_slot, c.n_rows = kv.k.rows();
  return c;
}

void check_range(const char* op, const KvLayer& kv, int slot, int64_t first, int64_t n) {
  const int64_t slots = kv.cells_per_slot > 0 ? kv.k.rows() / kv.cells_per_slot : 0;
  if (slot < 0 || slot >= slots || first < 0 || n < 0 || first + n > kv.cells_per_slot)
    shape_error(op, "cells [" + std::to_string(first) + ", " + std::to_string(first + n) + ") of slot " + std::to_string(slot) +
                        " are outside the cache (" + std::to_string(slots) + " slots of " + std::to_string(kv.cells_per_slot) + " cells)");
}

}  // namespace

void CudaStream::kv_copy(const KvLayer& kv, int src_slot, int64_t src_cell, int dst_slot, int64_t dst_cell, int64_t n) {
  check_range("kv_copy", kv, src_slot, src_cell, n);
  check_range("kv_copy", kv, dst_slot, dst_cell, n);
  if (n == 0) return;
  flush();
  for (const Tensor* t : {&kv.k, &kv.v}) {
    const std::size_t bytes = t->row_stride * static_cast<std::size_t>(n);
    auto* src = static_cast<uint8_t*>(t->data) + static_cast<std::size_t>(static_cast<int64_t>(src_slot) * kv.cells_per_slot + src_cell) * t->row_stride;
    auto* dst = static_cast<uint8_t*>(t->data) + static_cast<std::size_t>(static_cast<int64_t>(dst_slot) * kv.cells_per_slot + dst_cell) * t->row_stride;
    if (src == dst) continue;
    if (src + bytes > dst && dst + bytes > src) {  // overlapping ranges: through a temporary
      DeviceAllocation tmp(bytes);
      HEARTH_CUDA_CHECK(cudaMemcpyAsync(tmp.get(), src, bytes, cudaMemcpyDeviceToDevice, stream_));
      HEARTH_CUDA_CHECK(cudaMemcpyAsync(dst, tmp.get(), bytes, cudaMemcpyDeviceToDevice, stream_));
      HEARTH_CUDA_CHECK(cudaStreamSynchronize(stream_));  // before tmp is freed
    } else {
      HEARTH_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, stream_));
    }
  }
}

void CudaStream::kv_rope_shift(const KvLayer& kv, int slot, int64_t first_cell, int64_t n, int32_t delta, const RopeConfig& rope,
                               int n_head_kv) {
  check_range("kv_rope_shift", kv, slot, first_cell, n);
  if (rope.n_rot <= 0 || rope.n_rot % 2 != 0 || rope.n_rot > rope.head_dim)
    shape_error("rope", "n_rot " + std::to_string(rope.n_rot) + " must be even and within head_dim " + std::to_string(rope.head_dim));
  if (static_cast<int64_t>(n_head_kv) * rope.head_dim != kv.k.cols())
    shape_error("kv_rope_shift", "cache rows " + describe(kv.k) + " are not " + std::to_string(n_head_kv) + " heads of " + std::to_string(rope.head_dim));
  if (n == 0) return;
  // The angle table of the shift, exactly as the CPU stream builds it (magnitude factor 1).
  std::vector<float> factors;
  if (!rope.freq_factors.empty()) {
    factors.resize(static_cast<std::size_t>(rope.n_rot / 2));
    flush_and_wait();
    HEARTH_CUDA_CHECK(cudaMemcpy(factors.data(), rope.freq_factors.data, factors.size() * sizeof(float), cudaMemcpyDeviceToHost));
  }
  cpu::RopeParams p;
  p.mode = rope.mode == RopeMode::Normal ? cpu::RopeMode::Normal : cpu::RopeMode::Neox;
  p.n_rot = rope.n_rot, p.freq_base = rope.freq_base, p.freq_scale = rope.freq_scale;
  p.freq_factors = factors.empty() ? nullptr : factors.data();
  p.ext_factor = rope.ext_factor, p.attn_factor = 1.0f, p.beta_fast = rope.beta_fast, p.beta_slow = rope.beta_slow, p.n_ctx_orig = rope.n_ctx_orig;
  std::vector<float> cos_sin(static_cast<std::size_t>(rope.n_rot));
  cpu::rope_angles(p, static_cast<float>(delta), cos_sin.data());
  if (p.ext_factor != 0.0f) {
    const float m = std::sqrt(cos_sin[0] * cos_sin[0] + cos_sin[1] * cos_sin[1]);
    for (float& c : cos_sin) c /= m;
  }
  flush_and_wait();  // the previous shift's kernel has read the angle buffer
  if (angles_.size() < cos_sin.size() * sizeof(float)) angles_ = DeviceAllocation(std::max<std::size_t>(cos_sin.size(), 512) * sizeof(float));
  HEARTH_CUDA_CHECK(cudaMemcpyAsync(angles_.get(), cos_sin.data(), cos_sin.size() * sizeof(float), cudaMemcpyHostToDevice, stream_));
  hearth::cuda::kv_rotate_rows(cache_view(kv), static_cast<int64_t>(slot) * kv.cells_per_slot + first_cell, n, n_head_kv, rope.head_dim,
                               rope.n_rot, rope.mode == RopeMode::Neox ? 1 : 0, static_cast<const float*>(angles_.get()), stream_);
}

void CudaStream::kv_read_row(const KvLayer& kv, bool value, int slot, int64_t cell, std::span<float> out) {
  check_range("kv_read_row", kv, slot, cell, 1);
  const Tensor& t = value ? kv.v : kv.k;
  if (static_cast<int64_t>(out.size()) != t.cols()) shape_error("kv_read_row", "output size does not match " + describe(t));
  flush_and_wait();
  std::vector<uint8_t> row(t.row_bytes());
  HEARTH_CUDA_CHECK(cudaMemcpy(row.data(), static_cast<const uint8_t*>(t.data) + static_cast<std::size_t>(static_cast<int64_t>(slot) * kv.cells_per_slot + cell) * t.row_stride,
                               row.size(), cudaMemcpyDeviceToHost));
  cpu::kv_load_row(t.type, row.data(), out.data(), t.cols());
}

}  // namespace hearth::engine::cuda
