// Half-precision conversions (kernels/common/half.h) against the F16C instructions and the spec.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <random>

#include "f16c_oracle.h"
#include "kernels/common/half.h"
#include "kernels/cpu/cpu_features.h"
#include "spec_reference.h"

using namespace hearth::quant;

namespace {

uint32_t bits(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}

}  // namespace

TEST_CASE("fp16_to_fp32 is exact for all 65536 halves", "[kernels][half]") {
  size_t spec_bad = 0, f16c_bad = 0;
  const bool f16c = hearth::cpu::cpu_features().f16c;
  for (uint32_t h = 0; h < 65536; ++h) {
    const float got = fp16_to_fp32(static_cast<uint16_t>(h));
    const float want = hearth::test::spec::half(static_cast<uint16_t>(h));
    if (std::isnan(want)) {
      // NaN: payload kept, quiet bit set (what vcvtph2ps does).
      const uint32_t expect = (h & 0x8000u) << 16 | 0x7FC00000u | (h & 0x3FFu) << 13;
      spec_bad += bits(got) != expect;
    } else {
      spec_bad += bits(got) != bits(want);
    }
    if (f16c) f16c_bad += bits(got) != bits(hearth::test::f16c_fp16_to_fp32(static_cast<uint16_t>(h)));
  }
  CHECK(spec_bad == 0);
  CHECK(f16c_bad == 0);
  if (!f16c) WARN("SKIPPED: F16C comparison (this CPU has no F16C); the spec comparison ran");
}

TEST_CASE("fp32_to_fp16 rounds like F16C vcvtps2ph (imm 0)", "[kernels][half]") {
  if (!hearth::cpu::cpu_features().f16c) {
    WARN("SKIPPED: this CPU has no F16C to compare against");
    return;
  }
  size_t checked = 0, bad = 0;
  auto check = [&](uint32_t b) {
    float f;
    std::memcpy(&f, &b, 4);
    const uint16_t got = fp32_to_fp16(f);
    const uint16_t want = hearth::test::f16c_fp32_to_fp16(f);
    if (got != want) {
      if (bad < 5) FAIL_CHECK("input 0x" << std::hex << b << ": got 0x" << got << ", F16C 0x" << want);
      ++bad;
    }
    ++checked;
  };
  // Every sign and exponent with mantissas at and around each rounding boundary of the normal and
  // subnormal half ranges (ties, one ulp either side, all-ones, payload bits of NaNs).
  const uint32_t mantissas[] = {0x000000, 0x000001, 0x000FFF, 0x001000, 0x001001, 0x001FFF, 0x002000, 0x002001,
                                0x003000, 0x0FFFFF, 0x100000, 0x3FFFFF, 0x400000, 0x400001, 0x7FE000, 0x7FEFFF,
                                0x7FF000, 0x7FF001, 0x7FFFFF, 0x555555, 0x2AAAAA};
  for (uint32_t sign = 0; sign < 2; ++sign)
    for (uint32_t e = 0; e < 256; ++e)
      for (uint32_t m : mantissas) check(sign << 31 | e << 23 | m);
  // Exhaustive over the exponents whose results are subnormal halves or the largest normals/overflow
  // (every 7th mantissa: covers every combination of the low bits that decide rounding).
  for (uint32_t e : {101u, 102u, 103u, 108u, 112u, 113u, 142u, 143u})
    for (uint32_t m = 0; m < (1u << 23); m += 7) check(e << 23 | m), check(1u << 31 | e << 23 | m);
  // A random sample of everything else.
  std::mt19937 rng(42);
  for (int i = 0; i < 2000000; ++i) check(static_cast<uint32_t>(rng()));
  CHECK(bad == 0);
  CHECK(checked > 5000000);
}

TEST_CASE("bf16 conversions follow spec §2.2", "[kernels][half]") {
  std::mt19937 rng(7);
  for (int i = 0; i < 1000000; ++i) {
    const uint32_t b = static_cast<uint32_t>(rng());
    float f;
    std::memcpy(&f, &b, 4);
    const bool nan = (b & 0x7FFFFFFFu) > 0x7F800000u;
    const uint16_t want = nan ? static_cast<uint16_t>((b >> 16) | 0x40) : static_cast<uint16_t>((b + 0x7FFFu + ((b >> 16) & 1)) >> 16);
    REQUIRE(fp32_to_bf16(f) == want);
    REQUIRE(bits(bf16_to_fp32(static_cast<uint16_t>(b))) == (b & 0xFFFFu) << 16);
  }
  CHECK(fp32_to_bf16(1.0f) == 0x3F80);
  CHECK(fp32_to_bf16(-0.0f) == 0x8000);
  CHECK(fp32_to_bf16(INFINITY) == 0x7F80);
}
