// kernels/common/quant_math.h — per-block dequantization and integer dot products of ggml formats.
//
// Every function here works on ONE block (or one short run of F16/BF16 values) and is HEARTH_HD,
// so the CPU kernels, the CUDA kernels and the tests share a single statement of the math.
//
//   dequantize_block(const BlockQ4_K& b, float* y);      // y[0..255]
//   float p = dot_block(const BlockQ4_K& w, const BlockQ8_K& a);   // one super-block's share
//
// Dequantization is bit-exact with ggml's dequantize_row_*: products are evaluated in f32 in the
// order of spec §2.3 (e.g. Q6_K is `(d*scale)*q`, IQ4_XS is `(d*(ls-32))*K[q]`). All float products
// and sums go through fmul/fadd/fsub below, which on CUDA are the _rn intrinsics nvcc never fuses
// into an FMA; on the host the CPU library is compiled with -ffp-contract=off for the same reason
// (an FMA would skip the rounding of a `dmin*m` term and change the last bit).
//
// Dot products take a weight block and an activation block already quantized to the weight's
// vec_dot_type (spec §2.5): Q8_0 for Q4_0/Q5_0/Q8_0/IQ4_NL, Q8_1 for Q4_1/Q5_1, Q8_K for the
// K-quants and IQ4_XS. The integer part is exact; the scale arithmetic follows llama.cpp's scalar
// vec_dot (`sumi*dx*dy`, or `dx*dy*Σ sc·Σq·a − dminx*dy*Σ m·bsums` per super-block), so results
// agree with every other implementation to f32 rounding.
#pragma once

#include <cstdint>

#include "kernels/common/half.h"
#include "kernels/common/quant_blocks.h"

namespace hearth::quant {

// Unfusable float arithmetic (see the header comment).
HEARTH_HD float fmul(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fmul_rn(a, b);
#else
  return a * b;
#endif
}
HEARTH_HD float fadd(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fadd_rn(a, b);
#else
  return a + b;
#endif
}
HEARTH_HD float fsub(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fsub_rn(a, b);
#else
  return a - b;
#endif
}

// The IQ4_NL / IQ4_XS codebook {-127,-104,-83,-65,-49,-35,-22,-10,1,13,25,38,53,69,89,113}, packed
// into two little-endian words so that device code needs no global table.
HEARTH_HD int iq4nl_value(int index) {
  const uint64_t lo = 0xF6EADDCFBFAD9881ull;  // -127 -104 -83 -65 -49 -35 -22 -10 (index 0..7)
  const uint64_t hi = 0x7159453526190D01ull;  //    1   13  25  38  53  69  89 113 (index 8..15)
  uint64_t word = index < 8 ? lo : hi;
  return static_cast<int8_t>(static_cast<uint8_t>(word >> (8 * (index & 7))));
}

// K-quant 6-bit scale/min pair j (0..7) of Q4_K / Q5_K (spec §2.3).
HEARTH_HD void k4_scale_min(int j, const uint8_t* b, int& sc, int& m) {
  if (j < 4) {
    sc = b[j] & 63;
    m = b[j + 4] & 63;
  } else {
    sc = (b[j + 4] & 0xF) | ((b[j - 4] >> 6) << 4);
    m = (b[j + 4] >> 4) | ((b[j] >> 6) << 4);
  }
}

// Signed 6-bit scale of Q3_K sub-block i (0..15), already minus 32.
HEARTH_HD int q3k_scale(int i, const uint8_t* b) {
  int lo4 = i < 8 ? (b[i] & 0xF) : (b[i - 8] >> 4);
  int hi2 = (b[8 + (i % 4)] >> (2 * (i / 4))) & 3;
  return (lo4 | (hi2 << 4)) - 32;
}

// Signed scale of IQ4_XS sub-block i (0..7), already minus 32.
HEARTH_HD int iq4xs_scale(int i, const BlockIQ4_XS& b) {
  int ls = ((b.scales_l[i / 2] >> (4 * (i % 2))) & 0xF) | (((b.scales_h >> (2 * i)) & 3) << 4);
  return ls - 32;
}

HEARTH_HD uint32_t load_u32_le(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 | static_cast<uint32_t>(p[2]) << 16 |
         static_cast<uint32_t>(p[3]) << 24;
}

// ---------------------------------------------------------------------------------------------
// Dequantization of one block.

HEARTH_HD void dequantize_f16(const uint16_t* x, float* y, int n) {
  for (int i = 0; i < n; ++i) y[i] = fp16_to_fp32(x[i]);
}
HEARTH_HD void dequantize_bf16(const uint16_t* x, float* y, int n) {
  for (int i = 0; i < n; ++i) y[i] = bf16_to_fp32(x[i]);
}

HEARTH_HD void dequantize_block(const BlockQ4_0& b, float* y) {
  const float d = fp16_to_fp32(b.d);
  for (int j = 0; j < 16; ++j) {
    y[j] = fmul(static_cast<float>((b.qs[j] & 0xF) - 8), d);
    y[j + 16] = fmul(static_cast<float>((b.qs[j] >> 4) - 8), d);
  }
}

HEARTH_HD void dequantize_block(const BlockQ4_1& b, float* y) {
  const float d = fp16_to_fp32(b.d), m = fp16_to_fp32(b.m);
  for (int j = 0; j < 16; ++j) {
    y[j] = fadd(fmul(static_cast<float>(b.qs[j] & 0xF), d), m);
    y[j + 16] = fadd(fmul(static_cast<float>(b.qs[j] >> 4), d), m);
  }
}

HEARTH_HD void dequantize_block(const BlockQ5_0& b, float* y) {
  const float d = fp16_to_fp32(b.d);
  const uint32_t h = load_u32_le(b.qh);
  for (int j = 0; j < 16; ++j) {
    int q0 = ((b.qs[j] & 0xF) | (((h >> j) & 1) << 4)) - 16;
    int q1 = ((b.qs[j] >> 4) | (((h >> (j + 16)) & 1) << 4)) - 16;
    y[j] = fmul(static_cast<float>(q0), d);
    y[j + 16] = fmul(static_cast<float>(q1), d);
  }
}

HEARTH_HD void dequantize_block(const BlockQ5_1& b, float* y) {
  const float d = fp16_to_fp32(b.d), m = fp16_to_fp32(b.m);
  const uint32_t h = load_u32_le(b.qh);
  for (int j = 0; j < 16; ++j) {
    int q0 = (b.qs[j] & 0xF) | (((h >> j) & 1) << 4);
    int q1 = (b.qs[j] >> 4) | (((h >> (j + 16)) & 1) << 4);
    y[j] = fadd(fmul(static_cast<float>(q0), d), m);
    y[j + 16] = fadd(fmul(static_cast<float>(q1), d), m);
  }
}

HEARTH_HD void dequantize_block(const BlockQ8_0& b, float* y) {
  const float d = fp16_to_fp32(b.d);
  for (int j = 0; j < 32; ++j) y[j] = fmul(static_cast<float>(b.qs[j]), d);
}

HEARTH_HD void dequantize_block(const BlockQ8_1& b, float* y) {
  const float d = fp16_to_fp32(b.d);
  for (int j = 0; j < 32; ++j) y[j] = fmul(static_cast<float>(b.qs[j]), d);
}

HEARTH_HD void dequantize_block(const BlockQ8_K& b, float* y) {
  for (int j = 0; j < QK_K; ++j) y[j] = fmul(b.d, static_cast<float>(b.qs[j]));
}

HEARTH_HD void dequantize_block(const BlockQ2_K& b, float* y) {
  const float d = fp16_to_fp32(b.d), dmin = fp16_to_fp32(b.dmin);
  for (int h = 0; h < 2; ++h) {
    for (int j = 0; j < 4; ++j) {
      for (int s = 0; s < 2; ++s) {
        const int sc = b.scales[8 * h + 2 * j + s];
        const float dl = fmul(d, static_cast<float>(sc & 0xF));
        const float ml = fmul(dmin, static_cast<float>(sc >> 4));
        const uint8_t* q = b.qs + 32 * h + 16 * s;
        float* out = y + 128 * h + 32 * j + 16 * s;
        for (int l = 0; l < 16; ++l) out[l] = fsub(fmul(dl, static_cast<float>((q[l] >> (2 * j)) & 3)), ml);
      }
    }
  }
}

HEARTH_HD void dequantize_block(const BlockQ3_K& b, float* y) {
  const float d = fp16_to_fp32(b.d);
  for (int h = 0; h < 2; ++h) {
    for (int j = 0; j < 4; ++j) {
      for (int s = 0; s < 2; ++s) {
        const float dl = fmul(d, static_cast<float>(q3k_scale(8 * h + 2 * j + s, b.scales)));
        const uint8_t* q = b.qs + 32 * h + 16 * s;
        const uint8_t* hm = b.hmask + 16 * s;
        const int bit = 1 << (4 * h + j);
        float* out = y + 128 * h + 32 * j + 16 * s;
        for (int l = 0; l < 16; ++l) {
          int v = ((q[l] >> (2 * j)) & 3) - ((hm[l] & bit) ? 0 : 4);
          out[l] = fmul(dl, static_cast<float>(v));
        }
      }
    }
  }
}

HEARTH_HD void dequantize_block(const BlockQ4_K& b, float* y) {
  const float d = fp16_to_fp32(b.d), dmin = fp16_to_fp32(b.dmin);
  for (int c = 0; c < 4; ++c) {
    int sc0, m0, sc1, m1;
    k4_scale_min(2 * c, b.scales, sc0, m0);
    k4_scale_min(2 * c + 1, b.scales, sc1, m1);
    const float d0 = fmul(d, static_cast<float>(sc0)), mm0 = fmul(dmin, static_cast<float>(m0));
    const float d1 = fmul(d, static_cast<float>(sc1)), mm1 = fmul(dmin, static_cast<float>(m1));
    const uint8_t* q = b.qs + 32 * c;
    for (int l = 0; l < 32; ++l) y[64 * c + l] = fsub(fmul(d0, static_cast<float>(q[l] & 0xF)), mm0);
    for (int l = 0; l < 32; ++l) y[64 * c + 32 + l] = fsub(fmul(d1, static_cast<float>(q[l] >> 4)), mm1);
  }
}

HEARTH_HD void dequantize_block(const BlockQ5_K& b, float* y) {
  const float d = fp16_to_fp32(b.d), dmin = fp16_to_fp32(b.dmin);
  for (int c = 0; c < 4; ++c) {
    int sc0, m0, sc1, m1;
    k4_scale_min(2 * c, b.scales, sc0, m0);
    k4_scale_min(2 * c + 1, b.scales, sc1, m1);
    const float d0 = fmul(d, static_cast<float>(sc0)), mm0 = fmul(dmin, static_cast<float>(m0));
    const float d1 = fmul(d, static_cast<float>(sc1)), mm1 = fmul(dmin, static_cast<float>(m1));
    const uint8_t* q = b.qs + 32 * c;
    for (int l = 0; l < 32; ++l) {
      int v = (q[l] & 0xF) | (((b.qh[l] >> (2 * c)) & 1) << 4);
      y[64 * c + l] = fsub(fmul(d0, static_cast<float>(v)), mm0);
    }
    for (int l = 0; l < 32; ++l) {
      int v = (q[l] >> 4) | (((b.qh[l] >> (2 * c + 1)) & 1) << 4);
      y[64 * c + 32 + l] = fsub(fmul(d1, static_cast<float>(v)), mm1);
    }
  }
}

HEARTH_HD void dequantize_block(const BlockQ6_K& b, float* y) {
  const float d = fp16_to_fp32(b.d);
  for (int h = 0; h < 2; ++h) {
    const uint8_t* L = b.ql + 64 * h;
    const uint8_t* H = b.qh + 32 * h;
    const int8_t* S = b.scales + 8 * h;
    float* out = y + 128 * h;
    for (int l = 0; l < 32; ++l) {
      const int is = l / 16;
      const int q1 = ((L[l] & 0xF) | (((H[l] >> 0) & 3) << 4)) - 32;
      const int q2 = ((L[l + 32] & 0xF) | (((H[l] >> 2) & 3) << 4)) - 32;
      const int q3 = ((L[l] >> 4) | (((H[l] >> 4) & 3) << 4)) - 32;
      const int q4 = ((L[l + 32] >> 4) | (((H[l] >> 6) & 3) << 4)) - 32;
      out[l] = fmul(fmul(d, static_cast<float>(S[is + 0])), static_cast<float>(q1));
      out[l + 32] = fmul(fmul(d, static_cast<float>(S[is + 2])), static_cast<float>(q2));
      out[l + 64] = fmul(fmul(d, static_cast<float>(S[is + 4])), static_cast<float>(q3));
      out[l + 96] = fmul(fmul(d, static_cast<float>(S[is + 6])), static_cast<float>(q4));
    }
  }
}

HEARTH_HD void dequantize_block(const BlockIQ4_NL& b, float* y) {
  const float d = fp16_to_fp32(b.d);
  for (int j = 0; j < 16; ++j) {
    y[j] = fmul(d, static_cast<float>(iq4nl_value(b.qs[j] & 0xF)));
    y[j + 16] = fmul(d, static_cast<float>(iq4nl_value(b.qs[j] >> 4)));
  }
}

HEARTH_HD void dequantize_block(const BlockIQ4_XS& b, float* y) {
  const float d = fp16_to_fp32(b.d);
  for (int i = 0; i < 8; ++i) {
    const float dl = fmul(d, static_cast<float>(iq4xs_scale(i, b)));
    const uint8_t* q = b.qs + 16 * i;
    for (int j = 0; j < 16; ++j) {
      y[32 * i + j] = fmul(dl, static_cast<float>(iq4nl_value(q[j] & 0xF)));
      y[32 * i + 16 + j] = fmul(dl, static_cast<float>(iq4nl_value(q[j] >> 4)));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Integer dot products of one weight block with one activation block.

// Q4_0 · Q8_0: Σ (q−8)·a, scaled by dx·dy.
HEARTH_HD float dot_block(const BlockQ4_0& x, const BlockQ8_0& y) {
  int sumi = 0;
  for (int j = 0; j < 16; ++j) {
    sumi += ((x.qs[j] & 0xF) - 8) * y.qs[j];
    sumi += ((x.qs[j] >> 4) - 8) * y.qs[j + 16];
  }
  return fmul(fmul(static_cast<float>(sumi), fp16_to_fp32(x.d)), fp16_to_fp32(y.d));
}

// Q4_1 · Q8_1: dx·dy·Σ q·a + mx·sy (sy = dy·Σa, stored by the activation quantizer).
HEARTH_HD float dot_block(const BlockQ4_1& x, const BlockQ8_1& y) {
  int sumi = 0;
  for (int j = 0; j < 16; ++j) {
    sumi += (x.qs[j] & 0xF) * y.qs[j];
    sumi += (x.qs[j] >> 4) * y.qs[j + 16];
  }
  return fadd(fmul(fmul(fp16_to_fp32(x.d), fp16_to_fp32(y.d)), static_cast<float>(sumi)),
              fmul(fp16_to_fp32(x.m), fp16_to_fp32(y.s)));
}

HEARTH_HD float dot_block(const BlockQ5_0& x, const BlockQ8_0& y) {
  const uint32_t h = load_u32_le(x.qh);
  int sumi = 0;
  for (int j = 0; j < 16; ++j) {
    sumi += (((x.qs[j] & 0xF) | (((h >> j) & 1) << 4)) - 16) * y.qs[j];
    sumi += (((x.qs[j] >> 4) | (((h >> (j + 16)) & 1) << 4)) - 16) * y.qs[j + 16];
  }
  return fmul(fmul(static_cast<float>(sumi), fp16_to_fp32(x.d)), fp16_to_fp32(y.d));
}

HEARTH_HD float dot_block(const BlockQ5_1& x, const BlockQ8_1& y) {
  const uint32_t h = load_u32_le(x.qh);
  int sumi = 0;
  for (int j = 0; j < 16; ++j) {
    sumi += ((x.qs[j] & 0xF) | (((h >> j) & 1) << 4)) * y.qs[j];
    sumi += ((x.qs[j] >> 4) | (((h >> (j + 16)) & 1) << 4)) * y.qs[j + 16];
  }
  return fadd(fmul(fmul(fp16_to_fp32(x.d), fp16_to_fp32(y.d)), static_cast<float>(sumi)),
              fmul(fp16_to_fp32(x.m), fp16_to_fp32(y.s)));
}

HEARTH_HD float dot_block(const BlockQ8_0& x, const BlockQ8_0& y) {
  int sumi = 0;
  for (int j = 0; j < 32; ++j) sumi += x.qs[j] * y.qs[j];
  return fmul(fmul(static_cast<float>(sumi), fp16_to_fp32(x.d)), fp16_to_fp32(y.d));
}

HEARTH_HD float dot_block(const BlockIQ4_NL& x, const BlockQ8_0& y) {
  int sumi = 0;
  for (int j = 0; j < 16; ++j) {
    sumi += iq4nl_value(x.qs[j] & 0xF) * y.qs[j];
    sumi += iq4nl_value(x.qs[j] >> 4) * y.qs[j + 16];
  }
  return fmul(fmul(fp16_to_fp32(x.d), fp16_to_fp32(y.d)), static_cast<float>(sumi));
}

// Q2_K · Q8_K: dall·Σ sc·Σ q·a − dmin·Σ m·bsum, with dall = dy·dx, dmin = dy·dminx.
HEARTH_HD float dot_block(const BlockQ2_K& x, const BlockQ8_K& y) {
  int summs = 0;
  for (int j = 0; j < 16; ++j) summs += y.bsums[j] * (x.scales[j] >> 4);
  int isum = 0;
  for (int h = 0; h < 2; ++h) {
    for (int j = 0; j < 4; ++j) {
      for (int s = 0; s < 2; ++s) {
        const uint8_t* q = x.qs + 32 * h + 16 * s;
        const int8_t* a = y.qs + 128 * h + 32 * j + 16 * s;
        int sum = 0;
        for (int l = 0; l < 16; ++l) sum += ((q[l] >> (2 * j)) & 3) * a[l];
        isum += (x.scales[8 * h + 2 * j + s] & 0xF) * sum;
      }
    }
  }
  const float dall = fmul(y.d, fp16_to_fp32(x.d));
  const float dmin = fmul(y.d, fp16_to_fp32(x.dmin));
  return fsub(fmul(dall, static_cast<float>(isum)), fmul(dmin, static_cast<float>(summs)));
}

HEARTH_HD float dot_block(const BlockQ3_K& x, const BlockQ8_K& y) {
  int isum = 0;
  for (int h = 0; h < 2; ++h) {
    for (int j = 0; j < 4; ++j) {
      for (int s = 0; s < 2; ++s) {
        const uint8_t* q = x.qs + 32 * h + 16 * s;
        const uint8_t* hm = x.hmask + 16 * s;
        const int bit = 1 << (4 * h + j);
        const int8_t* a = y.qs + 128 * h + 32 * j + 16 * s;
        int sum = 0;
        for (int l = 0; l < 16; ++l) sum += (((q[l] >> (2 * j)) & 3) - ((hm[l] & bit) ? 0 : 4)) * a[l];
        isum += q3k_scale(8 * h + 2 * j + s, x.scales) * sum;
      }
    }
  }
  return fmul(fmul(fp16_to_fp32(x.d), y.d), static_cast<float>(isum));
}

HEARTH_HD float dot_block(const BlockQ4_K& x, const BlockQ8_K& y) {
  int isum = 0, summ = 0;
  for (int c = 0; c < 4; ++c) {
    int sc0, m0, sc1, m1;
    k4_scale_min(2 * c, x.scales, sc0, m0);
    k4_scale_min(2 * c + 1, x.scales, sc1, m1);
    const uint8_t* q = x.qs + 32 * c;
    const int8_t* a = y.qs + 64 * c;
    int s0 = 0, s1 = 0;
    for (int l = 0; l < 32; ++l) {
      s0 += (q[l] & 0xF) * a[l];
      s1 += (q[l] >> 4) * a[l + 32];
    }
    isum += sc0 * s0 + sc1 * s1;
    summ += m0 * (y.bsums[4 * c] + y.bsums[4 * c + 1]) + m1 * (y.bsums[4 * c + 2] + y.bsums[4 * c + 3]);
  }
  const float d = fmul(fp16_to_fp32(x.d), y.d);
  const float dmin = fmul(fp16_to_fp32(x.dmin), y.d);
  return fsub(fmul(d, static_cast<float>(isum)), fmul(dmin, static_cast<float>(summ)));
}

HEARTH_HD float dot_block(const BlockQ5_K& x, const BlockQ8_K& y) {
  int isum = 0, summ = 0;
  for (int c = 0; c < 4; ++c) {
    int sc0, m0, sc1, m1;
    k4_scale_min(2 * c, x.scales, sc0, m0);
    k4_scale_min(2 * c + 1, x.scales, sc1, m1);
    const uint8_t* q = x.qs + 32 * c;
    const int8_t* a = y.qs + 64 * c;
    int s0 = 0, s1 = 0;
    for (int l = 0; l < 32; ++l) {
      s0 += ((q[l] & 0xF) | (((x.qh[l] >> (2 * c)) & 1) << 4)) * a[l];
      s1 += ((q[l] >> 4) | (((x.qh[l] >> (2 * c + 1)) & 1) << 4)) * a[l + 32];
    }
    isum += sc0 * s0 + sc1 * s1;
    summ += m0 * (y.bsums[4 * c] + y.bsums[4 * c + 1]) + m1 * (y.bsums[4 * c + 2] + y.bsums[4 * c + 3]);
  }
  const float d = fmul(fp16_to_fp32(x.d), y.d);
  const float dmin = fmul(fp16_to_fp32(x.dmin), y.d);
  return fsub(fmul(d, static_cast<float>(isum)), fmul(dmin, static_cast<float>(summ)));
}

HEARTH_HD float dot_block(const BlockQ6_K& x, const BlockQ8_K& y) {
  int isum = 0;
  for (int h = 0; h < 2; ++h) {
    const uint8_t* L = x.ql + 64 * h;
    const uint8_t* H = x.qh + 32 * h;
    const int8_t* S = x.scales + 8 * h;
    const int8_t* a = y.qs + 128 * h;
    for (int half = 0; half < 2; ++half) {  // l in [16*half, 16*half+16) shares the scale index
      int s1 = 0, s2 = 0, s3 = 0, s4 = 0;
      for (int l = 16 * half; l < 16 * half + 16; ++l) {
        s1 += (((L[l] & 0xF) | (((H[l] >> 0) & 3) << 4)) - 32) * a[l];
        s2 += (((L[l + 32] & 0xF) | (((H[l] >> 2) & 3) << 4)) - 32) * a[l + 32];
        s3 += (((L[l] >> 4) | (((H[l] >> 4) & 3) << 4)) - 32) * a[l + 64];
        s4 += (((L[l + 32] >> 4) | (((H[l] >> 6) & 3) << 4)) - 32) * a[l + 96];
      }
      isum += S[half + 0] * s1 + S[half + 2] * s2 + S[half + 4] * s3 + S[half + 6] * s4;
    }
  }
  return fmul(fmul(fp16_to_fp32(x.d), y.d), static_cast<float>(isum));
}

HEARTH_HD float dot_block(const BlockIQ4_XS& x, const BlockQ8_K& y) {
  int isum = 0;
  for (int i = 0; i < 8; ++i) {
    const uint8_t* q = x.qs + 16 * i;
    const int8_t* a = y.qs + 32 * i;
    int sum = 0;
    for (int j = 0; j < 16; ++j) sum += iq4nl_value(q[j] & 0xF) * a[j] + iq4nl_value(q[j] >> 4) * a[j + 16];
    isum += iq4xs_scale(i, x) * sum;
  }
  return fmul(fmul(fp16_to_fp32(x.d), y.d), static_cast<float>(isum));
}

}  // namespace hearth::quant
