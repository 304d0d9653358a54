// kernels/common/half.h — IEEE binary16 and bfloat16 conversions usable on host and device.
//
// f16 → f32 is exact (subnormals and inf preserved; NaN keeps its payload and is quieted, exactly
// like F16C vcvtph2ps); f32 → f16 rounds to nearest even, the same result as x86 F16C vcvtps2ph
// with imm 0 and CUDA's __float2half_rn (NaN payloads are truncated and quieted, as F16C does).
// Both directions were checked exhaustively against F16C (all 2^32 floats, all 65536 halves);
// tests/kernels keeps a structured sample of that check. bf16 follows ggml:
// NaN → quiet NaN, otherwise round to nearest even (spec §2.2).
#pragma once

#include <cstdint>
#include <cstring>

#include "kernels/common/quant_blocks.h"  // HEARTH_HD

namespace hearth::quant {

HEARTH_HD float bits_to_float(uint32_t b) {
#if defined(__CUDA_ARCH__)
  return __uint_as_float(b);
#else
  float f;
  std::memcpy(&f, &b, 4);
  return f;
#endif
}

HEARTH_HD uint32_t float_to_bits(float f) {
#if defined(__CUDA_ARCH__)
  return __float_as_uint(f);
#else
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
#endif
}

HEARTH_HD float fp16_to_fp32(uint16_t h) {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1Fu;
  uint32_t mant = h & 0x3FFu;
  uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: normalise
      int e = -1;
      do {
        ++e;
        mant <<= 1;
      } while ((mant & 0x400u) == 0);
      bits = sign | static_cast<uint32_t>(127 - 15 - e) << 23 | (mant & 0x3FFu) << 13;
    }
  } else if (exp == 0x1F) {
    // inf stays inf; a NaN keeps its payload and comes out quiet, as F16C vcvtph2ps and ggml's
    // software conversion both do (a signalling NaN is quieted on the way).
    bits = sign | 0x7F800000u | mant << 13 | (mant ? 0x00400000u : 0u);
  } else {
    bits = sign | (exp + 112) << 23 | mant << 13;
  }
  return bits_to_float(bits);
}

HEARTH_HD uint16_t fp32_to_fp16(float f) {
  uint32_t x = float_to_bits(f);
  uint32_t sign = (x >> 16) & 0x8000u;
  uint32_t abs = x & 0x7FFFFFFFu;
  if (abs > 0x7F800000u) return static_cast<uint16_t>(sign | 0x7E00u | ((abs >> 13) & 0x3FFu));  // NaN (quiet)
  if (abs >= 0x477FF000u) return static_cast<uint16_t>(sign | 0x7C00u);  // overflow → inf (incl. rounding up)
  if (abs < 0x38800000u) {  // result is subnormal or zero
    if (abs < 0x33000000u) return static_cast<uint16_t>(sign);  // < half of the smallest subnormal
    uint32_t e = abs >> 23;
    uint32_t m = (abs & 0x7FFFFFu) | 0x800000u;
    uint32_t shift = 126 - e;  // 14 + (113 - e) - ...: bits to drop so the value is in units of 2^-24
    uint32_t q = m >> shift;
    uint32_t rem = m & ((1u << shift) - 1);
    uint32_t half = 1u << (shift - 1);
    if (rem > half || (rem == half && (q & 1))) ++q;
    return static_cast<uint16_t>(sign | q);
  }
  uint32_t m = abs + 0xC8000FFFu + ((abs >> 13) & 1);  // rebias exponent (−112 << 23) and round to even
  return static_cast<uint16_t>(sign | (m >> 13));
}

HEARTH_HD float bf16_to_fp32(uint16_t h) { return bits_to_float(static_cast<uint32_t>(h) << 16); }

HEARTH_HD uint16_t fp32_to_bf16(float f) {
  uint32_t x = float_to_bits(f);
  if ((x & 0x7FFFFFFFu) > 0x7F800000u) return static_cast<uint16_t>((x >> 16) | 64);
  return static_cast<uint16_t>((x + (0x7FFFu + ((x >> 16) & 1))) >> 16);
}

}  // namespace hearth::quant
