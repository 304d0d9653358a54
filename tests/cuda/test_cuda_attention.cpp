// Device tests of split-K attention over the KV cache: GQA groups of 1–16, head sizes 32–256,
// F32/F16/Q8_0 caches, several sequences of different lengths in different slots, one or many
// chunks. Checked against a float64 attention over the dequantized cache (tight) and against the
// CPU kernel (which rounds Q and the softmax weights like llama.cpp; looser).
#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include "cuda_device.h"
#include "cuda_test_util.h"
#include "kernels/cpu/ops.h"
#include "kernels/cuda/attention_math.h"
#include "kernels/cuda/cuda_kernels.h"

using hearth::gguf::TensorType;
using hearth::test::DeviceBuffer;
namespace cu = hearth::cuda;
namespace cpu = hearth::cpu;

namespace {

struct Geometry {
  int n_head, n_head_kv, head_dim;
};

int device_sm_count() {
  cudaDeviceProp prop{};
  HEARTH_CUDA_CHECK(cudaGetDeviceProperties(&prop, 0));
  return prop.multiProcessorCount;
}

// chunk_keys > 0: that many keys per chunk when a sequence fills its slot; 0: the backend's plan.
// pad: bytes between cache rows (a stride that is not a multiple of 16 takes the narrow loads).
void run(TensorType kv_type, const Geometry& g, const std::vector<std::pair<int, int>>& queries, int64_t chunk_keys, std::mt19937& rng,
         std::size_t pad = 0) {
  const int64_t cells = 700, slots = 3, rows = cells * slots;
  const int64_t width = static_cast<int64_t>(g.n_head_kv) * g.head_dim, nq = static_cast<int64_t>(g.n_head) * g.head_dim;
  const std::size_t rb = hearth::gguf::row_bytes(kv_type, static_cast<uint64_t>(width)) + pad;
  // Cache contents: random rows stored as the cache type; the reference reads them back.
  std::vector<uint8_t> kc(rb * rows), vc(rb * rows);
  std::vector<float> k_rows(static_cast<std::size_t>(rows * width)), v_rows(k_rows.size());
  {
    auto kr = hearth::test::random_normal(k_rows.size(), rng), vr = hearth::test::random_normal(v_rows.size(), rng);
    for (int64_t r = 0; r < rows; ++r) {
      cpu::kv_store_row(kv_type, kr.data() + r * width, kc.data() + r * rb, width);
      cpu::kv_store_row(kv_type, vr.data() + r * width, vc.data() + r * rb, width);
      cpu::kv_load_row(kv_type, kc.data() + r * rb, k_rows.data() + r * width, width);
      cpu::kv_load_row(kv_type, vc.data() + r * rb, v_rows.data() + r * width, width);
    }
  }
  const int64_t T = static_cast<int64_t>(queries.size()), ldq = nq + 5, ldo = nq + 3;
  auto q = hearth::test::random_normal(static_cast<std::size_t>(T * ldq), rng);
  std::vector<int32_t> pos, slot;
  for (auto [s, p] : queries) slot.push_back(s), pos.push_back(p);
  DeviceBuffer<uint8_t> d_k(kc), d_v(vc);
  DeviceBuffer<float> d_q(q), d_out(static_cast<std::size_t>(T * ldo));
  DeviceBuffer<int32_t> d_pos(pos), d_slot(slot);

  cu::AttentionArgs a;
  a.q = d_q.get(), a.ldq = ldq, a.out = d_out.get(), a.ldo = ldo, a.tokens = T;
  a.n_head = g.n_head, a.n_head_kv = g.n_head_kv, a.head_dim = g.head_dim, a.scale = 1.0f / std::sqrt(static_cast<float>(g.head_dim));
  a.cache.k = d_k.get(), a.cache.v = d_v.get(), a.cache.type = kv_type, a.cache.row_stride = rb, a.cache.n_embd_k = width, a.cache.n_embd_v = width;
  a.cache.cells_per_slot = cells, a.cache.n_rows = rows;
  a.positions = d_pos.get(), a.slots = d_slot.get();
  if (chunk_keys > 0) {
    a.chunk_keys = chunk_keys;
    a.n_chunks = static_cast<int>((cells + chunk_keys - 1) / chunk_keys);
  } else {
    const cu::AttentionPlan plan = cu::plan_attention(T, cells, g.n_head, g.n_head_kv, device_sm_count());
    a.chunk_keys = plan.chunk_keys, a.n_chunks = plan.n_chunks;
  }
  DeviceBuffer<float> d_ws(std::max<std::size_t>(1, cu::attention_workspace_floats(T, g.n_head, g.head_dim, a.n_chunks)));
  a.workspace = d_ws.get();
  cu::attention(a, nullptr);
  const auto out = d_out.download();

  cpu::AttentionShape shape;
  shape.n_head = g.n_head, shape.n_head_kv = g.n_head_kv, shape.head_dim = g.head_dim, shape.scale = a.scale, shape.kv_type = kv_type;
  shape.kv_row_bytes = rb;
  const double cpu_tol = kv_type == TensorType::F32 ? 1e-4 : (kv_type == TensorType::F16 ? 5e-3 : 3e-2);
  for (int64_t t = 0; t < T; ++t) {
    const int64_t first = static_cast<int64_t>(slot[static_cast<std::size_t>(t)]) * cells, n_kv = pos[static_cast<std::size_t>(t)] + 1;
    const auto want = hearth::test::attention_f64(q.data() + t * ldq, k_rows.data(), v_rows.data(), first, n_kv, g.n_head, g.n_head_kv, g.head_dim, a.scale);
    std::vector<float> cpu_out(static_cast<std::size_t>(nq));
    cpu::AttentionQuery cq;
    cq.q = q.data() + t * ldq, cq.out = cpu_out.data(), cq.k = kc.data() + first * rb, cq.v = vc.data() + first * rb, cq.n_kv = n_kv;
    cpu::reference::attention(shape, std::span<const cpu::AttentionQuery>(&cq, 1));
    double err2 = 0, cerr2 = 0, ref2 = 0;
    for (int64_t i = 0; i < ldo; ++i) {
      const float got = out[static_cast<std::size_t>(t * ldo + i)];
      INFO(hearth::gguf::type_name(kv_type) << " heads " << g.n_head << "/" << g.n_head_kv << " hd " << g.head_dim << " chunks " << a.n_chunks
                                            << " token " << t << " (slot " << slot[static_cast<std::size_t>(t)] << ", pos "
                                            << pos[static_cast<std::size_t>(t)] << ") element " << i);
      if (i >= nq) {
        REQUIRE(std::isnan(got));
        continue;
      }
      REQUIRE(std::isfinite(got));
      const double w = want[static_cast<std::size_t>(i)];
      err2 += (got - w) * (got - w), ref2 += w * w;
      cerr2 += (got - cpu_out[static_cast<std::size_t>(i)]) * (got - cpu_out[static_cast<std::size_t>(i)]);
    }
    INFO(hearth::gguf::type_name(kv_type) << " heads " << g.n_head << "/" << g.n_head_kv << " hd " << g.head_dim << " chunks " << a.n_chunks
                                          << " token " << t << ": relative error vs f64 " << std::sqrt(err2 / ref2) << ", vs CPU kernel "
                                          << std::sqrt(cerr2 / ref2));
    CHECK(std::sqrt(err2 / ref2) < 2e-5);
    CHECK(std::sqrt(cerr2 / ref2) < cpu_tol);
  }
}

}  // namespace

TEST_CASE("attention: GQA, cache types, sequences of different lengths, chunking", "[cuda][device][attention][memcheck]") {
  SKIP_WITHOUT_CUDA_DEVICE();
  std::mt19937 rng(15);
  const std::vector<std::pair<int, int>> decode = {{0, 0}, {1, 255}, {1, 256}, {2, 699}, {0, 511}, {2, 63}};
  std::vector<std::pair<int, int>> prefill;  // 24 consecutive positions of one slot
  for (int p = 100; p < 124; ++p) prefill.push_back({1, p});
  // Head sizes: 8-element pieces of 4, 8, 16 and 32 threads per key, 512 (two pieces per thread),
  // and 36 (not a multiple of 8: the generic kernel). GQA groups of 1–16 (more than 4 query heads
  // per KV head take several blocks).
  const Geometry geometries[] = {{8, 8, 32}, {8, 2, 64}, {32, 8, 128}, {4, 1, 80}, {16, 1, 256}, {6, 3, 96}, {4, 2, 512}, {6, 2, 36}};
  for (TensorType kv : {TensorType::F32, TensorType::F16, TensorType::Q8_0}) {
    for (const Geometry& g : geometries) {
      if (kv == TensorType::Q8_0 && g.head_dim % 32 != 0) continue;
      run(kv, g, decode, 0, rng);      // the backend's plan (several chunks for 700 cells)
      run(kv, g, decode, 64, rng);     // many small chunks, most of them past the sequences
      run(kv, g, decode, 700, rng);    // one chunk, direct output
      run(kv, g, prefill, 0, rng);
      if (kv != TensorType::Q8_0) run(kv, g, decode, 0, rng, 8);  // rows not 16-byte aligned
    }
  }
}

TEST_CASE("attention plan and key split: fixed chunk count, every key in exactly one chunk", "[cuda][host][attention]") {
  // The plan depends on shapes only (a graph captured at one position replays at the next).
  const auto a = cu::plan_attention(1, 4096, 32, 8, 132), b = cu::plan_attention(1, 4096, 32, 8, 132);
  CHECK(a.n_chunks == b.n_chunks);
  CHECK(a.n_chunks == cu::kAttentionMaxChunks);  // 8 KV heads × 64 chunks = 512 ≈ 4 blocks per SM
  CHECK(a.n_chunks * 8 >= 2 * 132);
  CHECK(cu::plan_attention(512, 4096, 32, 8, 132).n_chunks == 1);  // prefill: 4096 blocks already
  CHECK(cu::plan_attention(8, 4096, 32, 8, 132).n_chunks == 9);    // ⌈528 / 64⌉
  CHECK(cu::plan_attention(1, 40, 32, 8, 132).n_chunks == 2);      // never pieces under 32 keys of a full slot
  CHECK(cu::plan_attention(1, 4096, 16, 1, 132).n_chunks == 64);   // 16 query heads: 4 blocks per KV head and chunk
  CHECK(cu::plan_attention(1, 4096, 16, 1, 16).n_chunks == 16);
  // Every length splits into consecutive chunks that cover [0, n_kv) exactly once.
  for (int n_chunks : {1, 2, 7, 64, 256})
    for (int64_t min_keys : {1, 16, 32, 700})
      for (int64_t n_kv = 1; n_kv <= 5000; n_kv += (n_kv < 300 ? 1 : 37)) {
        const auto s = hearth::cuda::attn::split_keys(n_kv, n_chunks, min_keys);
        INFO("n_kv " << n_kv << " chunks " << n_chunks << " min " << min_keys);
        REQUIRE(s.n_used >= 1);
        REQUIRE(s.n_used <= n_chunks);
        REQUIRE(s.keys_per_chunk >= min_keys);
        REQUIRE(s.keys_per_chunk % 16 == 0);
        REQUIRE(static_cast<int64_t>(s.n_used - 1) * s.keys_per_chunk < n_kv);  // the last chunk is not empty
        REQUIRE(static_cast<int64_t>(s.n_used) * s.keys_per_chunk >= n_kv);      // and the chunks reach the end
      }
}
