// vec_dot: the scalar reference against a float64 dot of the dequantized operands (checks the
// integer block math of quant_math.h), and the dispatched SIMD kernels against the scalar one.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <vector>

#include "kernel_test_util.h"
#include "kernels/cpu/cpu_features.h"
#include "kernels/cpu/quant.h"
#include "spec_reference.h"

using hearth::gguf::TensorType;

namespace {

std::vector<float> dequantize(TensorType type, const void* data, int64_t n) {
  std::vector<float> out(static_cast<size_t>(n));
  hearth::cpu::dequantize_row(type, data, out.data(), n);
  return out;
}

struct Operands {
  std::vector<uint8_t> w, a;
  double exact = 0, magnitude = 0;  // Σ w·a and Σ |w·a| over the dequantized operands, in double
};

Operands make_operands(TensorType type, int64_t n, std::mt19937& rng) {
  Operands o;
  auto wf = hearth::test::random_floats(static_cast<size_t>(n), rng);
  auto xf = hearth::test::random_floats(static_cast<size_t>(n), rng, 3.f);
  o.w = hearth::test::quantize_matrix(type, wf, 1, n);
  const TensorType act = hearth::cpu::vec_dot_type(type);
  o.a.resize(hearth::gguf::row_bytes(act, static_cast<uint64_t>(n)));
  hearth::cpu::reference::quantize_activation_row(act, xf.data(), o.a.data(), n);
  auto wd = dequantize(type, o.w.data(), n);
  auto ad = dequantize(act, o.a.data(), n);
  for (int64_t i = 0; i < n; ++i) {
    o.exact += static_cast<double>(wd[i]) * ad[i];
    o.magnitude += std::fabs(static_cast<double>(wd[i]) * ad[i]);
  }
  if (act == TensorType::Q8_1) {
    // The Q4_1/Q5_1 min term uses the activation's stored s = f16(d·Σq) (spec §2.5), not the exact
    // dy·Σq the dequantized operands imply: Σ_b m_b·(s_b − dy_b·Σq_b) is part of the format.
    namespace spec = hearth::test::spec;
    const size_t wbs = hearth::gguf::traits(type).type_size;
    for (int64_t b = 0; b < n / 32; ++b) {
      const uint8_t* ab = o.a.data() + 36 * b;
      int sumq = 0;
      for (int j = 0; j < 32; ++j) sumq += static_cast<int8_t>(ab[4 + j]);
      const double m = spec::half(spec::u16(o.w.data() + wbs * b + 2));
      o.exact += m * (static_cast<double>(spec::half(spec::u16(ab + 2))) - static_cast<double>(spec::half(spec::u16(ab))) * sumq);
    }
  }
  return o;
}

}  // namespace

TEST_CASE("scalar vec_dot equals the float64 dot of the dequantized operands", "[kernels][vec_dot]") {
  std::mt19937 rng(11);
  for (TensorType type : hearth::test::all_weight_types()) {
    const int bs = static_cast<int>(hearth::gguf::traits(hearth::cpu::vec_dot_type(type)).block_size);
    const int block = std::max<int>(bs, static_cast<int>(hearth::gguf::traits(type).block_size));
    for (int blocks : {1, 3, 7, 16, 33}) {
      const int64_t n = static_cast<int64_t>(blocks) * std::max(block, 32);
      INFO(hearth::gguf::type_name(type) << " n = " << n);
      Operands o = make_operands(type, n, rng);
      const double got = hearth::cpu::reference::vec_dot(type, n, o.w.data(), o.a.data());
      CHECK(std::fabs(got - o.exact) <= 2e-6 * o.magnitude + 1e-30);
    }
  }
}

TEST_CASE("SIMD vec_dot agrees with the scalar reference", "[kernels][vec_dot]") {
  if (hearth::cpu::simd_level() == hearth::cpu::SimdLevel::Scalar) {
    WARN("SKIPPED: no SIMD kernels on this CPU; the dispatched vec_dot is the scalar one");
    return;
  }
  std::mt19937 rng(12);
  for (TensorType type : hearth::test::all_weight_types()) {
    const int block = std::max<int>(32, static_cast<int>(hearth::gguf::traits(type).block_size));
    // Awkward sizes: one block, odd counts, counts that leave remainders after 2-, 4- and 8-block unrolls.
    for (int blocks : {1, 2, 3, 5, 7, 9, 15, 17, 31, 64, 127}) {
      const int64_t n = static_cast<int64_t>(blocks) * block;
      INFO(hearth::gguf::type_name(type) << " n = " << n);
      Operands o = make_operands(type, n, rng);
      const double simd = hearth::cpu::vec_dot(type, n, o.w.data(), o.a.data());
      const double ref = hearth::cpu::reference::vec_dot(type, n, o.w.data(), o.a.data());
      CHECK(std::fabs(simd - ref) <= 1e-5 * o.magnitude + 1e-30);
    }
  }
}
