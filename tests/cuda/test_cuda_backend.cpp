// The CUDA backend as the engine uses it:
//   * placement of weights (host-side, runs in CI);
//   * stream ops against the CPU stream on random weights, including the cases where the CUDA
//     stream fuses launches (residual add inside the GEMV, shared Q8_1 input, rope + cache store)
//     and decode steps replayed from a CUDA graph while positions advance.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <random>

#include "cuda_device.h"
#include "cuda_test_util.h"
#include "engine/backend_factory.h"
#include "engine/cuda/cuda_stream.h"
#include "engine/cuda/placement.h"
#include "kernels/cpu/quant.h"

using hearth::gguf::TensorType;
namespace eng = hearth::engine;
namespace ecu = hearth::engine::cuda;

TEST_CASE("placement offloads the last blocks that fit and explains what does not", "[cuda][host][placement]") {
  const uint64_t GiB = uint64_t{1} << 30;
  ecu::PlacementInput in;
  in.layer_bytes.assign(32, GiB / 4);  // 8 GiB of blocks
  in.global_bytes = GiB;
  in.reserve_bytes = 2 * GiB;
  in.free_bytes = 20 * GiB;
  auto p = ecu::plan_placement(in);
  CHECK(p.gpu_layers == 32);
  CHECK(p.first_gpu_layer == 0);
  CHECK(p.device_bytes == 9 * GiB);

  in.free_bytes = 5 * GiB;  // 2 GiB for blocks: 8 of them
  p = ecu::plan_placement(in);
  CHECK(p.gpu_layers == 8);
  CHECK(p.first_gpu_layer == 24);
  CHECK(p.on_gpu(31));
  CHECK(p.on_gpu(-1));
  CHECK_FALSE(p.on_gpu(23));

  in.requested_layers = 4;
  CHECK(ecu::plan_placement(in).gpu_layers == 4);
  in.requested_layers = 100;  // more than the model has → all of them, which does not fit
  try {
    ecu::plan_placement(in);
    FAIL("expected a PlacementError");
  } catch (const ecu::PlacementError& e) {
    const std::string what = e.what();
    INFO(what);
    CHECK(what.find("32 of 32 blocks") != std::string::npos);
    CHECK(what.find("11.00 GiB") != std::string::npos);  // 8 + 1 + 2
    CHECK(what.find("5.00 GiB") != std::string::npos);
    CHECK(what.find("at most 8 blocks") != std::string::npos);
  }
  in.requested_layers = -1;
  in.free_bytes = 2 * GiB;  // not even the embeddings and reserve
  CHECK_THROWS_AS(ecu::plan_placement(in), ecu::PlacementError);

  CHECK(ecu::tensor_layer("blk.12.attn_q.weight") == 12);
  CHECK(ecu::tensor_layer("token_embd.weight") == -1);
  CHECK(ecu::tensor_layer("blk.x.attn_q.weight") == -1);
}

namespace {

// A weight held on the host, bindable by any backend.
struct HostWeight {
  std::vector<uint8_t> bytes;
  hearth::gguf::TensorInfo info;
  HostWeight(const std::string& name, TensorType type, int64_t cols, int64_t rows, std::mt19937& rng) {
    if (type == TensorType::F32) {
      auto v = hearth::test::random_normal(static_cast<std::size_t>(cols * rows), rng, rows == 1 ? 1.f : 0.05f);
      if (rows == 1)
        for (float& x : v) x = 1.0f + 0.1f * x;  // norm-like
      bytes.resize(v.size() * 4);
      std::memcpy(bytes.data(), v.data(), bytes.size());
    } else {
      auto v = hearth::test::random_normal(static_cast<std::size_t>(cols * rows), rng, 0.05f);
      bytes.resize(hearth::gguf::row_bytes(type, static_cast<uint64_t>(cols)) * static_cast<std::size_t>(rows));
      const std::size_t rb = hearth::gguf::row_bytes(type, static_cast<uint64_t>(cols));
      for (int64_t r = 0; r < rows; ++r) hearth::cpu::quantize_row(type, v.data() + r * cols, bytes.data() + r * rb, cols);
    }
    info.name = name;
    info.type = type;
    info.n_dims = rows == 1 ? 1 : 2;
    info.ne = {static_cast<uint64_t>(cols), static_cast<uint64_t>(rows), 1, 1};
    info.n_elements = static_cast<uint64_t>(cols * rows);
    info.nbytes = bytes.size();
    info.data = bytes.data();
  }
};

struct Layer {
  eng::Tensor attn_norm, wq, wk, wv, wo, ffn_norm, gate, up, down, out_norm, output, embd;
};

struct Dims {
  int64_t n_embd = 256, n_head = 4, n_head_kv = 2, head_dim = 64, n_ff = 512, vocab = 300;
};

// One layer plus head of a llama-like model, written with Stream ops exactly as engine/arch does.
eng::Tensor forward(eng::Stream& s, const Layer& L, const Dims& d, const eng::KvLayer& kv, const eng::ForwardBatch& b, const eng::RopeConfig& rope,
                    const eng::AttentionConfig& attn, std::vector<float>* side_output) {
  eng::Tensor x = s.embed(L.embd, b);
  eng::Tensor n = s.rms_norm(x, L.attn_norm, 1e-5f);
  eng::Tensor q = s.matmul(L.wq, n);
  eng::Tensor k = s.matmul(L.wk, n);
  eng::Tensor v = s.matmul(L.wv, n);
  s.rope(q, static_cast<int>(d.n_head), rope, b);
  s.rope(k, static_cast<int>(d.n_head_kv), rope, b);
  s.store_kv(kv, k, v, b);
  eng::Tensor a = s.attention(q, kv, attn, b);
  eng::Tensor o = s.matmul(L.wo, a);
  s.add_to(x, o);  // fused into the Wo GEMV on the CUDA stream…
  if (side_output) {  // …but o itself must still hold the product
    side_output->resize(static_cast<std::size_t>(o.elements()));
    s.to_host(o, *side_output);
  }
  n = s.rms_norm(x, L.ffn_norm, 1e-5f);
  eng::Tensor h = s.swiglu(s.matmul(L.gate, n), s.matmul(L.up, n));
  s.add_to(x, s.matmul(L.down, h));
  if (!b.output_rows.empty()) x = s.keep_rows(x, b.output_rows);
  return s.matmul(L.output, s.rms_norm(x, L.out_norm, 1e-5f));
}

double rel_err(const std::vector<float>& a, const std::vector<float>& b) {
  double e = 0, r = 0;
  for (std::size_t i = 0; i < a.size(); ++i) e += (a[i] - b[i]) * (a[i] - b[i]), r += b[i] * b[i];
  return std::sqrt(e / std::max(r, 1e-30));
}

}  // namespace

TEST_CASE("CUDA stream follows the CPU stream through prefill and graph-replayed decode steps", "[cuda][device][backend][memcheck]") {
  SKIP_WITHOUT_CUDA_DEVICE();
  std::mt19937 rng(21);
  const Dims d;
  for (TensorType wtype : {TensorType::Q4_K, TensorType::Q8_0, TensorType::F16}) {
    for (TensorType kv_type : {TensorType::F32, TensorType::F16, TensorType::Q8_0}) {
      std::vector<std::unique_ptr<HostWeight>> w;
      auto add = [&](const char* name, TensorType t, int64_t cols, int64_t rows) {
        w.push_back(std::make_unique<HostWeight>(name, t, cols, rows, rng));
        return w.back().get();
      };
      HostWeight* embd = add("token_embd.weight", TensorType::Q6_K, d.n_embd, d.vocab);
      HostWeight* an = add("blk.0.attn_norm.weight", TensorType::F32, d.n_embd, 1);
      HostWeight* wq = add("blk.0.attn_q.weight", wtype, d.n_embd, d.n_head * d.head_dim);
      HostWeight* wk = add("blk.0.attn_k.weight", wtype, d.n_embd, d.n_head_kv * d.head_dim);
      HostWeight* wv = add("blk.0.attn_v.weight", TensorType::Q6_K, d.n_embd, d.n_head_kv * d.head_dim);
      HostWeight* wo = add("blk.0.attn_output.weight", wtype, d.n_head * d.head_dim, d.n_embd);
      HostWeight* fn = add("blk.0.ffn_norm.weight", TensorType::F32, d.n_embd, 1);
      HostWeight* wg = add("blk.0.ffn_gate.weight", wtype, d.n_embd, d.n_ff);
      HostWeight* wu = add("blk.0.ffn_up.weight", wtype, d.n_embd, d.n_ff);
      HostWeight* wd = add("blk.0.ffn_down.weight", wtype, d.n_ff, d.n_embd);
      HostWeight* on = add("output_norm.weight", TensorType::F32, d.n_embd, 1);
      HostWeight* out = add("output.weight", TensorType::Q6_K, d.n_embd, d.vocab);

      auto cpu_backend = eng::make_backend({.kind = eng::BackendKind::Cpu});
      auto cuda_backend = eng::make_backend({.kind = eng::BackendKind::Cuda});
      auto bind = [&](eng::Backend& be) {
        Layer L;
        L.embd = be.bind_weight(embd->info), L.attn_norm = be.bind_weight(an->info), L.wq = be.bind_weight(wq->info);
        L.wk = be.bind_weight(wk->info), L.wv = be.bind_weight(wv->info), L.wo = be.bind_weight(wo->info);
        L.ffn_norm = be.bind_weight(fn->info), L.gate = be.bind_weight(wg->info), L.up = be.bind_weight(wu->info);
        L.down = be.bind_weight(wd->info), L.out_norm = be.bind_weight(on->info), L.output = be.bind_weight(out->info);
        return L;
      };
      const Layer Lc = bind(*cpu_backend), Lg = bind(*cuda_backend);
      const int64_t cells = 64, n_slots = 2, width = d.n_head_kv * d.head_dim;
      const std::size_t kv_bytes = hearth::gguf::row_bytes(kv_type, static_cast<uint64_t>(width)) * static_cast<std::size_t>(cells * n_slots);
      auto make_kv = [&](eng::Backend& be, std::vector<std::unique_ptr<eng::Buffer>>& keep) {
        keep.push_back(be.allocate(kv_bytes));
        keep.push_back(be.allocate(kv_bytes));
        eng::KvLayer kv;
        kv.k = eng::make_tensor(kv_type, width, cells * n_slots, keep[0]->data());
        kv.v = eng::make_tensor(kv_type, width, cells * n_slots, keep[1]->data());
        kv.cells_per_slot = cells;
        return kv;
      };
      std::vector<std::unique_ptr<eng::Buffer>> keep_c, keep_g;
      const eng::KvLayer kvc = make_kv(*cpu_backend, keep_c), kvg = make_kv(*cuda_backend, keep_g);
      eng::RopeConfig rope;
      rope.mode = eng::RopeMode::Normal, rope.n_rot = static_cast<int>(d.head_dim), rope.head_dim = static_cast<int>(d.head_dim);
      eng::AttentionConfig attn{static_cast<int>(d.n_head), static_cast<int>(d.n_head_kv), static_cast<int>(d.head_dim),
                                1.0f / std::sqrt(static_cast<float>(d.head_dim))};
      auto sc = cpu_backend->create_stream({.n_threads = 2});
      auto sg = cuda_backend->create_stream({});

      // Prefill 12 tokens in slot 0 and 7 in slot 1 as one batch, then 6 single-token steps
      // alternating between a one-sequence and a two-sequence batch.
      std::vector<int32_t> len = {0, 0};
      std::uniform_int_distribution<int32_t> tok(0, static_cast<int32_t>(d.vocab - 1));
      auto step = [&](const std::vector<int>& slots_of, const std::vector<int>& counts, const char* what) {
        std::vector<int32_t> tokens, positions, slots, rows;
        for (std::size_t i = 0; i < slots_of.size(); ++i)
          for (int j = 0; j < counts[i]; ++j) {
            tokens.push_back(tok(rng));
            positions.push_back(len[static_cast<std::size_t>(slots_of[i])]++);
            slots.push_back(slots_of[i]);
            if (j + 1 == counts[i]) rows.push_back(static_cast<int32_t>(tokens.size() - 1));
          }
        const eng::ForwardBatch b{tokens, positions, slots, rows};
        std::vector<float> oc, og, side_c, side_g;
        for (auto* pair : {&sc, &sg}) {
          eng::Stream& s = **pair;
          const bool gpu = pair == &sg;
          s.scratch_release(0);
          s.begin_batch(b);
          eng::Tensor logits = forward(s, gpu ? Lg : Lc, d, gpu ? kvg : kvc, b, rope, attn, gpu ? &side_g : &side_c);
          std::vector<float>& o = gpu ? og : oc;
          o.resize(static_cast<std::size_t>(logits.elements()));
          s.to_host(logits, o);
          s.synchronize();
        }
        INFO(hearth::gguf::type_name(wtype) << " weights, " << hearth::gguf::type_name(kv_type) << " cache, " << what << ": logits error "
                                            << rel_err(og, oc) << ", Wo product error " << rel_err(side_g, side_c));
        CHECK(rel_err(side_g, side_c) < 5e-2);
        CHECK(rel_err(og, oc) < 5e-2);
      };
      step({0, 1}, {12, 7}, "prefill of two sequences");
      for (int i = 0; i < 6; ++i) step(i % 2 ? std::vector<int>{0, 1} : std::vector<int>{1}, i % 2 ? std::vector<int>{1, 1} : std::vector<int>{1},
                                       "decode step");
      // Cached rows agree too (K after RoPE).
      std::vector<float> rc(static_cast<std::size_t>(width)), rg(rc.size());
      for (int cell : {0, 5, 11}) {
        sc->kv_read_row(kvc, false, 0, cell, rc);
        sg->kv_read_row(kvg, false, 0, cell, rg);
        INFO("cached K row " << cell << " error " << rel_err(rg, rc));
        CHECK(rel_err(rg, rc) < 5e-2);
      }
      const auto& stats = dynamic_cast<ecu::CudaStream&>(*sg).stats();
      INFO("graph replays " << stats.replays << ", captures " << stats.captures << ", updates " << stats.updates);
      CHECK(stats.replays + stats.updates >= 2);  // the 1- and 2-sequence decode steps repeat
    }
  }
}

TEST_CASE("the CUDA backend reports a missing device or an impossible placement clearly", "[cuda][device][backend]") {
  SKIP_WITHOUT_CUDA_DEVICE();
  CHECK_THROWS_AS(eng::make_backend({.kind = eng::BackendKind::Cuda, .device = 999}), eng::BackendUnavailable);
}
