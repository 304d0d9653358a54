// kernels/cuda/rope_math.h — RoPE angles (spec §3.3) and KV-cache row conversion as HEARTH_HD
// functions, shared by the CUDA kernels (rope.cu, attention.cu) and the host tests.
//
// The angle of pair i at a position follows llama.cpp's CPU evaluation, like cpu::rope_angles:
// θ_0 = position and θ_{i+1} = θ_i · base^(−2/n_rot) multiplied step by step in f32, then the
// frequency factor, linear scaling and YaRN ramp; cos/sin times the magnitude factor. On the host
// this is the CPU's arithmetic operation for operation; on the device cosf/sinf/powf may differ
// in the last bit.
//
// Q8_0 cache rows use the CPU's conversion (kv_store_row): d = amax/127 stored as f16,
// q = round-half-even(x · 127/amax), so a row cached by either backend has the same bytes.
#pragma once

#include <cmath>
#include <cstdint>

#include "kernels/common/half.h"
#include "kernels/common/quant_math.h"
#include "kernels/cuda/cuda_kernels.h"

namespace hearth::cuda::rope_math {

// Pair i's (cos θ_i · mscale, sin θ_i · mscale) at `position`.
HEARTH_HD void rope_cos_sin(const RopeParams& p, float position, int i, float& c, float& s) {
  const float theta_scale = powf(p.freq_base, -2.0f / static_cast<float>(p.n_rot));
  float corr_low = 0.0f, corr_high = 0.0f;
  float mscale = p.attn_factor;
  if (p.ext_factor != 0.0f) {
    const int n_ctx_orig = p.n_ctx_orig > 0 ? p.n_ctx_orig : 1;
    const float pi = 3.14159265358979323846f;
    auto corr_dim = [&](float n_rotations) {
      return static_cast<float>(p.n_rot) * logf(static_cast<float>(n_ctx_orig) / (n_rotations * 2.0f * pi)) / (2.0f * logf(p.freq_base));
    };
    corr_low = fmaxf(0.0f, floorf(corr_dim(p.beta_fast)));
    corr_high = fminf(static_cast<float>(p.n_rot - 1), ceilf(corr_dim(p.beta_slow)));
    mscale *= 1.0f + 0.1f * logf(1.0f / p.freq_scale);
  }
  float theta = position;
  for (int k = 0; k < i; ++k) theta *= theta_scale;
  const float ff = p.freq_factors ? p.freq_factors[i] : 1.0f;
  const float theta_extrap = theta / ff;
  const float theta_interp = p.freq_scale * theta_extrap;
  float t = theta_interp;
  if (p.ext_factor != 0.0f) {
    const float y = (static_cast<float>(i) - corr_low) / fmaxf(0.001f, corr_high - corr_low);
    const float ramp = 1.0f - fminf(1.0f, fmaxf(0.0f, y));
    const float mix = ramp * p.ext_factor;
    t = theta_interp * (1.0f - mix) + theta_extrap * mix;
  }
  c = cosf(t) * mscale;
  s = sinf(t) * mscale;
}

// Element indices of rotation pair i inside a head (NORMAL: adjacent; NEOX: half a rotation apart).
HEARTH_HD void rope_pair(int neox, int n_rot, int i, int& a, int& b) {
  a = neox ? i : 2 * i;
  b = neox ? i + n_rot / 2 : 2 * i + 1;
}

// Written with unfusable operations so the device rounds exactly like the CPU's rope_apply.
HEARTH_HD void rotate(float& x0, float& x1, float c, float s) {
  const float a = x0, b = x1;
  x0 = quant::fsub(quant::fmul(a, c), quant::fmul(b, s));
  x1 = quant::fadd(quant::fmul(a, s), quant::fmul(b, c));
}

// Round half to even of a float below 2^22 in magnitude (spec §2.2 nearest_int).
HEARTH_HD int nearest_int(float v) {
  const float biased = quant::fadd(v, 12582912.0f);
  return static_cast<int>(quant::float_to_bits(biased) & 0x007FFFFFu) - 0x00400000;
}

// One Q8_0 cache block from 32 floats (the CPU's kv_store_row arithmetic): returns the f16 scale
// and writes the quants.
HEARTH_HD uint16_t quantize_q8_0_block(const float* x, int8_t* q) {
  float amax = 0.0f;
  for (int j = 0; j < 32; ++j) amax = fmaxf(amax, fabsf(x[j]));
  const float d = amax / 127.0f;
  const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
  for (int j = 0; j < 32; ++j) {
    const int v = nearest_int(quant::fmul(x[j], id));
    q[j] = static_cast<int8_t>(v < -128 ? -128 : (v > 127 ? 127 : v));
  }
  return quant::fp32_to_fp16(d);
}

}  // namespace hearth::cuda::rope_math
