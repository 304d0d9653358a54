// Device tests of the decode GEMV and the Q8_1 activation quantizer, against (a) the exact value
// of the CUDA convention computed in double on the host (tight bound) and (b) the CPU backend's
// matmul_reference (loose bound, different activation quantization). Outputs are poisoned with
// NaN before every launch, every element is checked, and the padding columns of the output
// must still be NaN afterwards (nothing written out of bounds).
#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include "cuda_device.h"
#include "cuda_test_util.h"
#include "kernels/cpu/matmul.h"
#include "kernels/cuda/cuda_kernels.h"

using hearth::gguf::TensorType;
using hearth::test::DeviceBuffer;
namespace cu = hearth::cuda;

namespace {

// Relative error allowed against the CPU reference, whose activation format differs (Q8_0/Q8_K
// blocks, f16/bf16-rounded activations).
double cpu_tolerance(TensorType type) {
  switch (type) {
    case TensorType::F32: return 1e-5;
    case TensorType::F16: return 2e-3;
    case TensorType::BF16: return 1e-2;
    default: return 3e-2;
  }
}

struct GemvCase {
  TensorType type;
  int64_t k;
  std::vector<int64_t> rows;  // one entry per matrix
  int64_t tokens;
  cu::GemvConfig config;
  bool bias = false;
  bool accumulate = false;
  bool add_to = false;  // fused residual add into a second buffer
};

std::string describe(const GemvCase& c) {
  std::string s = std::string(hearth::gguf::type_name(c.type)) + " k=" + std::to_string(c.k) + " T=" + std::to_string(c.tokens) + " rows=";
  for (int64_t r : c.rows) s += std::to_string(r) + ",";
  s += " threads=" + std::to_string(c.config.threads) + " rows/block=" + std::to_string(c.config.rows_per_block);
  if (c.bias) s += " +bias";
  if (c.accumulate) s += " +=";
  if (c.add_to) s += " (z += y)";
  return s;
}

// Runs one case; returns the worst exact-convention error and the worst CPU-relative error.
std::pair<double, double> run_case(const GemvCase& c, std::mt19937& rng) {
  const int64_t k = c.k, T = c.tokens, ldx = k + 4;
  const bool q8 = cu::gemv_uses_q8_1(c.type);
  const std::size_t row_bytes = hearth::gguf::row_bytes(c.type, static_cast<uint64_t>(k));

  auto x = hearth::test::random_normal(static_cast<std::size_t>(T * ldx), rng);
  DeviceBuffer<float> d_x(x);
  DeviceBuffer<int8_t> d_qs(static_cast<std::size_t>(T * k));
  DeviceBuffer<float> d_ds(static_cast<std::size_t>(T * k / 16));
  std::vector<int8_t> qs;
  std::vector<float> ds;
  if (q8) {
    cu::quantize_q8_1(d_x.get(), ldx, k, T, d_qs.get(), d_ds.get(), nullptr);
    qs = d_qs.download();
    ds = d_ds.download();
    // The device quantizer must agree with the host's: same quants and scales, Σx to rounding.
    const auto host = hearth::test::quantize_q8_1_host(x.data(), ldx, k, T);
    for (std::size_t i = 0; i < qs.size(); ++i) REQUIRE(qs[i] == host.qs[i]);
    for (std::size_t i = 0; i < ds.size(); i += 2) {
      REQUIRE(ds[i] == host.ds[i]);
      REQUIRE(std::fabs(ds[i + 1] - host.ds[i + 1]) <= 1e-5 * (1 + std::fabs(host.ds[i + 1])) * 32);
    }
  }

  std::vector<std::vector<uint8_t>> w;
  std::vector<DeviceBuffer<uint8_t>> d_w;
  std::vector<std::vector<float>> bias, y0, z0;
  std::vector<DeviceBuffer<float>> d_bias, d_y, d_z;
  std::vector<cu::GemvMatrix> mats;
  for (std::size_t m = 0; m < c.rows.size(); ++m) {
    const int64_t rows = c.rows[m], ldy = rows + 3;
    w.push_back(hearth::test::random_weights(c.type, rows, k, rng));
    d_w.emplace_back(w.back());
    bias.push_back(hearth::test::random_normal(static_cast<std::size_t>(rows), rng));
    d_bias.emplace_back(bias.back());
    y0.push_back(hearth::test::random_normal(static_cast<std::size_t>(T * ldy), rng));
    d_y.emplace_back(static_cast<std::size_t>(T * ldy));  // poisoned
    if (c.accumulate) {
      // Rows the kernel adds to hold values; the padding stays poisoned.
      std::vector<float> init = d_y.back().download();
      for (int64_t t = 0; t < T; ++t)
        for (int64_t r = 0; r < rows; ++r) init[static_cast<std::size_t>(t * ldy + r)] = y0.back()[static_cast<std::size_t>(t * ldy + r)];
      d_y.back().upload(init);
    }
    cu::GemvMatrix gm;
    gm.w = d_w.back().get();
    gm.row_stride = row_bytes;
    gm.rows = rows;
    gm.y = d_y.back().get();
    gm.ldy = ldy;
    gm.bias = c.bias ? d_bias.back().get() : nullptr;
    gm.accumulate = c.accumulate;
    z0.push_back(hearth::test::random_normal(static_cast<std::size_t>(T * ldy), rng));
    d_z.emplace_back(z0.back());
    if (c.add_to) gm.add_to = d_z.back().get(), gm.ld_add = ldy;
    mats.push_back(gm);
  }
  cu::GemvInput in;
  in.qs = d_qs.get(), in.ds = d_ds.get(), in.x = d_x.get(), in.ldx = ldx;
  cu::gemv(c.type, k, T, mats.data(), static_cast<int>(mats.size()), in, c.config, nullptr);

  double worst_exact = 0, worst_cpu = 0;
  for (std::size_t m = 0; m < c.rows.size(); ++m) {
    const int64_t rows = c.rows[m], ldy = rows + 3;
    const std::vector<float> got = d_y[m].download();
    const std::vector<float> z = d_z[m].download();
    std::vector<float> cpu(static_cast<std::size_t>(T * ldy), 0.f);
    hearth::cpu::MatmulArgs a{c.type, w[m].data(), rows, k, x.data(), ldx, T, cpu.data(), ldy};
    hearth::cpu::matmul_reference(a);
    double err2 = 0, ref2 = 0;
    for (int64_t t = 0; t < T; ++t) {
      for (int64_t r = 0; r < ldy; ++r) {
        const float g = got[static_cast<std::size_t>(t * ldy + r)];
        const std::size_t at = static_cast<std::size_t>(t * ldy + r);
        if (r >= rows) {
          INFO(describe(c) << ": padding column " << r << " of token " << t << " was written");
          REQUIRE(std::isnan(g));
          REQUIRE(z[at] == z0[m][at]);
          continue;
        }
        // The fused residual add adds exactly the value written to y (or leaves z alone).
        REQUIRE(z[at] == (c.add_to ? z0[m][at] + g : z0[m][at]));
        const uint8_t* wr = w[m].data() + static_cast<std::size_t>(r) * row_bytes;
        const float* xt = x.data() + t * ldx;
        double want = q8 ? hearth::test::gemv_reference_row(c.type, wr, k, qs.data() + t * k, ds.data() + t * (k / 16), xt)
                         : hearth::test::gemv_reference_row(c.type, wr, k, nullptr, nullptr, xt);
        double extra = 0;
        if (c.bias) extra += bias[m][static_cast<std::size_t>(r)];
        if (c.accumulate) extra += y0[m][static_cast<std::size_t>(t * ldy + r)];
        const double mag = hearth::test::gemv_magnitude_row(c.type, wr, k, xt) + std::fabs(extra);
        INFO(describe(c) << ": matrix " << m << " token " << t << " row " << r << " got " << g << " want " << want + extra);
        REQUIRE(std::isfinite(g));
        worst_exact = std::max(worst_exact, std::fabs(g - (want + extra)) / mag);
        const double cpu_value = cpu[static_cast<std::size_t>(t * ldy + r)] + extra;
        err2 += (g - cpu_value) * (g - cpu_value);
        ref2 += cpu_value * cpu_value;
      }
    }
    worst_cpu = std::max(worst_cpu, std::sqrt(err2 / std::max(ref2, 1e-30)));
  }
  return {worst_exact, worst_cpu};
}

void check_case(const GemvCase& c, std::mt19937& rng) {
  const auto [exact, cpu] = run_case(c, rng);
  INFO(describe(c) << ": error vs exact CUDA convention " << exact << ", relative error vs CPU matmul_reference " << cpu);
  CHECK(exact < 2e-5);
  CHECK(cpu < cpu_tolerance(c.type));
}

std::vector<int64_t> k_values(TensorType type) {
  const int64_t block = hearth::gguf::traits(type).block_size;
  if (block == 256) return {256, 768, 2816};
  if (block == 32) return {32, 96, 800};
  return {2, 37, 264, 1032};  // F32/F16/BF16: odd widths take the one-element path
}

}  // namespace

TEST_CASE("GEMV: every type, awkward shapes, 1..8 tokens", "[cuda][device][gemv]") {
  SKIP_WITHOUT_CUDA_DEVICE();
  std::mt19937 rng(2024);
  for (TensorType type : hearth::test::cuda_weight_types())
    for (int64_t k : k_values(type))
      for (int64_t rows : {1, 37, 130})
        for (int64_t tokens : {1, 2, 3, 5, 8}) check_case({type, k, {rows}, tokens, {}}, rng);
}

TEST_CASE("GEMV: every launch shape of the single-token kernel", "[cuda][device][gemv][memcheck]") {
  SKIP_WITHOUT_CUDA_DEVICE();
  std::mt19937 rng(77);
  const cu::GemvConfig configs[] = {{128, 1}, {128, 2}, {128, 4}, {64, 1}, {256, 1}};
  for (TensorType type : hearth::test::cuda_weight_types()) {
    for (const cu::GemvConfig& cfg : configs) check_case({type, k_values(type)[1], {131}, 1, cfg}, rng);
    for (const cu::GemvConfig& cfg : {cu::GemvConfig{128, 1}, cu::GemvConfig{128, 2}})
      for (int64_t tokens : {2, 7}) check_case({type, k_values(type)[0], {65}, tokens, cfg}, rng);
  }
}

TEST_CASE("GEMV: three matrices per launch with bias and accumulation", "[cuda][device][gemv]") {
  SKIP_WITHOUT_CUDA_DEVICE();
  std::mt19937 rng(5);
  for (TensorType type : hearth::test::cuda_weight_types())
    for (int64_t tokens : {1, 4}) {
      check_case({type, k_values(type)[1], {37, 1, 130}, tokens, {}, true, false}, rng);
      check_case({type, k_values(type)[1], {64, 65}, tokens, {128, 2}, false, true}, rng);
      check_case({type, k_values(type)[2], {96}, tokens, {}, true, true}, rng);
      check_case({type, k_values(type)[0], {50, 7}, tokens, {}, true, false, true}, rng);
    }
}

TEST_CASE("GEMV: model-sized rows (4096 wide)", "[cuda][device][gemv]") {
  SKIP_WITHOUT_CUDA_DEVICE();
  std::mt19937 rng(11);
  for (TensorType type : hearth::test::cuda_weight_types()) check_case({type, 4096, {300}, 1, {}}, rng);
}

TEST_CASE("GEMV rejects bad arguments with a message", "[cuda][device][gemv]") {
  SKIP_WITHOUT_CUDA_DEVICE();
  DeviceBuffer<uint8_t> w(144 * 4);
  DeviceBuffer<float> y(8);
  DeviceBuffer<int8_t> qs(512);
  DeviceBuffer<float> ds(64);
  cu::GemvMatrix m;
  m.w = w.get(), m.row_stride = 144, m.rows = 2, m.y = y.get(), m.ldy = 2;
  cu::GemvInput in;
  in.qs = qs.get(), in.ds = ds.get();
  CHECK_THROWS_AS(cu::gemv(TensorType::Q4_K, 100, 1, &m, 1, in, {}, nullptr), std::invalid_argument);  // k not a block multiple
  CHECK_THROWS_AS(cu::gemv(TensorType::Q4_K, 256, 9, &m, 1, in, {}, nullptr), std::invalid_argument);  // too many tokens
  CHECK_THROWS_AS(cu::gemv(TensorType::Q4_K, 256, 1, &m, 1, in, {96, 3}, nullptr), std::invalid_argument);  // no such kernel
  CHECK_THROWS_AS(cu::gemv(TensorType::Q4_K, 256, 2, &m, 1, in, {128, 4}, nullptr), std::invalid_argument);  // not for T > 1
  m.w = w.get() + 8;  // Q4_K rows need 16-byte alignment
  CHECK_THROWS_AS(cu::gemv(TensorType::Q4_K, 256, 1, &m, 1, in, {}, nullptr), std::invalid_argument);
  CHECK_THROWS_AS(cu::gemv(TensorType::IQ2_XXS, 256, 1, &m, 1, in, {}, nullptr), std::invalid_argument);
}
