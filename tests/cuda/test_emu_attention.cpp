// The attention kernels (kernels/cuda/attention_kernel.cuh) run in the CUDA emulator on the host:
// every launch path — 4/8/16/32 threads per key, two pieces per thread (head_dim 512), the
// generic kernel, split chunks with the merge kernel, one chunk writing directly, 16-byte and
// narrow loads, GQA groups split over blocks — against float64 attention over the dequantized
// cache. The same cases run on the GPU in test_cuda_attention.cpp; here they run without one.
#include "emu/cuda_emu.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include "cuda_test_util.h"
#include "kernels/cpu/ops.h"
#include "kernels/cuda/attention_kernel.cuh"

using hearth::gguf::TensorType;
namespace cu = hearth::cuda;
namespace emu = hearth::emu;

namespace {

struct Case {
  TensorType kv;
  int n_head, n_head_kv, head_dim;
  int n_chunks;        // 0: the backend's plan for an emulated GPU of 4 SMs
  int64_t chunk_keys;  // with n_chunks > 0
  std::size_t pad = 0;
};

void run(const Case& c, const std::vector<std::pair<int, int>>& queries, std::mt19937& rng) {
  const int64_t cells = 300, slots = 3, rows = cells * slots;
  const int64_t width = static_cast<int64_t>(c.n_head_kv) * c.head_dim, nq = static_cast<int64_t>(c.n_head) * c.head_dim;
  const std::size_t rb = hearth::gguf::row_bytes(c.kv, static_cast<uint64_t>(width)) + c.pad;
  std::vector<uint8_t> kc(rb * rows + 64), vc(rb * rows + 64);
  std::vector<float> k_rows(static_cast<std::size_t>(rows * width)), v_rows(k_rows.size());
  {
    auto kr = hearth::test::random_normal(k_rows.size(), rng), vr = hearth::test::random_normal(v_rows.size(), rng);
    for (int64_t r = 0; r < rows; ++r) {
      hearth::cpu::kv_store_row(c.kv, kr.data() + r * width, kc.data() + r * rb, width);
      hearth::cpu::kv_store_row(c.kv, vr.data() + r * width, vc.data() + r * rb, width);
      hearth::cpu::kv_load_row(c.kv, kc.data() + r * rb, k_rows.data() + r * width, width);
      hearth::cpu::kv_load_row(c.kv, vc.data() + r * rb, v_rows.data() + r * width, width);
    }
  }
  const int64_t T = static_cast<int64_t>(queries.size()), ldq = nq + 5, ldo = nq + 3;
  auto q = hearth::test::random_normal(static_cast<std::size_t>(T * ldq), rng);
  std::vector<int32_t> pos, slot;
  for (auto [s, p] : queries) slot.push_back(s), pos.push_back(p);
  std::vector<float> out(static_cast<std::size_t>(T * ldo), NAN);

  cu::AttentionArgs a;
  a.q = q.data(), a.ldq = ldq, a.out = out.data(), a.ldo = ldo, a.tokens = T;
  a.n_head = c.n_head, a.n_head_kv = c.n_head_kv, a.head_dim = c.head_dim, a.scale = 1.0f / std::sqrt(static_cast<float>(c.head_dim));
  // 16-byte aligned cache (vector allocations are), like cudaMalloc's.
  auto* k16 = reinterpret_cast<uint8_t*>((reinterpret_cast<uintptr_t>(kc.data()) + 15) / 16 * 16);
  auto* v16 = reinterpret_cast<uint8_t*>((reinterpret_cast<uintptr_t>(vc.data()) + 15) / 16 * 16);
  std::memmove(k16, kc.data(), rb * rows);
  std::memmove(v16, vc.data(), rb * rows);
  a.cache.k = k16, a.cache.v = v16, a.cache.type = c.kv, a.cache.row_stride = rb, a.cache.n_embd_k = width, a.cache.n_embd_v = width;
  a.cache.cells_per_slot = cells, a.cache.n_rows = rows;
  a.positions = pos.data(), a.slots = slot.data();
  if (c.n_chunks > 0) {
    a.n_chunks = c.n_chunks, a.chunk_keys = c.chunk_keys;
  } else {
    const cu::AttentionPlan plan = cu::plan_attention(T, cells, c.n_head, c.n_head_kv, 4);
    a.n_chunks = plan.n_chunks, a.chunk_keys = plan.chunk_keys;
  }
  std::vector<float> ws(cu::attention_workspace_floats(T, c.n_head, c.head_dim, a.n_chunks) + 4, NAN);
  a.workspace = reinterpret_cast<float*>((reinterpret_cast<uintptr_t>(ws.data()) + 15) / 16 * 16);
  cu::attn::dispatch(a, [&](auto kernel, dim3 grid, dim3 block, std::size_t smem, const cu::attn::Params& p) {
    emu::launch(kernel, grid, block, smem, p);
  });

  for (int64_t t = 0; t < T; ++t) {
    const int64_t first = static_cast<int64_t>(slot[static_cast<std::size_t>(t)]) * cells, n_kv = pos[static_cast<std::size_t>(t)] + 1;
    const auto want = hearth::test::attention_f64(q.data() + t * ldq, k_rows.data(), v_rows.data(), first, n_kv, c.n_head, c.n_head_kv,
                                                  c.head_dim, a.scale);
    double err2 = 0, ref2 = 0;
    for (int64_t i = 0; i < ldo; ++i) {
      const float got = out[static_cast<std::size_t>(t * ldo + i)];
      INFO(hearth::gguf::type_name(c.kv) << " heads " << c.n_head << "/" << c.n_head_kv << " hd " << c.head_dim << " chunks " << a.n_chunks
                                         << " pad " << c.pad << " token " << t << " (pos " << pos[static_cast<std::size_t>(t)] << ") element " << i);
      if (i >= nq) {
        REQUIRE(std::isnan(got));
        continue;
      }
      REQUIRE(std::isfinite(got));
      const double w = want[static_cast<std::size_t>(i)];
      err2 += (got - w) * (got - w), ref2 += w * w;
    }
    INFO(hearth::gguf::type_name(c.kv) << " heads " << c.n_head << "/" << c.n_head_kv << " hd " << c.head_dim << " chunks " << a.n_chunks
                                       << " token " << t << ": relative error vs f64 " << std::sqrt(err2 / ref2));
    CHECK(std::sqrt(err2 / ref2) < 2e-5);
  }
}

}  // namespace

TEST_CASE("emulated attention kernels: every launch path against float64", "[cuda][host][emu][attention]") {
  std::mt19937 rng(150);
  const std::vector<std::pair<int, int>> decode = {{0, 0}, {1, 40}, {2, 299}, {0, 161}};
  std::vector<std::pair<int, int>> prefill;
  for (int p = 30; p < 40; ++p) prefill.push_back({1, p});
  struct Geometry {
    int n_head, n_head_kv, head_dim;
  };
  const Geometry geometries[] = {{4, 4, 32}, {8, 2, 64}, {8, 2, 128}, {4, 1, 80}, {16, 2, 256}, {6, 3, 96}, {2, 1, 512}, {6, 2, 36}};
  for (TensorType kv : {TensorType::F32, TensorType::F16, TensorType::Q8_0}) {
    for (const Geometry& g : geometries) {
      if (kv == TensorType::Q8_0 && g.head_dim % 32 != 0) continue;
      run({kv, g.n_head, g.n_head_kv, g.head_dim, 0, 0}, decode, rng);     // the plan
      run({kv, g.n_head, g.n_head_kv, g.head_dim, 64, 16}, decode, rng);   // many small chunks
      run({kv, g.n_head, g.n_head_kv, g.head_dim, 1, 300}, decode, rng);   // one chunk, direct output
      if (g.head_dim == 128) run({kv, g.n_head, g.n_head_kv, g.head_dim, 0, 0}, prefill, rng);
      if (kv != TensorType::Q8_0 && g.head_dim == 64) run({kv, g.n_head, g.n_head_kv, g.head_dim, 0, 0, 8}, decode, rng);  // narrow loads
    }
  }
}
