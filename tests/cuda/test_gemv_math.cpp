// Host-side checks of the CUDA GEMV arithmetic (kernels/cuda/gemv_math.h). These need no GPU and
// run in CI: the same HEARTH_HD functions are inlined into the device kernels, so a wrong slice
// decomposition, bit extraction or scale lookup fails here first.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include "cuda_test_util.h"
#include "kernels/common/quant_math.h"
#include "kernels/cuda/gemv_math.h"

using hearth::gguf::TensorType;
namespace gm = hearth::cuda::gemv_math;

namespace {

// Σ over every work item (block b, slice s) of one row, exactly as the kernel walks them.
template <class Tr>
double sliced_row_dot(const uint8_t* w_row, int64_t k, const int8_t* aq, const float* ads, const float* x) {
  double sum = 0.0;
  const int64_t blocks = k / Tr::kBlockElems;
  for (int64_t it = 0; it < blocks * Tr::kSlices; ++it) {
    const int64_t blk = it / Tr::kSlices;
    const int s = static_cast<int>(it % Tr::kSlices);
    const uint8_t* wb = w_row + blk * Tr::kBlockBytes;
    if constexpr (Tr::kQ8) sum += Tr::dot(wb, s, aq + blk * Tr::kBlockElems, ads + blk * (Tr::kBlockElems / 16));
    else sum += Tr::dot(wb, s, x + blk * Tr::kBlockElems);
  }
  return sum;
}

double sliced_dot(TensorType type, bool vector, const uint8_t* w, int64_t k, const int8_t* aq, const float* ads, const float* x) {
  using gm::Traits;
  switch (type) {
    case TensorType::Q4_0: return sliced_row_dot<Traits<TensorType::Q4_0>>(w, k, aq, ads, x);
    case TensorType::Q4_1: return sliced_row_dot<Traits<TensorType::Q4_1>>(w, k, aq, ads, x);
    case TensorType::Q5_0: return sliced_row_dot<Traits<TensorType::Q5_0>>(w, k, aq, ads, x);
    case TensorType::Q5_1: return sliced_row_dot<Traits<TensorType::Q5_1>>(w, k, aq, ads, x);
    case TensorType::Q8_0: return sliced_row_dot<Traits<TensorType::Q8_0>>(w, k, aq, ads, x);
    case TensorType::IQ4_NL: return sliced_row_dot<Traits<TensorType::IQ4_NL>>(w, k, aq, ads, x);
    case TensorType::Q2_K: return sliced_row_dot<Traits<TensorType::Q2_K>>(w, k, aq, ads, x);
    case TensorType::Q3_K: return sliced_row_dot<Traits<TensorType::Q3_K>>(w, k, aq, ads, x);
    case TensorType::Q4_K: return sliced_row_dot<Traits<TensorType::Q4_K>>(w, k, aq, ads, x);
    case TensorType::Q5_K: return sliced_row_dot<Traits<TensorType::Q5_K>>(w, k, aq, ads, x);
    case TensorType::Q6_K: return sliced_row_dot<Traits<TensorType::Q6_K>>(w, k, aq, ads, x);
    case TensorType::IQ4_XS: return sliced_row_dot<Traits<TensorType::IQ4_XS>>(w, k, aq, ads, x);
    case TensorType::F32: return vector ? sliced_row_dot<gm::F32Vec>(w, k, aq, ads, x) : sliced_row_dot<gm::F32Scalar>(w, k, aq, ads, x);
    case TensorType::F16:
      return vector ? sliced_row_dot<gm::Half8Vec<false>>(w, k, aq, ads, x) : sliced_row_dot<gm::HalfScalar<false>>(w, k, aq, ads, x);
    case TensorType::BF16:
      return vector ? sliced_row_dot<gm::Half8Vec<true>>(w, k, aq, ads, x) : sliced_row_dot<gm::HalfScalar<true>>(w, k, aq, ads, x);
    default: FAIL("unexpected type"); return 0;
  }
}

}  // namespace

TEST_CASE("GEMV slices add up to each type's dot product with Q8_1 activations", "[cuda][host][gemv]") {
  std::mt19937 rng(1234);
  for (TensorType type : hearth::test::cuda_weight_types()) {
    const int64_t block = hearth::gguf::traits(type).block_size;
    const int64_t k = block == 256 ? 1024 : (block == 32 ? 320 : 264);  // several blocks; 264 = 33 vectors of 8
    const int64_t rows = 6;
    const std::size_t row_bytes = hearth::gguf::row_bytes(type, k);
    const auto w = hearth::test::random_weights(type, rows, k, rng);
    for (int trial = 0; trial < 3; ++trial) {
      // Activations with a few all-zero blocks (amax = 0 takes its own branch).
      auto x = hearth::test::random_normal(static_cast<std::size_t>(k), rng, trial == 2 ? 100.f : 1.f);
      if (trial == 1)
        for (int j = 0; j < 32; ++j) x[static_cast<std::size_t>(j)] = 0.f;
      const auto act = hearth::test::quantize_q8_1_host(x.data(), k, k, 1);
      for (bool vector : {false, true}) {
        if (vector && (hearth::gguf::traits(type).quantized || k % (type == TensorType::F32 ? 4 : 8) != 0)) continue;
        double worst = 0;
        for (int64_t r = 0; r < rows; ++r) {
          const uint8_t* wr = w.data() + r * row_bytes;
          const double want = hearth::test::gemv_reference_row(type, wr, k, act.qs.data(), act.ds.data(), x.data());
          const double got = sliced_dot(type, vector, wr, k, act.qs.data(), act.ds.data(), x.data());
          const double mag = hearth::test::gemv_magnitude_row(type, wr, k, x.data());
          worst = std::max(worst, std::fabs(got - want) / mag);
        }
        INFO(hearth::gguf::type_name(type) << (vector ? " (16-byte)" : "") << " trial " << trial << ": worst error / Σ|w·x| = " << worst);
        CHECK(worst < 2e-6);
      }
    }
  }
}

TEST_CASE("Q8_1 activation blocks follow llama.cpp's CUDA convention", "[cuda][host][gemv]") {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    auto x = hearth::test::random_normal(32, rng, trial % 2 ? 1e-3f : 30.f);
    if (trial == 0) x.assign(32, 0.f);
    int8_t q[32];
    float d, s;
    gm::quantize_q8_1_block(x.data(), q, d, s);
    float amax = 0, sum = 0;
    for (float v : x) amax = std::max(amax, std::fabs(v)), sum += v;
    REQUIRE(d == amax / 127.0f);
    REQUIRE(s == sum);
    int qmax = 0;
    for (int j = 0; j < 32; ++j) {
      const int want = amax == 0 ? 0 : static_cast<int>(std::round(x[j] / d));
      REQUIRE(q[j] == want);
      REQUIRE(std::abs(q[j]) <= 127);
      qmax = std::max(qmax, std::abs(static_cast<int>(q[j])));
    }
    REQUIRE(qmax == (amax == 0 ? 0 : 127));
  }
}

TEST_CASE("GEMV bit helpers: codebook lookup, K-quant scales, byte arithmetic", "[cuda][host][gemv]") {
  // Every combination of four IQ4_NL indices.
  for (uint32_t n = 0; n < 65536; ++n) {
    const uint32_t packed = (n & 0xF) | ((n >> 4) & 0xF) << 8 | ((n >> 8) & 0xF) << 16 | ((n >> 12) & 0xF) << 24;
    const int got = gm::iq4nl_lookup4(packed);
    for (int j = 0; j < 4; ++j)
      REQUIRE(static_cast<int8_t>(got >> (8 * j)) == hearth::quant::iq4nl_value(static_cast<int>((packed >> (8 * j)) & 0xF)));
  }
  std::mt19937 rng(99);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int trial = 0; trial < 1000; ++trial) {
    uint8_t s[12];
    for (auto& b : s) b = static_cast<uint8_t>(byte(rng));
    uint32_t w[3];
    std::memcpy(w, s, 12);
    for (int j = 0; j < 8; ++j) {
      int sc, m, sc2, m2;
      hearth::quant::k4_scale_min(j, s, sc, m);
      gm::k4_scale_min_words(j, w[0], w[1], w[2], sc2, m2);
      REQUIRE(sc == sc2);
      REQUIRE(m == m2);
    }
  }
  for (int v = 0; v < 64; ++v) {
    const uint32_t x = static_cast<uint32_t>(v) * 0x01010101u;
    const int r = gm::sub_bytes_32(x);
    for (int j = 0; j < 4; ++j) REQUIRE(static_cast<int8_t>(r >> (8 * j)) == v - 32);
    if (v < 8) {
      const int r4 = gm::sub_bytes_4(x);
      for (int j = 0; j < 4; ++j) REQUIRE(static_cast<int8_t>(r4 >> (8 * j)) == v - 4);
    }
  }
  for (uint32_t bits = 0; bits < 16; ++bits) {
    const uint32_t spread = gm::spread_bits_to_bit4(bits);
    for (int j = 0; j < 4; ++j) REQUIRE(((spread >> (8 * j)) & 0xFF) == (((bits >> j) & 1) << 4));
  }
  REQUIRE(gm::dp4a(static_cast<int>(0x80FF017Fu), static_cast<int>(0x7F02FF80u), 5) == 5 + 127 * -128 + 1 * -1 + -1 * 2 + -128 * 127);
}
