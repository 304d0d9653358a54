// kernels/cpu/quant_search.h — internal: the scale searches behind llama.cpp's reference
// K-quant quantizers (no importance matrix), reproduced operation for operation.
//
// Byte-for-byte parity with llama.cpp's files depends on every f32 operation happening in the same
// order with the same rounding: each product and sum below is written in the association llama.cpp
// uses, and the library is compiled with -ffp-contract=off so no FMA can merge two roundings.
//   symmetric_levels()      ≙ make_qx_quants   (signed levels, ±0.1·k retries, weighted RMSE)
//   symmetric_levels_q3()   ≙ make_q3_quants   (signed levels refined one element at a time)
//   affine_levels()         ≙ make_qkx2_quants (unsigned levels with a min, grid of scales)
//   nearest_index()         ≙ best_index_int8  (nearest codebook entry for IQ4_NL/IQ4_XS)
#pragma once

#include <cstdint>
#include <cstring>

namespace hearth::cpu::detail {

// Values whose magnitude stays below this count as all-zero groups (ggml's GROUP_MAX_EPS).
inline constexpr float kGroupMaxEps = 1e-15f;

// Round half to even through the 1.5·2^23 trick (spec §2.2); for |v| ≥ 2^22 it returns the same
// wrapped garbage llama.cpp's nearest_int does, which the callers then clamp.
inline int nearest_int(float v) {
  float biased = v + 12582912.f;
  int32_t i;
  std::memcpy(&i, &biased, 4);
  return (i & 0x007FFFFF) - 0x00400000;
}

// How make_qx_quants weighs each element when no explicit weights are given.
enum class RmseWeight { None = 0, Square = 1, One = 2, Abs = 3, SqrtAbs = 4 };

// Levels L[i] in [0, 2·nmax) (stored as l + nmax) and the returned scale s such that x ≈ s·(L−nmax).
// `weights` may be null (then `mode` decides). mode None means plain rounding at scale max/−nmax.
float symmetric_levels(int n, int nmax, const float* x, int8_t* L, RmseWeight mode, const float* weights);

// make_q3_quants with do_rmse = true: L[i] in [0, 2·nmax) as above.
float symmetric_levels_q3(int n, int nmax, const float* x, int8_t* L);

// Levels L[i] in [0, nmax], scale (returned) and *neg_min (≥ 0) such that x ≈ scale·L − *neg_min.
float affine_levels(int n, int nmax, const float* x, const float* weights, uint8_t* L, float* neg_min,
                    uint8_t* scratch, float rmin, float rdelta, int nstep, bool use_mad);

// Index of the entry of the sorted codebook `values` (n a power of two) nearest to x; at an exact
// midpoint the upper entry wins.
inline int nearest_index(int n, const int8_t* values, float x) {
  const float x2 = x + x;
  int idx = 0;
  for (int step = n >> 1; step > 0; step >>= 1) {
    const int j = idx + step;
    if (x2 >= static_cast<float>(values[j - 1] + values[j])) idx = j;
  }
  return idx;
}

}  // namespace hearth::cpu::detail
