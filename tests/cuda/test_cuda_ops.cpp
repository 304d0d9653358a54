// Device tests of the non-GEMV kernels against the CPU kernels (kernels/cpu) or double-precision
// references: RMSNorm (+ fused Q8_1), element-wise ops, dequantization (bit-exact), RoPE with the
// KV-cache write (bit-exact cache bytes), the context-shift rotation, top-k log-softmax and the
// cuBLAS prefill GEMM. Every output buffer starts poisoned with NaN.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "cuda_device.h"
#include "cuda_test_util.h"
#include "kernels/common/half.h"
#include "kernels/cpu/ops.h"
#include "kernels/cpu/quant.h"
#include "kernels/cuda/cublas_gemm.h"
#include "kernels/cuda/cuda_kernels.h"

using hearth::gguf::TensorType;
using hearth::test::DeviceBuffer;
namespace cu = hearth::cuda;
namespace cpu = hearth::cpu;

namespace {

double rel_diff(double a, double b, double scale) { return std::fabs(a - b) / std::max(scale, 1e-30); }

}  // namespace

TEST_CASE("rms_norm matches the CPU reference, with and without the fused Q8_1 output", "[cuda][device][ops]") {
  SKIP_WITHOUT_CUDA_DEVICE();
  std::mt19937 rng(3);
  for (int64_t cols : {32, 256, 2048, 4096 + 32}) {
    for (bool weighted : {true, false}) {
      const int64_t rows = 5, ld = cols + 8;
      auto x = hearth::test::random_normal(static_cast<std::size_t>(rows * ld), rng, 3.f);
      auto w = hearth::test::random_normal(static_cast<std::size_t>(cols), rng);
      DeviceBuffer<float> d_x(x), d_w(w), d_y(static_cast<std::size_t>(rows * ld));
      DeviceBuffer<int8_t> d_qs(static_cast<std::size_t>(rows * cols));
      DeviceBuffer<float> d_ds(static_cast<std::size_t>(rows * cols / 16));
      for (bool fused : {false, true}) {
        d_y.poison();
        cu::rms_norm(d_x.get(), ld, weighted ? d_w.get() : nullptr, d_y.get(), ld, cols, rows, 1e-5f, fused ? d_qs.get() : nullptr,
                     fused ? d_ds.get() : nullptr, nullptr);
        const auto y = d_y.download();
        std::vector<float> want(static_cast<std::size_t>(cols));
        for (int64_t r = 0; r < rows; ++r) {
          cpu::reference::rms_norm(x.data() + r * ld, weighted ? w.data() : nullptr, want.data(), cols, 1e-5f);
          for (int64_t c = 0; c < ld; ++c) {
            const float got = y[static_cast<std::size_t>(r * ld + c)];
            if (c >= cols) {
              REQUIRE(std::isnan(got));
              continue;
            }
            INFO("cols " << cols << " row " << r << " col " << c);
            REQUIRE(rel_diff(got, want[static_cast<std::size_t>(c)], std::fabs(want[static_cast<std::size_t>(c)]) + 1e-3) < 2e-6);
          }
        }
        if (fused) {
          // The fused quantization of the kernel's own output equals quantize_q8_1 of that output.
          std::vector<float> dense(static_cast<std::size_t>(rows * cols));
          for (int64_t r = 0; r < rows; ++r)
            std::copy_n(y.begin() + r * ld, cols, dense.begin() + r * cols);
          const auto host = hearth::test::quantize_q8_1_host(dense.data(), cols, cols, rows);
          const auto qs = d_qs.download();
          const auto ds = d_ds.download();
          for (std::size_t i = 0; i < qs.size(); ++i) REQUIRE(qs[i] == host.qs[i]);
          for (std::size_t i = 0; i < ds.size(); i += 2) {
            REQUIRE(ds[i] == host.ds[i]);
            REQUIRE(std::fabs(ds[i + 1] - host.ds[i + 1]) <= 1e-4 * (1 + std::fabs(host.ds[i + 1])));
          }
        }
      }
    }
  }
}

TEST_CASE("add, bias, SwiGLU and GeGLU match the CPU kernels", "[cuda][device][ops]") {
  SKIP_WITHOUT_CUDA_DEVICE();
  std::mt19937 rng(4);
  const int64_t cols = 1000, rows = 3, ld = 1003;
  const std::size_t n = static_cast<std::size_t>(rows * ld);
  auto a = hearth::test::random_normal(n, rng, 4.f), b = hearth::test::random_normal(n, rng, 4.f);
  auto bias = hearth::test::random_normal(static_cast<std::size_t>(cols), rng);
  DeviceBuffer<float> d_a(a), d_b(b), d_bias(bias), d_y(n);
  auto check = [&](const char* what, auto reference, double tol) {
    const auto y = d_y.download();
    std::vector<float> want(static_cast<std::size_t>(cols));
    for (int64_t r = 0; r < rows; ++r) {
      reference(r, want.data());
      for (int64_t c = 0; c < ld; ++c) {
        const float got = y[static_cast<std::size_t>(r * ld + c)];
        INFO(what << " row " << r << " col " << c);
        if (c >= cols) REQUIRE(std::isnan(got));
        else REQUIRE(rel_diff(got, want[static_cast<std::size_t>(c)], std::fabs(want[static_cast<std::size_t>(c)]) + 1e-6) <= tol);
      }
    }
  };
  cu::add(d_a.get(), ld, d_b.get(), ld, d_y.get(), ld, cols, rows, nullptr);
  check("add", [&](int64_t r, float* out) { cpu::reference::add(a.data() + r * ld, b.data() + r * ld, out, cols); }, 0.0);
  d_y.poison();
  cu::glu(cu::GluKind::Silu, d_a.get(), ld, d_b.get(), ld, d_y.get(), ld, cols, rows, nullptr, nullptr, nullptr);
  check("swiglu", [&](int64_t r, float* out) { cpu::reference::swiglu(a.data() + r * ld, b.data() + r * ld, out, cols); }, 4e-6);
  d_y.poison();
  cu::glu(cu::GluKind::GeluTanh, d_a.get(), ld, d_b.get(), ld, d_y.get(), ld, cols, rows, nullptr, nullptr, nullptr);
  check("gelu_glu", [&](int64_t r, float* out) { cpu::reference::gelu_glu(a.data() + r * ld, b.data() + r * ld, out, cols); }, 4e-6);
  // SwiGLU with the fused Q8_1 output (960 columns: a multiple of 32).
  {
    const int64_t c32 = 960;
    DeviceBuffer<int8_t> d_qs(static_cast<std::size_t>(rows * c32));
    DeviceBuffer<float> d_ds(static_cast<std::size_t>(rows * c32 / 16));
    d_y.poison();
    cu::glu(cu::GluKind::Silu, d_a.get(), ld, d_b.get(), ld, d_y.get(), c32, c32, rows, d_qs.get(), d_ds.get(), nullptr);
    const auto y = d_y.download();
    const auto host = hearth::test::quantize_q8_1_host(y.data(), c32, c32, rows);
    const auto qs = d_qs.download();
    const auto ds = d_ds.download();
    for (std::size_t i = 0; i < qs.size(); ++i) REQUIRE(qs[i] == host.qs[i]);
    for (std::size_t i = 0; i < ds.size(); i += 2) {
      REQUIRE(ds[i] == host.ds[i]);
      REQUIRE(std::fabs(ds[i + 1] - host.ds[i + 1]) <= 1e-4 * (1 + std::fabs(host.ds[i + 1])));
    }
  }
  // In place: y = a, then y += bias.
  d_y.upload(a);
  cu::add_bias(d_y.get(), ld, d_bias.get(), cols, rows, nullptr);
  const auto y = d_y.download();
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c)
      REQUIRE(y[static_cast<std::size_t>(r * ld + c)] == a[static_cast<std::size_t>(r * ld + c)] + bias[static_cast<std::size_t>(c)]);
}

TEST_CASE("conversions, row gathering, copy and fill", "[cuda][device][ops]") {
  SKIP_WITHOUT_CUDA_DEVICE();
  std::mt19937 rng(8);
  const int64_t cols = 333, rows = 6, ld = 340;
  auto x = hearth::test::random_normal(static_cast<std::size_t>(rows * ld), rng, 1000.f);
  x[5] = 1e-8f, x[6] = 70000.f, x[7] = -0.0f;  // subnormal, overflow and signed zero cases for f16
  DeviceBuffer<float> d_x(x);
  DeviceBuffer<uint16_t> d_h(static_cast<std::size_t>(rows * cols));
  for (bool bf16 : {false, true}) {
    d_h.poison();
    if (bf16) cu::convert_f32_to_bf16(d_x.get(), ld, cols, rows, d_h.get(), cols, nullptr);
    else cu::convert_f32_to_f16(d_x.get(), ld, cols, rows, d_h.get(), cols, nullptr);
    const auto h = d_h.download();
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c) {
        const float v = x[static_cast<std::size_t>(r * ld + c)];
        const uint16_t want = bf16 ? hearth::quant::fp32_to_bf16(v) : hearth::quant::fp32_to_fp16(v);
        INFO((bf16 ? "bf16" : "f16") << " of " << v);
        REQUIRE(h[static_cast<std::size_t>(r * cols + c)] == want);
      }
  }
  // keep_rows: rows {1, 2, 5} move to 0, 1, 2 (row 1 is both a destination and a source).
  const std::vector<int32_t> keep = {1, 2, 5};
  DeviceBuffer<int32_t> d_keep(keep);
  cu::gather_rows_in_place(d_x.get(), ld, cols, d_keep.get(), 3, nullptr);
  const auto g = d_x.download();
  for (int64_t i = 0; i < 3; ++i)
    for (int64_t c = 0; c < ld; ++c) {
      const float want = c < cols ? x[static_cast<std::size_t>(keep[static_cast<std::size_t>(i)] * ld + c)] : x[static_cast<std::size_t>(i * ld + c)];
      REQUIRE(g[static_cast<std::size_t>(i * ld + c)] == want);
    }
  DeviceBuffer<float> d_copy(x.size());
  d_x.upload(x);
  cu::copy_bytes(d_copy.get(), d_x.get(), (x.size() / 4) * 16, nullptr);
  const auto copied = d_copy.download();
  for (std::size_t i = 0; i < x.size(); ++i) REQUIRE((i < (x.size() / 4) * 4 ? copied[i] == x[i] : std::isnan(copied[i])));
  cu::fill_f32(d_copy.get(), 100, 2.5f, nullptr);
  const auto filled = d_copy.download();
  for (std::size_t i = 0; i < 100; ++i) REQUIRE(filled[i] == 2.5f);
}

TEST_CASE("dequantization is bit-exact with the CPU, embedding lookup by row ids", "[cuda][device][ops][memcheck]") {
  SKIP_WITHOUT_CUDA_DEVICE();
  std::mt19937 rng(9);
  for (TensorType type : hearth::test::cuda_weight_types()) {
    const int64_t block = hearth::gguf::traits(type).block_size;
    const int64_t cols = block == 256 ? 256 * 9 : (block == 32 ? 32 * 37 : 301), rows = 40;
    const std::size_t rb = hearth::gguf::row_bytes(type, static_cast<uint64_t>(cols));
    const auto w = hearth::test::random_weights(type, rows, cols, rng);
    DeviceBuffer<uint8_t> d_w(w);
    const std::vector<int32_t> ids = {39, 0, 7, 7, 22};
    DeviceBuffer<int32_t> d_ids(ids);
    const int64_t ld = cols + 5;
    DeviceBuffer<float> d_y(static_cast<std::size_t>(ids.size() * ld));
    cu::dequantize_rows_f32(type, d_w.get(), rb, cols, static_cast<int64_t>(ids.size()), d_ids.get(), d_y.get(), ld, nullptr);
    const auto y = d_y.download();
    std::vector<float> want(static_cast<std::size_t>(cols));
    for (std::size_t r = 0; r < ids.size(); ++r) {
      cpu::dequantize_row(type, w.data() + static_cast<std::size_t>(ids[r]) * rb, want.data(), cols);
      for (int64_t c = 0; c < ld; ++c) {
        const float got = y[r * static_cast<std::size_t>(ld) + static_cast<std::size_t>(c)];
        INFO(hearth::gguf::type_name(type) << " row " << ids[r] << " col " << c);
        if (c >= cols) REQUIRE(std::isnan(got));
        else REQUIRE(hearth::quant::float_to_bits(got) == hearth::quant::float_to_bits(want[static_cast<std::size_t>(c)]));
      }
    }
    // To f16 for the GEMM path: every row, round to nearest even.
    DeviceBuffer<uint16_t> d_h(static_cast<std::size_t>(rows * cols));
    cu::dequantize_rows_f16(type, d_w.get(), rb, cols, rows, d_h.get(), cols, nullptr);
    const auto h = d_h.download();
    for (int64_t r = 0; r < rows; ++r) {
      cpu::dequantize_row(type, w.data() + static_cast<std::size_t>(r) * rb, want.data(), cols);
      for (int64_t c = 0; c < cols; ++c) {
        INFO(hearth::gguf::type_name(type) << " f16 row " << r << " col " << c);
        REQUIRE(h[static_cast<std::size_t>(r * cols + c)] == hearth::quant::fp32_to_fp16(want[static_cast<std::size_t>(c)]));
      }
    }
  }
}

TEST_CASE("top-k log-probabilities match a host sort", "[cuda][device][ops][memcheck]") {
  SKIP_WITHOUT_CUDA_DEVICE();
  std::mt19937 rng(10);
  for (int64_t vocab : {7, 1000, 128256}) {
    for (int k : {1, 10, 64}) {
      const int64_t rows = 3, ld = vocab + 1;
      auto logits = hearth::test::random_normal(static_cast<std::size_t>(rows * ld), rng, 5.f);
      // Ties, −∞ and NaN entries.
      logits[3] = logits[4] = 20.f;
      logits[static_cast<std::size_t>(ld + 1)] = -INFINITY;
      if (vocab > 10) logits[static_cast<std::size_t>(2 * ld + 9)] = NAN;
      DeviceBuffer<float> d_logits(logits), d_lp(static_cast<std::size_t>(rows * k)), d_lse(static_cast<std::size_t>(rows));
      DeviceBuffer<int32_t> d_ids(static_cast<std::size_t>(rows * k));
      cu::top_k_logprobs(d_logits.get(), ld, vocab, rows, k, d_ids.get(), d_lp.get(), d_lse.get(), nullptr);
      const auto ids = d_ids.download();
      const auto lp = d_lp.download();
      const auto lse = d_lse.download();
      for (int64_t r = 0; r < rows; ++r) {
        const float* x = logits.data() + r * ld;
        std::vector<int32_t> order;
        double mx = -INFINITY;
        for (int32_t i = 0; i < vocab; ++i)
          if (!std::isnan(x[i])) order.push_back(i), mx = std::max<double>(mx, x[i]);
        std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return x[a] > x[b]; });
        double se = 0;
        for (int32_t i = 0; i < vocab; ++i)
          if (!std::isnan(x[i])) se += std::exp(static_cast<double>(x[i]) - mx);
        if (r != 2 || vocab <= 10) REQUIRE(std::fabs(lse[static_cast<std::size_t>(r)] - (mx + std::log(se))) < 1e-4);
        for (int j = 0; j < k; ++j) {
          const std::size_t at = static_cast<std::size_t>(r * k + j);
          INFO("vocab " << vocab << " k " << k << " row " << r << " rank " << j);
          if (j >= static_cast<int>(order.size())) {
            REQUIRE(ids[at] == -1);
            continue;
          }
          REQUIRE(ids[at] == order[static_cast<std::size_t>(j)]);
          if (std::isfinite(x[ids[at]])) REQUIRE(std::fabs(lp[at] - (x[ids[at]] - lse[static_cast<std::size_t>(r)])) < 1e-5);
        }
      }
    }
  }
}

TEST_CASE("RoPE with the KV-cache write: CPU rotation, bit-exact cache rows", "[cuda][device][ops][rope][memcheck]") {
  SKIP_WITHOUT_CUDA_DEVICE();
  std::mt19937 rng(12);
  struct Setup {
    int neox, head_dim, n_rot, n_head, n_head_kv;
    bool freq_factors, yarn;
  };
  const Setup setups[] = {{0, 64, 64, 4, 2, false, false}, {1, 128, 128, 8, 2, true, false}, {1, 64, 32, 2, 1, false, true},
                          {0, 32, 32, 8, 8, true, false}};
  for (TensorType kv_type : {TensorType::F32, TensorType::F16, TensorType::Q8_0}) {
    for (const Setup& s : setups) {
      const int64_t T = 5, cells = 4000, slots = 2;
      const int64_t nq = static_cast<int64_t>(s.n_head) * s.head_dim, nk = static_cast<int64_t>(s.n_head_kv) * s.head_dim;
      const int64_t ldq = nq + 3, ldk = nk + 1, ldv = nk + 2;
      auto q = hearth::test::random_normal(static_cast<std::size_t>(T * ldq), rng);
      auto k = hearth::test::random_normal(static_cast<std::size_t>(T * ldk), rng);
      auto v = hearth::test::random_normal(static_cast<std::size_t>(T * ldv), rng);
      const std::vector<int32_t> positions = {0, 1, 17, 3999, 1234}, slot_of = {0, 1, 1, 0, 1};
      std::vector<float> ff(static_cast<std::size_t>(s.n_rot / 2));
      for (std::size_t i = 0; i < ff.size(); ++i) ff[i] = 1.0f + 0.37f * static_cast<float>(i % 5);
      DeviceBuffer<float> d_q(q), d_k(k), d_v(v), d_ff(ff);
      DeviceBuffer<int32_t> d_pos(positions), d_slot(slot_of);
      const std::size_t row_bytes = hearth::gguf::row_bytes(kv_type, static_cast<uint64_t>(nk));
      DeviceBuffer<uint8_t> d_kc(row_bytes * cells * slots), d_vc(row_bytes * cells * slots);

      cu::RopeParams rp;
      rp.neox = s.neox, rp.n_rot = s.n_rot, rp.head_dim = s.head_dim, rp.freq_base = 10000.f;
      if (s.freq_factors) rp.freq_factors = d_ff.get();
      if (s.yarn) rp.ext_factor = 1.0f, rp.freq_scale = 0.25f, rp.n_ctx_orig = 4096, rp.attn_factor = 1.0f;
      cu::RopeStoreArgs a;
      a.q = d_q.get(), a.ldq = ldq, a.n_head_q = s.n_head;
      a.k = d_k.get(), a.ldk = ldk, a.n_head_k = s.n_head_kv;
      a.v = d_v.get(), a.ldv = ldv;
      a.tokens = T, a.positions = d_pos.get(), a.slots = d_slot.get(), a.rope = &rp;
      a.cache.k = d_kc.get(), a.cache.v = d_vc.get(), a.cache.type = kv_type, a.cache.row_stride = row_bytes;
      a.cache.n_embd_k = nk, a.cache.n_embd_v = nk, a.cache.cells_per_slot = cells, a.cache.n_rows = cells * slots;
      cu::rope_store_kv(a, nullptr);

      const auto gq = d_q.download(), gk = d_k.download();
      const auto kc = d_kc.download(), vc = d_vc.download();
      cpu::RopeParams cp;
      cp.mode = s.neox ? cpu::RopeMode::Neox : cpu::RopeMode::Normal;
      cp.n_rot = s.n_rot, cp.freq_base = rp.freq_base, cp.freq_scale = rp.freq_scale, cp.ext_factor = rp.ext_factor;
      cp.attn_factor = rp.attn_factor, cp.n_ctx_orig = rp.n_ctx_orig, cp.freq_factors = s.freq_factors ? ff.data() : nullptr;
      std::vector<float> cs(static_cast<std::size_t>(s.n_rot));
      for (int64_t t = 0; t < T; ++t) {
        cpu::rope_angles(cp, static_cast<float>(positions[static_cast<std::size_t>(t)]), cs.data());
        std::vector<float> wq(q.begin() + t * ldq, q.begin() + t * ldq + nq), wk(k.begin() + t * ldk, k.begin() + t * ldk + nk);
        cpu::reference::rope_apply(cp.mode, s.n_rot, s.head_dim, s.n_head, cs.data(), wq.data());
        cpu::reference::rope_apply(cp.mode, s.n_rot, s.head_dim, s.n_head_kv, cs.data(), wk.data());
        // The device evaluates cosf/sinf/powf itself: last-bit differences grow with the position.
        const double tol = 1e-6 + 4e-7 * positions[static_cast<std::size_t>(t)];
        for (int64_t i = 0; i < nq; ++i) {
          INFO(hearth::gguf::type_name(kv_type) << " q t " << t << " i " << i);
          REQUIRE(std::fabs(gq[static_cast<std::size_t>(t * ldq + i)] - wq[static_cast<std::size_t>(i)]) <= tol * 4);
        }
        for (int64_t i = 0; i < nk; ++i) REQUIRE(std::fabs(gk[static_cast<std::size_t>(t * ldk + i)] - wk[static_cast<std::size_t>(i)]) <= tol * 4);
        REQUIRE(gq[static_cast<std::size_t>(t * ldq + nq)] == q[static_cast<std::size_t>(t * ldq + nq)]);  // padding left untouched
        // Cache rows: the CPU conversion of the device's rotated K and of V, byte for byte.
        const std::size_t row = static_cast<std::size_t>(slot_of[static_cast<std::size_t>(t)] * cells + positions[static_cast<std::size_t>(t)]);
        std::vector<uint8_t> want(row_bytes);
        cpu::kv_store_row(kv_type, gk.data() + t * ldk, want.data(), nk);
        for (std::size_t b = 0; b < row_bytes; ++b) REQUIRE(kc[row * row_bytes + b] == want[b]);
        cpu::kv_store_row(kv_type, v.data() + t * ldv, want.data(), nk);
        for (std::size_t b = 0; b < row_bytes; ++b) REQUIRE(vc[row * row_bytes + b] == want[b]);
      }
      // No other cache row was written (a poisoned row stays all-ones).
      std::size_t written = 0;
      for (std::size_t r = 0; r < static_cast<std::size_t>(cells * slots); ++r)
        written += std::any_of(kc.begin() + static_cast<std::ptrdiff_t>(r * row_bytes), kc.begin() + static_cast<std::ptrdiff_t>((r + 1) * row_bytes),
                               [](uint8_t b) { return b != 0xFF; });
      REQUIRE(written == static_cast<std::size_t>(T));
    }
  }
}

TEST_CASE("context-shift rotation of cached keys matches the CPU", "[cuda][device][ops][rope][memcheck]") {
  SKIP_WITHOUT_CUDA_DEVICE();
  std::mt19937 rng(13);
  for (TensorType kv_type : {TensorType::F32, TensorType::F16, TensorType::Q8_0}) {
    const int n_head_kv = 2, head_dim = 64, n_rot = 64;
    const int64_t nk = n_head_kv * head_dim, rows = 20;
    const std::size_t rb = hearth::gguf::row_bytes(kv_type, nk);
    auto src = hearth::test::random_normal(static_cast<std::size_t>(rows * nk), rng);
    std::vector<uint8_t> cache(rb * rows);
    for (int64_t r = 0; r < rows; ++r) cpu::kv_store_row(kv_type, src.data() + r * nk, cache.data() + r * rb, nk);
    DeviceBuffer<uint8_t> d_k(cache), d_v(cache);
    cpu::RopeParams cp;
    cp.mode = cpu::RopeMode::Neox, cp.n_rot = n_rot, cp.freq_base = 500000.f;
    std::vector<float> cs(n_rot);
    cpu::rope_angles(cp, -37.0f, cs.data());
    DeviceBuffer<float> d_cs(cs);
    cu::KvCacheView view;
    view.k = d_k.get(), view.v = d_v.get(), view.type = kv_type, view.row_stride = rb, view.n_embd_k = nk, view.n_embd_v = nk;
    view.cells_per_slot = rows, view.n_rows = rows;
    cu::kv_rotate_rows(view, 3, 10, n_head_kv, head_dim, n_rot, 1, d_cs.get(), nullptr);
    const auto got = d_k.download();
    std::vector<float> row(static_cast<std::size_t>(nk));
    std::vector<uint8_t> want = cache;
    for (int64_t r = 3; r < 13; ++r) {
      cpu::kv_load_row(kv_type, cache.data() + r * rb, row.data(), nk);
      cpu::reference::rope_apply(cp.mode, n_rot, head_dim, n_head_kv, cs.data(), row.data());
      cpu::kv_store_row(kv_type, row.data(), want.data() + r * rb, nk);
    }
    for (std::size_t b = 0; b < want.size(); ++b) {
      INFO(hearth::gguf::type_name(kv_type) << " byte " << b << " (row " << b / rb << ")");
      REQUIRE(got[b] == want[b]);
    }
  }
}

TEST_CASE("cuBLAS prefill GEMM on dequantized f16 weights", "[cuda][device][gemm]") {
  SKIP_WITHOUT_CUDA_DEVICE();
  cu::CublasGemm gemm;
  if (!gemm.available()) {
    WARN("SKIPPED: " << gemm.status());
    return;
  }
  std::mt19937 rng(14);
  for (TensorType type : {TensorType::Q4_K, TensorType::Q8_0, TensorType::Q6_K, TensorType::F16, TensorType::F32, TensorType::BF16}) {
    const int64_t rows = 300, k = 512, T = 77, ldx = k + 4, ldy = rows + 2;
    const std::size_t rb = hearth::gguf::row_bytes(type, static_cast<uint64_t>(k));
    const auto w = hearth::test::random_weights(type, rows, k, rng);
    auto x = hearth::test::random_normal(static_cast<std::size_t>(T * ldx), rng);
    DeviceBuffer<uint8_t> d_w(w);
    DeviceBuffer<float> d_x(x), d_y(static_cast<std::size_t>(T * ldy));
    DeviceBuffer<uint16_t> d_wh(static_cast<std::size_t>(rows * k)), d_xh(static_cast<std::size_t>(T * k));
    double tol = 5e-3;
    if (type == TensorType::F32) {
      gemm.gemm_wxt(rows, T, k, d_w.get(), k, d_x.get(), ldx, CUDA_R_32F, d_y.get(), ldy, 0.0f, nullptr);
      tol = 1e-5;
    } else if (type == TensorType::BF16) {
      cu::convert_f32_to_bf16(d_x.get(), ldx, k, T, d_xh.get(), k, nullptr);
      gemm.gemm_wxt(rows, T, k, d_w.get(), k, d_xh.get(), k, CUDA_R_16BF, d_y.get(), ldy, 0.0f, nullptr);
      tol = 2e-2;
    } else {
      cu::dequantize_rows_f16(type, d_w.get(), rb, k, rows, d_wh.get(), k, nullptr);
      cu::convert_f32_to_f16(d_x.get(), ldx, k, T, d_xh.get(), k, nullptr);
      gemm.gemm_wxt(rows, T, k, d_wh.get(), k, d_xh.get(), k, CUDA_R_16F, d_y.get(), ldy, 0.0f, nullptr);
    }
    const auto y = d_y.download();
    double err2 = 0, ref2 = 0;
    for (int64_t t = 0; t < T; ++t)
      for (int64_t r = 0; r < ldy; ++r) {
        const float got = y[static_cast<std::size_t>(t * ldy + r)];
        if (r >= rows) {
          REQUIRE(std::isnan(got));
          continue;
        }
        std::vector<float> wd(static_cast<std::size_t>(k));
        cpu::dequantize_row(type, w.data() + static_cast<std::size_t>(r) * rb, wd.data(), k);
        double ref = 0;
        for (int64_t j = 0; j < k; ++j) ref += static_cast<double>(wd[static_cast<std::size_t>(j)]) * x[static_cast<std::size_t>(t * ldx + j)];
        err2 += (got - ref) * (got - ref);
        ref2 += ref * ref;
      }
    INFO(hearth::gguf::type_name(type) << ": relative error " << std::sqrt(err2 / ref2));
    CHECK(std::sqrt(err2 / ref2) < tol);
  }
}
