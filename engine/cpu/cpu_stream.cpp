#include "engine/cpu/cpu_stream.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/cpu/matmul.h"
#include "kernels/cpu/ops.h"
#include "kernels/cpu/parity.h"
#include "kernels/cpu/quant.h"

namespace hearth::engine {

using gguf::TensorType;

namespace {

// Below this many elements of work an op runs on the calling thread: waking the pool costs more.
constexpr int64_t kParallelThreshold = 1 << 15;

std::string describe(const Tensor& t) {
  std::string s;
  if (t.name.empty()) {
    s = "activation";
  } else {
    s.append(1, '\'').append(t.name).append(1, '\'');
  }
  s.append(" ").append(gguf::type_name(t.type)).append(" ").append(t.shape_string());
  return s;
}

[[noreturn]] void shape_error(const char* op, const std::string& what) { throw std::invalid_argument(std::string(op) + ": " + what); }

void require_f32(const char* op, const Tensor& t) {
  if (t.empty()) shape_error(op, "missing tensor");
  if (t.type != TensorType::F32) shape_error(op, describe(t) + " must be F32");
}

void require_same_shape(const char* op, const Tensor& a, const Tensor& b) {
  if (a.ne != b.ne) shape_error(op, describe(a) + " and " + describe(b) + " differ in shape");
}

cpu::RopeParams to_kernel_params(const RopeConfig& r) {
  cpu::RopeParams p;
  p.mode = r.mode == RopeMode::Normal ? cpu::RopeMode::Normal : cpu::RopeMode::Neox;
  p.n_rot = r.n_rot;
  p.freq_base = r.freq_base;
  p.freq_scale = r.freq_scale;
  p.freq_factors = r.freq_factors.empty() ? nullptr : static_cast<const float*>(r.freq_factors.data);
  p.ext_factor = r.ext_factor;
  p.attn_factor = r.attn_factor;
  p.beta_fast = r.beta_fast;
  p.beta_slow = r.beta_slow;
  p.n_ctx_orig = r.n_ctx_orig;
  return p;
}

void check_rope(const RopeConfig& r) {
  if (r.n_rot <= 0 || r.n_rot % 2 != 0 || r.n_rot > r.head_dim)
    shape_error("rope", "n_rot " + std::to_string(r.n_rot) + " must be even and within head_dim " + std::to_string(r.head_dim));
  if (!r.freq_factors.empty() && (r.freq_factors.type != TensorType::F32 || r.freq_factors.elements() < r.n_rot / 2))
    shape_error("rope", "frequency factors " + describe(r.freq_factors) + " must be F32 with n_rot/2 elements");
}

int64_t cell_row(const KvLayer& kv, int slot, int64_t cell) { return static_cast<int64_t>(slot) * kv.cells_per_slot + cell; }

void check_cells(const char* op, const KvLayer& kv, int slot, int64_t first, int64_t n) {
  const int64_t slots = kv.cells_per_slot > 0 ? kv.k.rows() / kv.cells_per_slot : 0;
  if (slot < 0 || slot >= slots || first < 0 || n < 0 || first + n > kv.cells_per_slot)
    shape_error(op, "cells [" + std::to_string(first) + ", " + std::to_string(first + n) + ") of slot " +
                        std::to_string(slot) + " are outside the cache (" + std::to_string(slots) + " slots of " +
                        std::to_string(kv.cells_per_slot) + " cells)");
}

}  // namespace

CpuStream::CpuStream(int n_threads, Numerics numerics)
    : pool_(n_threads > 0 ? n_threads : cpu::physical_core_count()), parity_(numerics == Numerics::LlamaCpp) {
  if (parity_ && !cpu::parity::available())
    throw std::runtime_error("llama.cpp numerics need a CPU with AVX2, FMA and F16C");
}

template <typename F>
void CpuStream::for_rows(int64_t rows, int64_t cost_per_row, F&& fn) {
  if (rows <= 0) return;
  if (pool_.size() == 1 || rows == 1 || rows * cost_per_row < kParallelThreshold) {
    fn(int64_t{0}, rows);
    return;
  }
  pool_.parallel_for(rows, [&](int64_t begin, int64_t end, int) { fn(begin, end); });
}

Tensor CpuStream::scratch(TensorType type, int64_t cols, int64_t rows) {
  const std::size_t bytes = static_cast<std::size_t>(gguf::row_bytes(type, static_cast<uint64_t>(cols))) * static_cast<std::size_t>(rows);
  return make_tensor(type, cols, rows, arena_.allocate(bytes));
}

void CpuStream::begin_batch(const ForwardBatch& batch) {
  if (batch.positions.size() != batch.tokens.size() || batch.slots.size() != batch.tokens.size())
    shape_error("begin_batch", "tokens, positions and slots must have the same length");
}

Tensor CpuStream::embed(const Tensor& table, const ForwardBatch& batch) {
  const int64_t n_embd = table.cols();
  Tensor out = scratch(TensorType::F32, n_embd, batch.size());
  for (int32_t tok : batch.tokens)
    if (tok < 0 || tok >= table.rows()) shape_error("embed", "token id " + std::to_string(tok) + " is outside " + describe(table));
  for_rows(batch.size(), n_embd, [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      const void* src = table.row<const void>(batch.tokens[static_cast<std::size_t>(t)]);
      if (table.type == TensorType::F32) std::memcpy(out.row(t), src, static_cast<std::size_t>(n_embd) * sizeof(float));
      else cpu::dequantize_row(table.type, src, out.row<float>(t), n_embd);
    }
  });
  return out;
}

Tensor CpuStream::rms_norm(const Tensor& x, const Tensor& weight, float eps) {
  require_f32("rms_norm", x);
  require_f32("rms_norm", weight);
  if (weight.elements() != x.cols()) shape_error("rms_norm", "weight " + describe(weight) + " does not match rows of " + describe(x));
  Tensor out = scratch(TensorType::F32, x.cols(), x.rows());
  for_rows(x.rows(), x.cols(), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r)
      cpu::rms_norm(x.row<const float>(r), static_cast<const float*>(weight.data), out.row<float>(r), x.cols(), eps);
  });
  return out;
}

Tensor CpuStream::matmul(const Tensor& w, const Tensor& x, const Tensor& bias) {
  require_f32("matmul", x);
  if (w.empty()) shape_error("matmul", "missing weight");
  if (w.cols() != x.cols()) shape_error("matmul", "weight " + describe(w) + " cannot multiply " + describe(x));
  if (!w.is_contiguous()) shape_error("matmul", "weight " + describe(w) + " must be contiguous");
  if (!bias.empty()) {
    require_f32("matmul", bias);
    if (bias.elements() != w.rows()) shape_error("matmul", "bias " + describe(bias) + " does not match weight " + describe(w));
  }
  Tensor y = scratch(TensorType::F32, w.rows(), x.rows());
  cpu::MatmulArgs args;
  args.type = w.type;
  args.weight = w.data;
  args.rows = w.rows();
  args.k = w.cols();
  args.x = static_cast<const float*>(x.data);
  args.ldx = static_cast<int64_t>(x.row_stride / sizeof(float));
  args.tokens = x.rows();
  args.y = static_cast<float*>(y.data);
  args.ldy = static_cast<int64_t>(y.row_stride / sizeof(float));
  args.bias = bias.empty() ? nullptr : static_cast<const float*>(bias.data);
  if (parity_) cpu::parity::matmul(args, pool_);
  else cpu::matmul(args, pool_);
  return y;
}

void CpuStream::add_to(const Tensor& x, const Tensor& y) {
  require_f32("add", x);
  require_f32("add", y);
  require_same_shape("add", x, y);
  for_rows(x.rows(), x.cols(), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) cpu::add(x.row<const float>(r), y.row<const float>(r), x.row<float>(r), x.cols());
  });
}

void CpuStream::rope(const Tensor& x, int n_head, const RopeConfig& rope, const ForwardBatch& batch) {
  require_f32("rope", x);
  check_rope(rope);
  if (static_cast<int64_t>(n_head) * rope.head_dim != x.cols() || x.rows() != batch.size())
    shape_error("rope", describe(x) + " is not " + std::to_string(n_head) + " heads of " + std::to_string(rope.head_dim) +
                            " for " + std::to_string(batch.size()) + " tokens");
  const cpu::RopeParams params = to_kernel_params(rope);
  const cpu::RopeMode mode = params.mode;
  for_rows(x.rows(), x.cols() * 4, [&](int64_t begin, int64_t end) {
    std::vector<float> cos_sin(static_cast<std::size_t>(rope.n_rot));
    for (int64_t t = begin; t < end; ++t) {
      cpu::rope_angles(params, static_cast<float>(batch.positions[static_cast<std::size_t>(t)]), cos_sin.data());
      if (parity_) cpu::parity::rope_apply(mode, rope.n_rot, rope.head_dim, n_head, cos_sin.data(), x.row<float>(t));
      else cpu::rope_apply(mode, rope.n_rot, rope.head_dim, n_head, cos_sin.data(), x.row<float>(t));
    }
  });
}

void CpuStream::store_kv(const KvLayer& kv, const Tensor& k, const Tensor& v, const ForwardBatch& batch) {
  require_f32("store_kv", k);
  require_f32("store_kv", v);
  if (k.cols() != kv.k.cols() || v.cols() != kv.v.cols() || k.rows() != batch.size() || v.rows() != batch.size())
    shape_error("store_kv", "K " + describe(k) + " / V " + describe(v) + " do not fit cache rows of " +
                                std::to_string(kv.k.cols()) + " / " + std::to_string(kv.v.cols()));
  for (int64_t t = 0; t < batch.size(); ++t)
    check_cells("store_kv", kv, batch.slots[static_cast<std::size_t>(t)], batch.positions[static_cast<std::size_t>(t)], 1);
  for_rows(batch.size(), k.cols() + v.cols(), [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      const int64_t row = cell_row(kv, batch.slots[static_cast<std::size_t>(t)], batch.positions[static_cast<std::size_t>(t)]);
      cpu::kv_store_row(kv.k.type, k.row<const float>(t), kv.k.row(row), k.cols());
      cpu::kv_store_row(kv.v.type, v.row<const float>(t), kv.v.row(row), v.cols());
    }
  });
}

Tensor CpuStream::attention(const Tensor& q, const KvLayer& kv, const AttentionConfig& config, const ForwardBatch& batch) {
  require_f32("attention", q);
  if (static_cast<int64_t>(config.n_head) * config.head_dim != q.cols() || q.rows() != batch.size())
    shape_error("attention", "Q " + describe(q) + " is not " + std::to_string(config.n_head) + " heads of " +
                                 std::to_string(config.head_dim) + " for " + std::to_string(batch.size()) + " tokens");
  if (static_cast<int64_t>(config.n_head_kv) * config.head_dim != kv.k.cols() || kv.k.cols() != kv.v.cols() ||
      kv.k.type != kv.v.type || kv.k.row_stride != kv.v.row_stride)
    shape_error("attention", "cache rows " + describe(kv.k) + " / " + describe(kv.v) + " do not hold " +
                                 std::to_string(config.n_head_kv) + " KV heads of " + std::to_string(config.head_dim));
  Tensor out = scratch(TensorType::F32, q.cols(), q.rows());
  std::vector<cpu::AttentionQuery> queries(static_cast<std::size_t>(batch.size()));
  for (int64_t t = 0; t < batch.size(); ++t) {
    const int slot = batch.slots[static_cast<std::size_t>(t)];
    const int64_t pos = batch.positions[static_cast<std::size_t>(t)];
    check_cells("attention", kv, slot, 0, pos + 1);
    cpu::AttentionQuery& aq = queries[static_cast<std::size_t>(t)];
    aq.q = q.row<const float>(t);
    aq.out = out.row<float>(t);
    aq.k = kv.k.row<const uint8_t>(cell_row(kv, slot, 0));
    aq.v = kv.v.row<const uint8_t>(cell_row(kv, slot, 0));
    aq.n_kv = pos + 1;
  }
  cpu::AttentionShape shape;
  shape.n_head = config.n_head;
  shape.n_head_kv = config.n_head_kv;
  shape.head_dim = config.head_dim;
  shape.scale = config.scale;
  shape.kv_type = kv.k.type;
  shape.kv_row_bytes = kv.k.row_stride;
  if (parity_) cpu::parity::attention(shape, queries, pool_);
  else cpu::attention(shape, queries, pool_);
  return out;
}

Tensor CpuStream::swiglu(const Tensor& gate, const Tensor& up) {
  require_f32("swiglu", gate);
  require_f32("swiglu", up);
  require_same_shape("swiglu", gate, up);
  Tensor out = scratch(TensorType::F32, gate.cols(), gate.rows());
  for_rows(gate.rows(), gate.cols() * 8, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      if (parity_) cpu::parity::swiglu(gate.row<const float>(r), up.row<const float>(r), out.row<float>(r), gate.cols());
      else cpu::swiglu(gate.row<const float>(r), up.row<const float>(r), out.row<float>(r), gate.cols());
    }
  });
  return out;
}

Tensor CpuStream::gelu_glu(const Tensor& gate, const Tensor& up) {
  require_f32("gelu_glu", gate);
  require_f32("gelu_glu", up);
  require_same_shape("gelu_glu", gate, up);
  Tensor out = scratch(TensorType::F32, gate.cols(), gate.rows());
  for_rows(gate.rows(), gate.cols() * 8, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) cpu::gelu_glu(gate.row<const float>(r), up.row<const float>(r), out.row<float>(r), gate.cols());
  });
  return out;
}

Tensor CpuStream::keep_rows(const Tensor& x, std::span<const int32_t> rows) {
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (rows[i] < 0 || rows[i] >= x.rows() || (i > 0 && rows[i] <= rows[i - 1]))
      shape_error("keep_rows", "row indices must be ascending and within " + describe(x));
    if (rows[i] != static_cast<int32_t>(i)) std::memmove(x.row(static_cast<int64_t>(i)), x.row(rows[i]), x.row_bytes());
  }
  return x.row_range(0, static_cast<int64_t>(rows.size()));
}

void CpuStream::to_host(const Tensor& x, std::span<float> out) {
  require_f32("to_host", x);
  if (static_cast<int64_t>(out.size()) != x.elements()) shape_error("to_host", "output size does not match " + describe(x));
  for (int64_t r = 0; r < x.rows(); ++r) std::memcpy(out.data() + r * x.cols(), x.row(r), x.row_bytes());
}

void CpuStream::kv_copy(const KvLayer& kv, int src_slot, int64_t src_cell, int dst_slot, int64_t dst_cell, int64_t n) {
  check_cells("kv_copy", kv, src_slot, src_cell, n);
  check_cells("kv_copy", kv, dst_slot, dst_cell, n);
  if (n == 0) return;
  for (const Tensor* t : {&kv.k, &kv.v})
    std::memmove(t->row(cell_row(kv, dst_slot, dst_cell)), t->row(cell_row(kv, src_slot, src_cell)),
                 t->row_stride * static_cast<std::size_t>(n));
}

void CpuStream::kv_rope_shift(const KvLayer& kv, int slot, int64_t first_cell, int64_t n, int32_t delta,
                              const RopeConfig& rope, int n_head_kv) {
  check_cells("kv_rope_shift", kv, slot, first_cell, n);
  check_rope(rope);
  if (static_cast<int64_t>(n_head_kv) * rope.head_dim != kv.k.cols())
    shape_error("kv_rope_shift", "cache rows " + describe(kv.k) + " are not " + std::to_string(n_head_kv) + " heads of " +
                                     std::to_string(rope.head_dim));
  // A rotation by θ(p) followed by one by θ(delta) is the rotation by θ(p + delta) (θ is linear in
  // the position), so the shifted keys are those the new positions would have produced — up to
  // one extra rounding, and for F16/Q8_0 caches one extra conversion, exactly as llama.cpp's K-shift.
  // The magnitude factor must not be applied a second time, so the shift rotates with mscale 1.
  cpu::RopeParams params = to_kernel_params(rope);
  params.attn_factor = 1.0f;
  std::vector<float> cos_sin(static_cast<std::size_t>(rope.n_rot));
  cpu::rope_angles(params, static_cast<float>(delta), cos_sin.data());
  if (params.ext_factor != 0.0f) {
    // rope_angles folded YaRN's magnitude correction into cos/sin; divide it back out.
    const float m = std::sqrt(cos_sin[0] * cos_sin[0] + cos_sin[1] * cos_sin[1]);
    for (float& c : cos_sin) c /= m;
  }
  for_rows(n, kv.k.cols() * 4, [&](int64_t begin, int64_t end) {
    std::vector<float> row(static_cast<std::size_t>(kv.k.cols()));
    for (int64_t c = first_cell + begin; c < first_cell + end; ++c) {
      void* cell = kv.k.row(cell_row(kv, slot, c));
      cpu::kv_load_row(kv.k.type, cell, row.data(), kv.k.cols());
      cpu::rope_apply(params.mode, rope.n_rot, rope.head_dim, n_head_kv, cos_sin.data(), row.data());
      cpu::kv_store_row(kv.k.type, row.data(), cell, kv.k.cols());
    }
  });
}

void CpuStream::kv_read_row(const KvLayer& kv, bool value, int slot, int64_t cell, std::span<float> out) {
  check_cells("kv_read_row", kv, slot, cell, 1);
  const Tensor& t = value ? kv.v : kv.k;
  if (static_cast<int64_t>(out.size()) != t.cols()) shape_error("kv_read_row", "output size does not match " + describe(t));
  cpu::kv_load_row(t.type, t.row(cell_row(kv, slot, cell)), out.data(), t.cols());
}

}  // namespace hearth::engine
