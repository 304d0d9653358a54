// IQ4_NL and IQ4_XS weight quantizers: the non-linear 16-entry codebook with a searched block scale,
// as llama-quantize runs them (quantize_iq4_nl / quantize_iq4_xs without an importance matrix:
// element weights x², 7 scale offsets tried on each side of −127/max).
#include <cmath>
#include <cstring>

#include "kernels/common/half.h"
#include "kernels/common/quant_blocks.h"
#include "kernels/cpu/quant_search.h"
#include "kernels/cpu/quantize_weights.h"

namespace hearth::cpu::detail {

using namespace hearth::quant;

namespace {

constexpr int8_t kCodebook[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};
constexpr int kTries = 7;

// Best scale for one 32-element group: levels into L, returns the scale (0 for an all-zero group).
float search_group_scale(const float* x, uint8_t* L) {
  float weight[32];
  for (int j = 0; j < 32; ++j) weight[j] = x[j] * x[j];
  float amax = 0.f, max = 0.f;
  for (int j = 0; j < 32; ++j) {
    const float ax = std::fabs(x[j]);
    if (ax > amax) {
      amax = ax;
      max = x[j];
    }
  }
  if (amax < kGroupMaxEps) {
    std::memset(L, 0, 32);
    return 0.f;
  }
  float d = -max / static_cast<float>(kCodebook[0]);
  float id = 1.f / d;
  float sumqx = 0.f, sumq2 = 0.f;
  for (int j = 0; j < 32; ++j) {
    const int l = nearest_index(16, kCodebook, id * x[j]);
    L[j] = static_cast<uint8_t>(l);
    const float q = kCodebook[l];
    sumqx += weight[j] * q * x[j];
    sumq2 += weight[j] * q * q;
  }
  d = sumq2 > 0.f ? sumqx / sumq2 : 0.f;
  float best = d * sumqx;
  for (int itry = -kTries; itry <= kTries; ++itry) {
    id = static_cast<float>(itry + kCodebook[0]) / max;
    sumqx = sumq2 = 0.f;
    for (int j = 0; j < 32; ++j) {
      const float q = kCodebook[nearest_index(16, kCodebook, id * x[j])];
      sumqx += weight[j] * q * x[j];
      sumq2 += weight[j] * q * q;
    }
    if (sumq2 > 0.f && sumqx * sumqx > best * sumq2) {
      d = sumqx / sumq2;
      best = d * sumqx;
    }
  }
  return d;
}

void pack_nibbles(const uint8_t* L, uint8_t* qs, int n) {
  for (int i = 0; i < n / 32; ++i) {
    for (int j = 0; j < 16; ++j) qs[16 * i + j] = static_cast<uint8_t>(L[32 * i + j] | (L[32 * i + 16 + j] << 4));
  }
}

}  // namespace

void quantize_iq4_nl(const float* x, void* dst, int64_t n) {
  auto* y = static_cast<BlockIQ4_NL*>(dst);
  uint8_t L[32];
  for (int64_t i = 0; i < n / QK4_NL; ++i, x += QK4_NL) {
    const float scale = search_group_scale(x, L);
    y[i].d = fp32_to_fp16(scale);
    // The levels are picked again against the final scale.
    const float id = scale != 0.f ? 1.f / scale : 0.f;
    for (int j = 0; j < 32; ++j) L[j] = static_cast<uint8_t>(nearest_index(16, kCodebook, id * x[j]));
    pack_nibbles(L, y[i].qs, 32);
  }
}

void quantize_iq4_xs(const float* x, void* dst, int64_t n) {
  auto* y = static_cast<BlockIQ4_XS*>(dst);
  uint8_t L[QK_K];
  float scales[8];
  for (int64_t i = 0; i < n / QK_K; ++i, x += QK_K) {
    float max_scale = 0.f, amax_scale = 0.f;
    for (int ib = 0; ib < 8; ++ib) {
      scales[ib] = search_group_scale(x + 32 * ib, L + 32 * ib);
      const float abs_d = std::fabs(scales[ib]);
      if (abs_d > amax_scale) {
        amax_scale = abs_d;
        max_scale = scales[ib];
      }
    }
    const float d = -max_scale / 32.f;
    y[i].d = fp32_to_fp16(d);
    y[i].scales_h = 0;
    std::memset(y[i].scales_l, 0, sizeof(y[i].scales_l));
    const float id = d != 0.f ? 1.f / d : 0.f;
    for (int ib = 0; ib < 8; ++ib) {
      int l = nearest_int(id * scales[ib]);
      l = l < -32 ? -32 : (l > 31 ? 31 : l);
      const float dl = d * static_cast<float>(l);
      const float idl = dl != 0.f ? 1.f / dl : 0.f;
      for (int j = 0; j < 32; ++j) L[32 * ib + j] = static_cast<uint8_t>(nearest_index(16, kCodebook, idl * x[32 * ib + j]));
      l += 32;
      const uint8_t l_l = static_cast<uint8_t>(l & 0xF), l_h = static_cast<uint8_t>(l >> 4);
      if (ib % 2 == 0) {
        y[i].scales_l[ib / 2] = l_l;
      } else {
        y[i].scales_l[ib / 2] |= static_cast<uint8_t>(l_l << 4);
      }
      y[i].scales_h |= static_cast<uint16_t>(l_h << (2 * (ib % 8)));
    }
    pack_nibbles(L, y[i].qs, QK_K);
  }
}

}  // namespace hearth::cpu::detail
