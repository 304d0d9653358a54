// dequantize(quantize(x)) on Gaussian data: per-type error bounds, and the round-trip RMSE table
// `hearth quantize` users ask for (printed with the test output).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "kernel_test_util.h"
#include "kernels/cpu/quant.h"
#include "spec_reference.h"

using hearth::gguf::TensorType;

namespace {

struct RoundTrip {
  double rel_rmse = 0, max_abs = 0;
};

RoundTrip round_trip(TensorType type, const std::vector<float>& x) {
  const int64_t n = static_cast<int64_t>(x.size());
  std::vector<uint8_t> q(hearth::gguf::row_bytes(type, static_cast<uint64_t>(n)));
  hearth::cpu::quantize_row(type, x.data(), q.data(), n);
  std::vector<float> y(x.size());
  hearth::cpu::dequantize_row(type, q.data(), y.data(), n);
  double se = 0, ss = 0;
  RoundTrip r;
  for (size_t i = 0; i < x.size(); ++i) {
    const double e = static_cast<double>(x[i]) - y[i];
    se += e * e;
    ss += static_cast<double>(x[i]) * x[i];
    r.max_abs = std::max(r.max_abs, std::fabs(e));
  }
  r.rel_rmse = std::sqrt(se / ss);
  return r;
}

}  // namespace

TEST_CASE("round-trip error of every quantizer stays within its format's bound", "[kernels][roundtrip]") {
  std::mt19937 rng(31);
  const auto x = hearth::test::random_floats(256 * 256, rng);
  // Relative RMS error bounds for N(0,1) data: about half a quantization step over the typical
  // block range for the bits each format spends (loose enough for any correct quantizer, tight
  // enough that a wrong scale, offset or level packing fails them).
  struct Bound { TensorType type; double max_rel_rmse; };
  const Bound bounds[] = {
      {TensorType::F16, 1e-3},   {TensorType::BF16, 5e-3},   {TensorType::Q8_0, 1e-2},  {TensorType::Q6_K, 2.5e-2},
      {TensorType::Q5_0, 6e-2},  {TensorType::Q5_1, 6e-2},   {TensorType::Q5_K, 5e-2},  {TensorType::Q4_0, 0.12},
      {TensorType::Q4_1, 0.12},  {TensorType::Q4_K, 0.10},   {TensorType::IQ4_NL, 0.10}, {TensorType::IQ4_XS, 0.10},
      {TensorType::Q3_K, 0.22},  {TensorType::Q2_K, 0.45},
  };
  std::printf("\nround trip on N(0,1) data (%zu values): type, bits/weight, relative RMSE, max |error|\n", x.size());
  for (const Bound& b : bounds) {
    INFO(hearth::gguf::type_name(b.type));
    const RoundTrip r = round_trip(b.type, x);
    const auto tr = hearth::gguf::traits(b.type);
    std::printf("  %-7s %6.3f bpw   rmse %.5f   max %.4f\n", std::string(hearth::gguf::type_name(b.type)).c_str(),
                8.0 * tr.type_size / tr.block_size, r.rel_rmse, r.max_abs);
    CHECK(r.rel_rmse < b.max_rel_rmse);
    CHECK(r.rel_rmse > 0);
  }
}

TEST_CASE("Q8_0 and Q4_0 round trips obey their per-block error bounds", "[kernels][roundtrip]") {
  std::mt19937 rng(32);
  auto x = hearth::test::random_floats(32 * 512, rng);
  for (size_t i = 0; i < x.size(); i += 97) x[i] *= 20.f;  // outliers in some blocks
  for (TensorType type : {TensorType::Q8_0, TensorType::Q4_0}) {
    INFO(hearth::gguf::type_name(type));
    std::vector<uint8_t> q(hearth::gguf::row_bytes(type, x.size()));
    hearth::cpu::quantize_row(type, x.data(), q.data(), static_cast<int64_t>(x.size()));
    std::vector<float> y(x.size());
    hearth::cpu::dequantize_row(type, q.data(), y.data(), static_cast<int64_t>(x.size()));
    const size_t bs = hearth::gguf::traits(type).type_size;
    size_t bad = 0;
    for (size_t b = 0; b < x.size() / 32; ++b) {
      const float d = std::fabs(hearth::test::spec::half(hearth::test::spec::u16(q.data() + b * bs)));
      // Q8_0: rounding to the nearest of 255 levels → half a step; Q4_0: 16 levels from −8d to 7d
      // with the largest value at −8d, so the opposite extreme can clip by up to one step. Plus
      // the f16 rounding of d (relative 2^-11), multiplied by the largest level (127 or 8).
      const double limit = type == TensorType::Q8_0 ? d * (0.5 + 127.0 / 2048) : d * (1.0 + 8.0 / 2048);
      for (int j = 0; j < 32; ++j) bad += std::fabs(static_cast<double>(x[32 * b + j]) - y[32 * b + j]) > limit;
    }
    CHECK(bad == 0);
  }
}
