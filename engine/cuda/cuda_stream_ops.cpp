// CudaStream's forward-pass ops other than matmul: each checks its operands like the CPU stream,
// allocates its output in the arena and records (or fuses into the pending launch) its kernel.
#include <algorithm>
#include <cstring>
#include <string>

#include "engine/cuda/cuda_stream.h"
#include "engine/cuda/stream_checks.h"
#include "kernels/cuda/cuda_check.h"

namespace hearth::engine::cuda {

using gguf::TensorType;

namespace {

kern::KvCacheView cache_view(const KvLayer& kv) {
  kern::KvCacheView c;
  std::memset(static_cast<void*>(&c), 0, sizeof c);
  c.k = kv.k.data, c.v = kv.v.data, c.type = kv.k.type, c.row_stride = kv.k.row_stride;
  c.n_embd_k = kv.k.cols(), c.n_embd_v = kv.v.cols(), c.cells_per_slot = kv.cells_per_slot, c.n_rows = kv.k.rows();
  return c;
}

void check_cache_layer(const char* op, const KvLayer& kv) {
  if (kv.k.empty() || kv.v.empty()) shape_error(op, "missing cache tensors");
  if (kv.k.type != kv.v.type || kv.k.row_stride != kv.v.row_stride || kv.k.rows() != kv.v.rows())
    shape_error(op, "K cache " + describe(kv.k) + " and V cache " + describe(kv.v) + " must have one type and layout");
  if (!kern::kv_cache_supports(kv.k.type)) shape_error(op, "KV cache type " + std::string(gguf::type_name(kv.k.type)) + " is not supported");
}

kern::RopeParams rope_params(const RopeConfig& r) {
  auto p = zeroed<kern::RopeParams>();
  p.neox = r.mode == RopeMode::Neox ? 1 : 0;
  p.n_rot = r.n_rot, p.head_dim = r.head_dim;
  p.freq_base = r.freq_base, p.freq_scale = r.freq_scale;
  p.freq_factors = r.freq_factors.empty() ? nullptr : static_cast<const float*>(r.freq_factors.data);
  p.ext_factor = r.ext_factor, p.attn_factor = r.attn_factor, p.beta_fast = r.beta_fast, p.beta_slow = r.beta_slow;
  p.n_ctx_orig = r.n_ctx_orig;
  return p;
}

void check_rope(const RopeConfig& r) {
  if (r.n_rot <= 0 || r.n_rot % 2 != 0 || r.n_rot > r.head_dim)
    shape_error("rope", "n_rot " + std::to_string(r.n_rot) + " must be even and within head_dim " + std::to_string(r.head_dim));
  if (!r.freq_factors.empty() && (r.freq_factors.type != TensorType::F32 || r.freq_factors.elements() < r.n_rot / 2))
    shape_error("rope", "frequency factors " + describe(r.freq_factors) + " must be F32 with n_rot/2 elements");
}

}  // namespace

Tensor CudaStream::embed(const Tensor& table, const ForwardBatch& batch) {
  check_batch("embed", batch);
  if (table.empty()) shape_error("embed", "missing table");
  for (int32_t tok : batch.tokens)
    if (tok < 0 || tok >= table.rows()) shape_error("embed", "token id " + std::to_string(tok) + " is outside " + describe(table));
  const int64_t n_embd = table.cols(), T = batch.size();
  Tensor out = scratch(TensorType::F32, n_embd, T);
  if (backend_.is_host_weight(table.data)) shape_error("embed", "the embedding table must be in device memory");
  auto op = zeroed<EmbedOp>();
  op.type = table.type, op.table = table.data, op.stride = table.row_stride, op.cols = n_embd, op.rows = T;
  op.ids = static_cast<const int32_t*>(batch_device_.get()), op.y = fptr(out), op.ldy = ld(out);
  record(&run_embed, op);
  return out;
}

Tensor CudaStream::rms_norm(const Tensor& x, const Tensor& weight, float eps) {
  require_f32("rms_norm", x);
  require_f32("rms_norm", weight);
  if (weight.elements() != x.cols()) shape_error("rms_norm", "weight " + describe(weight) + " does not match rows of " + describe(x));
  Tensor out = scratch(TensorType::F32, x.cols(), x.rows());
  auto op = zeroed<RmsNormOp>();
  op.x = fptr(x), op.ldx = ld(x), op.w = fptr(weight), op.y = fptr(out), op.ldy = ld(out), op.cols = x.cols(), op.rows = x.rows(), op.eps = eps;
  Q8Rows q;
  if (x.cols() % 32 == 0 && x.rows() <= 65535) {
    q = q8_alloc(x.cols(), x.rows());
    op.qs = q.qs, op.ds = q.ds;
  }
  record(&run_rms_norm, op);
  if (q.qs) remember_q8(out, q);
  return out;
}

void CudaStream::add_to(const Tensor& x, const Tensor& y) {
  require_f32("add", x);
  require_f32("add", y);
  require_same_shape("add", x, y);
  touch();
  // Fusion: y is the output of the pending GEMV (and x is neither its input nor an output) → the
  // GEMV adds its result into x as it writes y.
  if (auto* g = std::get_if<GemvOp>(&pending_)) {
    const auto* xb = static_cast<const uint8_t*>(x.data);
    const std::size_t x_bytes = x.row_stride * static_cast<std::size_t>(x.rows());
    auto overlaps = [&](const void* p, std::size_t bytes) {
      const auto* b = static_cast<const uint8_t*>(p);
      return p && b < xb + x_bytes && xb < b + bytes;
    };
    bool safe = g->tokens == y.rows() && !overlaps(g->in.x, g->in.ldx * 4 * g->tokens) && !overlaps(g->in.qs, g->k * g->tokens) &&
                !overlaps(g->in.ds, g->k / 16 * 4 * g->tokens);
    int match = -1;
    for (int i = 0; i < g->n_matrices; ++i) {
      const kern::GemvMatrix& m = g->m[i];
      safe = safe && !overlaps(m.y, m.ldy * 4 * g->tokens) && !overlaps(m.add_to, m.ld_add * 4 * g->tokens);
      if (m.y == y.data && m.rows == y.cols() && m.ldy == ld(y) && !m.add_to) match = i;
    }
    if (safe && match >= 0) {
      g->m[match].add_to = fptr(x);
      g->m[match].ld_add = ld(x);
      return;
    }
  }
  auto op = zeroed<AddOp>();
  op.a = fptr(x), op.lda = ld(x), op.b = fptr(y), op.ldb = ld(y), op.y = fptr(x), op.ldy = ld(x), op.cols = x.cols(), op.rows = x.rows();
  record(&run_add, op);
}

void CudaStream::rope(const Tensor& x, int n_head, const RopeConfig& rope, const ForwardBatch& batch) {
  require_f32("rope", x);
  check_rope(rope);
  check_batch("rope", batch);
  if (static_cast<int64_t>(n_head) * rope.head_dim != x.cols() || x.rows() != batch.size())
    shape_error("rope", describe(x) + " is not " + std::to_string(n_head) + " heads of " + std::to_string(rope.head_dim) + " for " +
                            std::to_string(batch.size()) + " tokens");
  touch();
  const kern::RopeParams params = rope_params(rope);
  // Fusion: rope(q) then rope(k) with the same angles → one launch.
  if (auto* r = std::get_if<RopeOp>(&pending_)) {
    if (r->has_rope && r->q && !r->k && !r->cache.k && std::memcmp(&r->rope, &params, sizeof params) == 0) {
      r->k = fptr(x), r->ldk = ld(x), r->n_head_k = n_head;
      return;
    }
  }
  auto op = zeroed<RopeOp>();
  op.q = fptr(x), op.ldq = ld(x), op.n_head_q = n_head;
  op.tokens = x.rows();
  op.positions = static_cast<const int32_t*>(batch_device_.get()) + batch_capacity_;
  op.slots = static_cast<const int32_t*>(batch_device_.get()) + 2 * batch_capacity_;
  op.has_rope = 1, op.rope = params;
  commit_pending();
  pending_ = op;
}

void CudaStream::store_kv(const KvLayer& kv, const Tensor& k, const Tensor& v, const ForwardBatch& batch) {
  require_f32("store_kv", k);
  require_f32("store_kv", v);
  check_batch("store_kv", batch);
  check_cache_layer("store_kv", kv);
  if (k.cols() != kv.k.cols() || v.cols() != kv.v.cols() || k.rows() != batch.size() || v.rows() != batch.size())
    shape_error("store_kv", "K " + describe(k) + " / V " + describe(v) + " do not fit cache rows of " + std::to_string(kv.k.cols()) + " / " +
                                std::to_string(kv.v.cols()));
  check_cells("store_kv", kv);
  touch();
  const kern::KvCacheView cache = cache_view(kv);
  // Fusion: the pending rope rotated this K → it also stores K and V.
  if (auto* r = std::get_if<RopeOp>(&pending_)) {
    if (r->k == k.data && r->ldk == ld(k) && !r->cache.k) {
      r->v = fptr(v), r->ldv = ld(v), r->cache = cache;
      return;
    }
  }
  auto op = zeroed<RopeOp>();
  op.k = fptr(k), op.ldk = ld(k), op.v = fptr(v), op.ldv = ld(v), op.tokens = k.rows();
  op.positions = static_cast<const int32_t*>(batch_device_.get()) + batch_capacity_;
  op.slots = static_cast<const int32_t*>(batch_device_.get()) + 2 * batch_capacity_;
  op.cache = cache;
  record(&run_rope, op);
}

Tensor CudaStream::attention(const Tensor& q, const KvLayer& kv, const AttentionConfig& config, const ForwardBatch& batch) {
  require_f32("attention", q);
  check_batch("attention", batch);
  check_cache_layer("attention", kv);
  if (static_cast<int64_t>(config.n_head) * config.head_dim != q.cols() || q.rows() != batch.size())
    shape_error("attention", "Q " + describe(q) + " is not " + std::to_string(config.n_head) + " heads of " + std::to_string(config.head_dim) +
                                 " for " + std::to_string(batch.size()) + " tokens");
  if (static_cast<int64_t>(config.n_head_kv) * config.head_dim != kv.k.cols() || kv.k.cols() != kv.v.cols())
    shape_error("attention", "cache rows " + describe(kv.k) + " / " + describe(kv.v) + " do not hold " + std::to_string(config.n_head_kv) +
                                 " KV heads of " + std::to_string(config.head_dim));
  check_cells("attention", kv);
  const int64_t T = q.rows();
  Tensor out = scratch(TensorType::F32, q.cols(), T);
  const kern::AttentionPlan plan =
      kern::plan_attention(T, kv.cells_per_slot, config.n_head, config.n_head_kv, backend_.properties().multiProcessorCount);
  auto op = zeroed<AttentionOp>();
  kern::AttentionArgs& a = op.args;
  a.q = fptr(q), a.ldq = ld(q), a.out = fptr(out), a.ldo = ld(out), a.tokens = T;
  a.n_head = config.n_head, a.n_head_kv = config.n_head_kv, a.head_dim = config.head_dim, a.scale = config.scale;
  a.cache = cache_view(kv);
  a.positions = static_cast<const int32_t*>(batch_device_.get()) + batch_capacity_;
  a.slots = static_cast<const int32_t*>(batch_device_.get()) + 2 * batch_capacity_;
  a.n_chunks = plan.n_chunks, a.chunk_keys = plan.chunk_keys;
  const std::size_t ws = kern::attention_workspace_floats(T, config.n_head, config.head_dim, plan.n_chunks);
  if (ws) a.workspace = static_cast<float*>(arena_.allocate(ws * sizeof(float)));
  record(&run_attention, op);
  return out;
}

Tensor CudaStream::swiglu(const Tensor& gate, const Tensor& up) { return glu("swiglu", kern::GluKind::Silu, gate, up); }

Tensor CudaStream::gelu_glu(const Tensor& gate, const Tensor& up) { return glu("gelu_glu", kern::GluKind::GeluTanh, gate, up); }

// act(gate) ⊙ up, with the Q8_1 copy of the result for the next matmul fused in when the rows are
// whole blocks.
Tensor CudaStream::glu(const char* name, kern::GluKind kind, const Tensor& gate, const Tensor& up) {
  require_f32(name, gate);
  require_f32(name, up);
  require_same_shape(name, gate, up);
  Tensor out = scratch(TensorType::F32, gate.cols(), gate.rows());
  auto op = zeroed<GluOp>();
  op.kind = kind, op.gate = fptr(gate), op.ldg = ld(gate), op.up = fptr(up), op.ldu = ld(up);
  op.y = fptr(out), op.ldy = ld(out), op.cols = gate.cols(), op.rows = gate.rows();
  Q8Rows q;
  if (gate.cols() % 32 == 0) {
    q = q8_alloc(gate.cols(), gate.rows());
    op.qs = q.qs, op.ds = q.ds;
  }
  record(&run_glu, op);
  if (q.qs) remember_q8(out, q);
  return out;
}

Tensor CudaStream::keep_rows(const Tensor& x, std::span<const int32_t> rows) {
  require_f32("keep_rows", x);
  bool identity = true;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (rows[i] < 0 || rows[i] >= x.rows() || (i > 0 && rows[i] <= rows[i - 1]))
      shape_error("keep_rows", "row indices must be ascending and within " + describe(x));
    identity = identity && rows[i] == static_cast<int32_t>(i);
  }
  if (!identity) {
    touch();
    const int32_t* d_rows = device_rows(rows);
    auto op = zeroed<GatherOp>();
    op.x = fptr(x), op.ldx = ld(x), op.cols = x.cols(), op.rows = d_rows, op.n = static_cast<int64_t>(rows.size());
    record(&run_gather, op);
  }
  return x.row_range(0, static_cast<int64_t>(rows.size()));
}

}  // namespace hearth::engine::cuda
