// Activation quantizers (Q8_0, Q8_1, Q8_K, F16, BF16) against spec §2.5, for both the scalar
// reference and the dispatched (SIMD) version.
#include <catch2/catch.hpp>

#include <cfenv>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "kernels/common/half.h"
#include "kernels/cpu/quant.h"

using hearth::gguf::TensorType;

namespace {

uint16_t f16(float x) { return hearth::quant::fp32_to_fp16(x); }  // verified separately (test_half)

void put16(std::vector<uint8_t>& out, size_t at, uint16_t v) { std::memcpy(&out[at], &v, 2); }

// Q8_0 / Q8_1 as llama.cpp's AVX2 quantize_row_q8_0/1 compute them (spec §2.5): id = 127/amax,
// round half to even; Q8_1 adds s = f16(d·Σq) with d unrounded.
std::vector<uint8_t> spec_q8(const std::vector<float>& x, bool with_sum) {
  const size_t bs = with_sum ? 36 : 34;
  std::vector<uint8_t> out(x.size() / 32 * bs);
  for (size_t b = 0; b < x.size() / 32; ++b) {
    float amax = 0.f;
    for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(x[32 * b + j]));
    const float d = amax / 127.f;
    const float id = amax != 0.f ? 127.f / amax : 0.f;
    put16(out, b * bs, f16(d));
    int sum = 0;
    for (int j = 0; j < 32; ++j) {
      const int q = static_cast<int>(std::nearbyint(x[32 * b + j] * id));  // default mode: nearest even
      out[b * bs + (with_sum ? 4 : 2) + j] = static_cast<uint8_t>(static_cast<int8_t>(q));
      sum += q;
    }
    if (with_sum) put16(out, b * bs + 2, f16(d * static_cast<float>(sum)));
  }
  return out;
}

std::vector<uint8_t> spec_q8k(const std::vector<float>& x) {
  std::vector<uint8_t> out(x.size() / 256 * 292);
  for (size_t b = 0; b < x.size() / 256; ++b) {
    uint8_t* o = &out[b * 292];
    const float* v = &x[256 * b];
    float max = 0.f, amax = 0.f;
    for (int j = 0; j < 256; ++j)
      if (std::fabs(v[j]) > amax) amax = std::fabs(v[j]), max = v[j];
    if (max == 0.f) continue;  // d = 0, all q = 0, bsums 0
    const float iscale = -127.f / max;
    int8_t q[256];
    for (int j = 0; j < 256; ++j) q[j] = static_cast<int8_t>(std::min(127, static_cast<int>(std::nearbyint(iscale * v[j]))));
    const float d = 1.f / iscale;
    std::memcpy(o, &d, 4);
    std::memcpy(o + 4, q, 256);
    for (int g = 0; g < 16; ++g) {
      int16_t s = 0;
      for (int l = 0; l < 16; ++l) s = static_cast<int16_t>(s + q[16 * g + l]);
      std::memcpy(o + 260 + 2 * g, &s, 2);
    }
  }
  return out;
}

std::vector<float> test_input(size_t n, std::mt19937& rng) {
  std::normal_distribution<float> normal(0.f, 1.f);
  std::vector<float> x(n);
  for (auto& v : x) v = normal(rng);
  // Block 0 is all zeros; block 1 has amax 127 so x·id lands exactly on .5 ties; block 2 is tiny.
  for (size_t j = 0; j < 32 && j < n; ++j) x[j] = 0.f;
  if (n >= 64) {
    for (int j = 0; j < 32; ++j) x[32 + j] = static_cast<float>(j - 16) + 0.5f;
    x[32] = 127.f;
  }
  if (n >= 96)
    for (int j = 0; j < 32; ++j) x[64 + j] *= 1e-30f;
  return x;
}

}  // namespace

TEST_CASE("Q8_0 and Q8_1 activations use llama.cpp's AVX2 rounding (127/amax, ties to even)", "[kernels][activation]") {
  REQUIRE(std::fegetround() == FE_TONEAREST);
  std::mt19937 rng(3);
  for (size_t n : {32u, 96u, 256u, 4096u, 4128u}) {
    INFO("n = " << n);
    auto x = test_input(n, rng);
    for (bool with_sum : {false, true}) {
      const TensorType type = with_sum ? TensorType::Q8_1 : TensorType::Q8_0;
      const auto want = spec_q8(x, with_sum);
      std::vector<uint8_t> got(want.size()), ref(want.size());
      hearth::cpu::quantize_activation_row(type, x.data(), got.data(), static_cast<int64_t>(n));
      hearth::cpu::reference::quantize_activation_row(type, x.data(), ref.data(), static_cast<int64_t>(n));
      CHECK(got == want);
      CHECK(ref == want);
    }
  }
  // The tie block really exercised round-half-even: 0.5 → 0, 1.5 → 2, −0.5 → −0.
  auto x = test_input(96, rng);
  std::vector<uint8_t> q(3 * 34);
  hearth::cpu::quantize_activation_row(TensorType::Q8_0, x.data(), q.data(), 96);
  CHECK(static_cast<int8_t>(q[34 + 2 + 16]) == 0);   // x = 0.5
  CHECK(static_cast<int8_t>(q[34 + 2 + 17]) == 2);   // x = 1.5
  CHECK(static_cast<int8_t>(q[34 + 2 + 18]) == 2);   // x = 2.5
  CHECK(static_cast<int8_t>(q[34 + 2 + 15]) == 0);   // x = -0.5
}

TEST_CASE("Q8_K activations follow spec §2.5", "[kernels][activation]") {
  std::mt19937 rng(5);
  for (size_t n : {256u, 512u, 2048u, 11008u - 11008u % 256u}) {
    INFO("n = " << n);
    auto x = test_input(n, rng);
    // A block whose largest element is positive, so it maps to −127 and the scale is negative.
    for (int j = 0; j < 256 && 256 + j < static_cast<int>(n); ++j) x[256 + j] = std::fabs(x[256 + j]);
    const auto want = spec_q8k(x);
    std::vector<uint8_t> got(want.size()), ref(want.size());
    hearth::cpu::quantize_activation_row(TensorType::Q8_K, x.data(), got.data(), static_cast<int64_t>(n));
    hearth::cpu::reference::quantize_activation_row(TensorType::Q8_K, x.data(), ref.data(), static_cast<int64_t>(n));
    CHECK(got == want);
    CHECK(ref == want);
  }
}

TEST_CASE("F16 and BF16 activations are rounded element by element", "[kernels][activation]") {
  std::mt19937 rng(9);
  auto x = test_input(1000, rng);
  std::vector<uint16_t> h(1000), b(1000);
  hearth::cpu::quantize_activation_row(TensorType::F16, x.data(), h.data(), 1000);
  hearth::cpu::quantize_activation_row(TensorType::BF16, x.data(), b.data(), 1000);
  for (size_t i = 0; i < x.size(); ++i) {
    REQUIRE(h[i] == hearth::quant::fp32_to_fp16(x[i]));
    REQUIRE(b[i] == hearth::quant::fp32_to_bf16(x[i]));
  }
  CHECK(hearth::cpu::vec_dot_type(TensorType::Q4_K) == TensorType::Q8_K);
  CHECK(hearth::cpu::vec_dot_type(TensorType::Q4_1) == TensorType::Q8_1);
  CHECK(hearth::cpu::vec_dot_type(TensorType::IQ4_NL) == TensorType::Q8_0);
  CHECK(hearth::cpu::vec_dot_type(TensorType::F16) == TensorType::F16);
}
