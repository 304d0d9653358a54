// kernels/cuda/gemv_math.h — the arithmetic of the CUDA GEMV kernels, one weight type at a time.
//
// A decode GEMV streams every weight byte once, so its kernel is built around one idea: cut each
// weight block into a few *slices* of contiguous quant bytes (4–16 bytes), give consecutive slices
// to consecutive threads (coalesced loads, as wide as the block layout's alignment allows), and
// let each thread compute the dot product of its slice with the matching activation values. The
// slices of a block add up to the block's dot product; the kernel (gemv_kernel.cuh) only adds
// slices and rows together.
//
// Activations follow llama.cpp's CUDA convention (spec §2.5): every quantized weight type is
// multiplied with Q8_1 activation blocks of 32 — d = amax/127, q = roundf(x/d) — stored as int8
// quants `aq` plus a float pair (d, Σx) per block in `ads`; Σx is the sum of the *original*
// floats. Weight offsets and minimums that are constant over a 32-block (Q4_0's −8, Q4_1's m,
// Q4_K's mins) use Σx; where a slice covers only part of the block it takes its share (e.g. half
// of Σx), which adds up exactly over the block. Q2_K's minimums change every 16 elements, so it
// uses the integer sum of the activation quants instead (as llama.cpp does).
//
// F32/F16/BF16 weights are multiplied with the f32 activations directly (no quantization).
//
// Everything here is HEARTH_HD: the device kernels inline these functions, and the host tests
// (tests/cuda/test_gemv_math.cpp, which run without a GPU) check every slice decomposition
// against llama.cpp's block formats through kernels/cpu.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

#include "kernels/common/half.h"
#include "kernels/common/quant_blocks.h"
#include "kernels/common/quant_math.h"

#if defined(__CUDACC__)
#include <cuda_fp16.h>
#endif

#include "kernels/cuda/unroll.h"

namespace hearth::cuda::gemv_math {

// ---- portable primitives -----------------------------------------------------------------------

// Σ of the four signed byte products of a and b, plus c (the dp4a instruction).
HEARTH_HD int dp4a(int a, int b, int c) {
#if defined(__CUDA_ARCH__)
  return __dp4a(a, b, c);
#else
  for (int i = 0; i < 4; ++i) c += static_cast<int8_t>(a >> (8 * i)) * static_cast<int8_t>(b >> (8 * i));
  return c;
#endif
}

// Bytes of (x, y) picked by the low 3 bits of each selector nibble (PRMT without sign mode).
HEARTH_HD uint32_t byte_perm(uint32_t x, uint32_t y, uint32_t selector) {
#if defined(__CUDA_ARCH__)
  return __byte_perm(x, y, selector);
#else
  const uint64_t both = static_cast<uint64_t>(y) << 32 | x;
  uint32_t r = 0;
  for (int i = 0; i < 4; ++i) r |= static_cast<uint32_t>((both >> (8 * ((selector >> (4 * i)) & 7))) & 0xFF) << (8 * i);
  return r;
#endif
}

HEARTH_HD float half_to_float(uint16_t h) {
#if defined(__CUDA_ARCH__)
  return __half2float(__ushort_as_half(h));
#else
  return quant::fp16_to_fp32(h);
#endif
}

HEARTH_HD float bf16_to_float(uint16_t h) { return quant::bf16_to_fp32(h); }

// Loads of little-endian words; the suffix is the alignment the caller guarantees.
HEARTH_HD uint32_t load_u16(const uint8_t* p) {
#if defined(__CUDA_ARCH__)
  return *reinterpret_cast<const uint16_t*>(p);
#else
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
#endif
}
HEARTH_HD uint32_t load_u32_a2(const uint8_t* p) { return load_u16(p) | load_u16(p + 2) << 16; }
HEARTH_HD uint32_t load_u32_a4(const uint8_t* p) {
#if defined(__CUDA_ARCH__)
  return *reinterpret_cast<const uint32_t*>(p);
#else
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
#endif
}
HEARTH_HD void load_u32x2_a8(const uint8_t* p, uint32_t& a, uint32_t& b) {
#if defined(__CUDA_ARCH__)
  const uint2 v = *reinterpret_cast<const uint2*>(p);
  a = v.x, b = v.y;
#else
  a = load_u32_a4(p), b = load_u32_a4(p + 4);
#endif
}
HEARTH_HD void load_u32x4_a16(const uint8_t* p, uint32_t& a, uint32_t& b, uint32_t& c, uint32_t& d) {
#if defined(__CUDA_ARCH__)
  const uint4 v = *reinterpret_cast<const uint4*>(p);
  a = v.x, b = v.y, c = v.z, d = v.w;
#else
  a = load_u32_a4(p), b = load_u32_a4(p + 4), c = load_u32_a4(p + 8), d = load_u32_a4(p + 12);
#endif
}
// Four activation quants (4-byte aligned) as one int.
HEARTH_HD int load_act(const int8_t* p) { return static_cast<int>(load_u32_a4(reinterpret_cast<const uint8_t*>(p))); }
// Sixteen activation quants (16-byte aligned).
HEARTH_HD void load_act16(const int8_t* p, int& a, int& b, int& c, int& d) {
  uint32_t w0, w1, w2, w3;
  load_u32x4_a16(reinterpret_cast<const uint8_t*>(p), w0, w1, w2, w3);
  a = static_cast<int>(w0), b = static_cast<int>(w1), c = static_cast<int>(w2), d = static_cast<int>(w3);
}
HEARTH_HD void load_f32x4(const float* p, float& a, float& b, float& c, float& d) {
#if defined(__CUDA_ARCH__)
  const float4 v = *reinterpret_cast<const float4*>(p);
  a = v.x, b = v.y, c = v.z, d = v.w;
#else
  a = p[0], b = p[1], c = p[2], d = p[3];
#endif
}

// Byte-wise x − 32 (x − 4) for bytes in [0, 63] ([0, 7]), giving signed bytes; no borrow crosses
// bytes because every byte is first lifted by 128.
HEARTH_HD int sub_bytes_32(uint32_t x) { return static_cast<int>(((x | 0x80808080u) - 0x20202020u) ^ 0x80808080u); }
HEARTH_HD int sub_bytes_4(uint32_t x) { return static_cast<int>(((x | 0x80808080u) - 0x04040404u) ^ 0x80808080u); }

// Bit i (i < 4) of `bits` moved to bit 4 of byte i (Q5_0/Q5_1 fifth bits).
HEARTH_HD uint32_t spread_bits_to_bit4(uint32_t bits) {
  return (bits & 1u) << 4 | (bits & 2u) << 11 | (bits & 4u) << 18 | (bits & 8u) << 25;
}

// IQ4_NL codebook lookup of four 4-bit indices held in the low nibbles of the bytes of `n`.
HEARTH_HD int iq4nl_lookup4(uint32_t n) {
  constexpr uint32_t k0 = 0xBFAD9881u, k1 = 0xF6EADDCFu;  // entries 0..7:  -127 -104 -83 -65 -49 -35 -22 -10
  constexpr uint32_t k2 = 0x26190D01u, k3 = 0x71594535u;  // entries 8..15:    1   13  25  38  53  69  89 113
  const uint32_t selector = (n & 7u) | (n >> 4 & 0x70u) | (n >> 8 & 0x700u) | (n >> 12 & 0x7000u);
  const uint32_t low = byte_perm(k0, k1, selector), high = byte_perm(k2, k3, selector);
  const uint32_t upper_half = ((n >> 3) & 0x01010101u) * 0xFFu;  // 0xFF in each byte whose index is ≥ 8
  return static_cast<int>((low & ~upper_half) | (high & upper_half));
}

// Q4_K / Q5_K 6-bit scale and min of sub-block j (0..7) from the 12 scale bytes read as three
// little-endian words (the same formulas as quant::k4_scale_min, without byte addressing).
HEARTH_HD void k4_scale_min_words(int j, uint32_t w0, uint32_t w1, uint32_t w2, int& sc, int& m) {
  auto byte = [&](int i) -> int {
    const uint32_t w = i < 4 ? w0 : (i < 8 ? w1 : w2);
    return static_cast<int>((w >> (8 * (i & 3))) & 0xFFu);
  };
  if (j < 4) {
    sc = byte(j) & 63;
    m = byte(j + 4) & 63;
  } else {
    sc = (byte(j + 4) & 0xF) | ((byte(j - 4) >> 6) << 4);
    m = (byte(j + 4) >> 4) | ((byte(j) >> 6) << 4);
  }
}

// ---- per-type slice dot products ---------------------------------------------------------------
//
// Traits<T> describe one weight type:
//   kBlockElems, kBlockBytes  the block (for F32/F16/BF16 a vector of 4 or 8 elements)
//   kSlices                   slices per block; slice s of block b is work item b·kSlices + s
//   kAlign                    alignment of block starts the loads rely on (row starts and row
//                             strides must be multiples of it)
//   kQ8                       true: dot(block, slice, aq, ads) with Q8_1 activations of the block
//                             (aq: kBlockElems quants, 16-byte aligned; ads: kBlockElems/32 pairs)
//                             false: dot(block, slice, x) with kBlockElems f32 activations

template <gguf::TensorType T>
struct Traits;

template <>
struct Traits<gguf::TensorType::Q4_0> {
  static constexpr int kBlockElems = 32, kBlockBytes = 18, kSlices = 2, kAlign = 2;
  static constexpr bool kQ8 = true;
  // Slice s: quant words 2s, 2s+1 → elements 8s..8s+7 (low nibbles) and 16+8s..16+8s+7 (high).
  HEARTH_HD static float dot(const uint8_t* b, int s, const int8_t* aq, const float* ads) {
    int sumi = 0;
    for (int i = 0; i < 2; ++i) {
      const int w = 2 * s + i;
      const uint32_t v = load_u32_a2(b + 2 + 4 * w);
      sumi = dp4a(static_cast<int>(v & 0x0F0F0F0Fu), load_act(aq + 4 * w), sumi);
      sumi = dp4a(static_cast<int>((v >> 4) & 0x0F0F0F0Fu), load_act(aq + 16 + 4 * w), sumi);
    }
    // (q − 8)·d over half of the block: d·(dy·Σq·qy − 8·Σx/2).
    return half_to_float(static_cast<uint16_t>(load_u16(b))) * (ads[0] * static_cast<float>(sumi) - 4.0f * ads[1]);
  }
};

template <>
struct Traits<gguf::TensorType::Q4_1> {
  static constexpr int kBlockElems = 32, kBlockBytes = 20, kSlices = 2, kAlign = 4;
  static constexpr bool kQ8 = true;
  HEARTH_HD static float dot(const uint8_t* b, int s, const int8_t* aq, const float* ads) {
    int sumi = 0;
    for (int i = 0; i < 2; ++i) {
      const int w = 2 * s + i;
      const uint32_t v = load_u32_a4(b + 4 + 4 * w);
      sumi = dp4a(static_cast<int>(v & 0x0F0F0F0Fu), load_act(aq + 4 * w), sumi);
      sumi = dp4a(static_cast<int>((v >> 4) & 0x0F0F0F0Fu), load_act(aq + 16 + 4 * w), sumi);
    }
    const uint32_t dm = load_u32_a4(b);
    const float d = half_to_float(static_cast<uint16_t>(dm)), m = half_to_float(static_cast<uint16_t>(dm >> 16));
    return d * ads[0] * static_cast<float>(sumi) + m * 0.5f * ads[1];
  }
};

template <>
struct Traits<gguf::TensorType::Q5_0> {
  static constexpr int kBlockElems = 32, kBlockBytes = 22, kSlices = 2, kAlign = 2;
  static constexpr bool kQ8 = true;
  HEARTH_HD static float dot(const uint8_t* b, int s, const int8_t* aq, const float* ads) {
    const uint32_t h = load_u32_a2(b + 2);
    int sumi = 0;
    for (int i = 0; i < 2; ++i) {
      const int w = 2 * s + i;
      const uint32_t v = load_u32_a2(b + 6 + 4 * w);
      const uint32_t lo = (v & 0x0F0F0F0Fu) | spread_bits_to_bit4((h >> (4 * w)) & 0xFu);
      const uint32_t hi = ((v >> 4) & 0x0F0F0F0Fu) | spread_bits_to_bit4((h >> (4 * w + 16)) & 0xFu);
      sumi = dp4a(static_cast<int>(lo), load_act(aq + 4 * w), sumi);
      sumi = dp4a(static_cast<int>(hi), load_act(aq + 16 + 4 * w), sumi);
    }
    return half_to_float(static_cast<uint16_t>(load_u16(b))) * (ads[0] * static_cast<float>(sumi) - 8.0f * ads[1]);
  }
};

template <>
struct Traits<gguf::TensorType::Q5_1> {
  static constexpr int kBlockElems = 32, kBlockBytes = 24, kSlices = 2, kAlign = 4;
  static constexpr bool kQ8 = true;
  HEARTH_HD static float dot(const uint8_t* b, int s, const int8_t* aq, const float* ads) {
    const uint32_t h = load_u32_a4(b + 4);
    int sumi = 0;
    for (int i = 0; i < 2; ++i) {
      const int w = 2 * s + i;
      const uint32_t v = load_u32_a4(b + 8 + 4 * w);
      const uint32_t lo = (v & 0x0F0F0F0Fu) | spread_bits_to_bit4((h >> (4 * w)) & 0xFu);
      const uint32_t hi = ((v >> 4) & 0x0F0F0F0Fu) | spread_bits_to_bit4((h >> (4 * w + 16)) & 0xFu);
      sumi = dp4a(static_cast<int>(lo), load_act(aq + 4 * w), sumi);
      sumi = dp4a(static_cast<int>(hi), load_act(aq + 16 + 4 * w), sumi);
    }
    const uint32_t dm = load_u32_a4(b);
    const float d = half_to_float(static_cast<uint16_t>(dm)), m = half_to_float(static_cast<uint16_t>(dm >> 16));
    return d * ads[0] * static_cast<float>(sumi) + m * 0.5f * ads[1];
  }
};

template <>
struct Traits<gguf::TensorType::Q8_0> {
  static constexpr int kBlockElems = 32, kBlockBytes = 34, kSlices = 4, kAlign = 2;
  static constexpr bool kQ8 = true;
  // Slice s: quants 8s..8s+7.
  HEARTH_HD static float dot(const uint8_t* b, int s, const int8_t* aq, const float* ads) {
    int sumi = dp4a(static_cast<int>(load_u32_a2(b + 2 + 8 * s)), load_act(aq + 8 * s), 0);
    sumi = dp4a(static_cast<int>(load_u32_a2(b + 6 + 8 * s)), load_act(aq + 8 * s + 4), sumi);
    return half_to_float(static_cast<uint16_t>(load_u16(b))) * ads[0] * static_cast<float>(sumi);
  }
};

template <>
struct Traits<gguf::TensorType::IQ4_NL> {
  static constexpr int kBlockElems = 32, kBlockBytes = 18, kSlices = 2, kAlign = 2;
  static constexpr bool kQ8 = true;
  HEARTH_HD static float dot(const uint8_t* b, int s, const int8_t* aq, const float* ads) {
    int sumi = 0;
    for (int i = 0; i < 2; ++i) {
      const int w = 2 * s + i;
      const uint32_t v = load_u32_a2(b + 2 + 4 * w);
      sumi = dp4a(iq4nl_lookup4(v & 0x0F0F0F0Fu), load_act(aq + 4 * w), sumi);
      sumi = dp4a(iq4nl_lookup4((v >> 4) & 0x0F0F0F0Fu), load_act(aq + 16 + 4 * w), sumi);
    }
    return half_to_float(static_cast<uint16_t>(load_u16(b))) * ads[0] * static_cast<float>(sumi);
  }
};

// Q4_K: chunk c (64 elements) keeps 32 quant bytes whose low nibbles are sub-block 2c and high
// nibbles sub-block 2c+1. Slice s = (c, h): quant bytes 16h..16h+15 of chunk c (one 16-byte load)
// → elements 64c+16h.. (low) and 64c+32+16h.. (high).
template <>
struct Traits<gguf::TensorType::Q4_K> {
  static constexpr int kBlockElems = 256, kBlockBytes = 144, kSlices = 8, kAlign = 16;
  static constexpr bool kQ8 = true;
  HEARTH_HD static float dot(const uint8_t* b, int s, const int8_t* aq, const float* ads) {
    const int c = s >> 1, h = s & 1;
    uint32_t v0, v1, v2, v3;
    load_u32x4_a16(b + 16 + 32 * c + 16 * h, v0, v1, v2, v3);
    int a0, a1, a2, a3, b0, b1, b2, b3;
    load_act16(aq + 64 * c + 16 * h, a0, a1, a2, a3);
    load_act16(aq + 64 * c + 32 + 16 * h, b0, b1, b2, b3);
    const uint32_t m4 = 0x0F0F0F0Fu;
    int lo = dp4a(static_cast<int>(v0 & m4), a0, 0);
    lo = dp4a(static_cast<int>(v1 & m4), a1, lo);
    lo = dp4a(static_cast<int>(v2 & m4), a2, lo);
    lo = dp4a(static_cast<int>(v3 & m4), a3, lo);
    int hi = dp4a(static_cast<int>((v0 >> 4) & m4), b0, 0);
    hi = dp4a(static_cast<int>((v1 >> 4) & m4), b1, hi);
    hi = dp4a(static_cast<int>((v2 >> 4) & m4), b2, hi);
    hi = dp4a(static_cast<int>((v3 >> 4) & m4), b3, hi);
    return finish_k4(b, c, lo, hi, ads);
  }
  // d·(sc0·dy0·Σlo + sc1·dy1·Σhi) − dmin·(m0·Σx0 + m1·Σx1)/2 (the slice covers half of each
  // of its two 32-element sub-blocks).
  HEARTH_HD static float finish_k4(const uint8_t* b, int c, int lo, int hi, const float* ads) {
    int sc0, m0, sc1, m1;
    const uint32_t w0 = load_u32_a4(b + 4), w1 = load_u32_a4(b + 8), w2 = load_u32_a4(b + 12);
    k4_scale_min_words(2 * c, w0, w1, w2, sc0, m0);
    k4_scale_min_words(2 * c + 1, w0, w1, w2, sc1, m1);
    const uint32_t dm = load_u32_a4(b);
    const float d = half_to_float(static_cast<uint16_t>(dm)), dmin = half_to_float(static_cast<uint16_t>(dm >> 16));
    const float* y0 = ads + 4 * c;  // (d, Σx) of activation blocks 2c and 2c+1
    const float sum_d = static_cast<float>(sc0) * y0[0] * static_cast<float>(lo) + static_cast<float>(sc1) * y0[2] * static_cast<float>(hi);
    const float sum_m = static_cast<float>(m0) * y0[1] + static_cast<float>(m1) * y0[3];
    return d * sum_d - dmin * 0.5f * sum_m;
  }
};

// Q5_K: as Q4_K plus the fifth bits: element 64c+l (l < 32) takes bit 2c of qh[l], element
// 64c+32+l bit 2c+1. Slice (c, h) reads qh[16h..16h+15] (one 16-byte load).
template <>
struct Traits<gguf::TensorType::Q5_K> {
  static constexpr int kBlockElems = 256, kBlockBytes = 176, kSlices = 8, kAlign = 16;
  static constexpr bool kQ8 = true;
  HEARTH_HD static float dot(const uint8_t* b, int s, const int8_t* aq, const float* ads) {
    const int c = s >> 1, h = s & 1;
    uint32_t v0, v1, v2, v3, h0, h1, h2, h3;
    load_u32x4_a16(b + 48 + 32 * c + 16 * h, v0, v1, v2, v3);
    load_u32x4_a16(b + 16 + 16 * h, h0, h1, h2, h3);
    int a0, a1, a2, a3, b0, b1, b2, b3;
    load_act16(aq + 64 * c + 16 * h, a0, a1, a2, a3);
    load_act16(aq + 64 * c + 32 + 16 * h, b0, b1, b2, b3);
    const uint32_t m4 = 0x0F0F0F0Fu, m1 = 0x01010101u;
    const int sl = 2 * c, sh = 2 * c + 1;
    auto low = [&](uint32_t v, uint32_t hb) { return static_cast<int>((v & m4) | (((hb >> sl) & m1) << 4)); };
    auto high = [&](uint32_t v, uint32_t hb) { return static_cast<int>(((v >> 4) & m4) | (((hb >> sh) & m1) << 4)); };
    int lo = dp4a(low(v0, h0), a0, 0);
    lo = dp4a(low(v1, h1), a1, lo);
    lo = dp4a(low(v2, h2), a2, lo);
    lo = dp4a(low(v3, h3), a3, lo);
    int hi = dp4a(high(v0, h0), b0, 0);
    hi = dp4a(high(v1, h1), b1, hi);
    hi = dp4a(high(v2, h2), b2, hi);
    hi = dp4a(high(v3, h3), b3, hi);
    return Traits<gguf::TensorType::Q4_K>::finish_k4(b, c, lo, hi, ads);
  }
};

// Q6_K: half hh (128 elements) has ql[64hh..], qh[32hh..], scales[8hh..]; for l < 32 the four
// elements 128hh + 32m + l (m = 0..3) share ql/qh bytes. Slice s = (hh, lq) covers l in
// [8lq, 8lq+8) for all four m: 8 bytes of ql at l, 8 at l+32, 8 of qh at l.
template <>
struct Traits<gguf::TensorType::Q6_K> {
  static constexpr int kBlockElems = 256, kBlockBytes = 210, kSlices = 8, kAlign = 2;
  static constexpr bool kQ8 = true;
  HEARTH_HD static float dot(const uint8_t* b, int s, const int8_t* aq, const float* ads) {
    const int hh = s >> 2, lq = s & 3;
    const uint8_t* L = b + 64 * hh + 8 * lq;
    const uint8_t* H = b + 128 + 32 * hh + 8 * lq;
    const int8_t* A = aq + 128 * hh + 8 * lq;
    int s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (int i = 0; i < 2; ++i) {
      const uint32_t la = load_u32_a2(L + 4 * i), lb = load_u32_a2(L + 32 + 4 * i), hq = load_u32_a2(H + 4 * i);
      const uint32_t m4 = 0x0F0F0F0Fu, m2 = 0x30303030u;
      s0 = dp4a(sub_bytes_32((la & m4) | ((hq << 4) & m2)), load_act(A + 4 * i), s0);
      s1 = dp4a(sub_bytes_32((lb & m4) | ((hq << 2) & m2)), load_act(A + 32 + 4 * i), s1);
      s2 = dp4a(sub_bytes_32(((la >> 4) & m4) | (hq & m2)), load_act(A + 64 + 4 * i), s2);
      s3 = dp4a(sub_bytes_32(((lb >> 4) & m4) | ((hq >> 2) & m2)), load_act(A + 96 + 4 * i), s3);
    }
    const int8_t* S = reinterpret_cast<const int8_t*>(b + 192 + 8 * hh + (lq >> 1));
    const float* y = ads + 8 * hh;  // (d, Σx) of activation blocks 4hh .. 4hh+3
    const float sum = static_cast<float>(S[0]) * y[0] * static_cast<float>(s0) + static_cast<float>(S[2]) * y[2] * static_cast<float>(s1) +
                      static_cast<float>(S[4]) * y[4] * static_cast<float>(s2) + static_cast<float>(S[6]) * y[6] * static_cast<float>(s3);
    return half_to_float(static_cast<uint16_t>(load_u16(b + 208))) * sum;
  }
};

// Q3_K: element 128h + 32j + 16t + l (t ∈ {0,1}, l < 16) has 2 low bits in qs[32h+16t+l] >> 2j,
// the high bit in hmask[16t+l] bit (4h+j), scale index 8h+2j+t. Slice s = (h, t, lh) covers
// l in [8lh, 8lh+8) for j = 0..3: 8 bytes of qs and 8 of hmask.
template <>
struct Traits<gguf::TensorType::Q3_K> {
  static constexpr int kBlockElems = 256, kBlockBytes = 110, kSlices = 8, kAlign = 2;
  static constexpr bool kQ8 = true;
  HEARTH_HD static float dot(const uint8_t* b, int s, const int8_t* aq, const float* ads) {
    const int h = s >> 2, t = (s >> 1) & 1, lh = s & 1;
    const uint8_t* Q = b + 32 + 32 * h + 16 * t + 8 * lh;
    const uint8_t* M = b + 16 * t + 8 * lh;
    const uint32_t q0 = load_u32_a2(Q), q1 = load_u32_a2(Q + 4), hm0 = load_u32_a2(M), hm1 = load_u32_a2(M + 4);
    const int8_t* A = aq + 128 * h + 16 * t + 8 * lh;
    float sum = 0.0f;
    for (int j = 0; j < 4; ++j) {
      const int bit = 4 * h + j;
      const uint32_t l0 = (q0 >> (2 * j)) & 0x03030303u, l1 = (q1 >> (2 * j)) & 0x03030303u;
      const uint32_t u0 = ((hm0 >> bit) & 0x01010101u) << 2, u1 = ((hm1 >> bit) & 0x01010101u) << 2;
      int sumi = dp4a(sub_bytes_4(l0 | u0), load_act(A + 32 * j), 0);
      sumi = dp4a(sub_bytes_4(l1 | u1), load_act(A + 32 * j + 4), sumi);
      const int sc = quant::q3k_scale(8 * h + 2 * j + t, b + 96);
      sum += static_cast<float>(sc) * ads[2 * (4 * h + j)] * static_cast<float>(sumi);
    }
    return half_to_float(static_cast<uint16_t>(load_u16(b + 108))) * sum;
  }
};

// Q2_K: element 128h + 32j + 16t + l has 2 bits in qs[32h+16t+l] >> 2j and the 4-bit scale/min
// pair scales[8h+2j+t]. Slices as Q3_K. The min term uses Σ of the activation quants of the slice.
template <>
struct Traits<gguf::TensorType::Q2_K> {
  static constexpr int kBlockElems = 256, kBlockBytes = 84, kSlices = 8, kAlign = 4;
  static constexpr bool kQ8 = true;
  HEARTH_HD static float dot(const uint8_t* b, int s, const int8_t* aq, const float* ads) {
    const int h = s >> 2, t = (s >> 1) & 1, lh = s & 1;
    const uint8_t* Q = b + 16 + 32 * h + 16 * t + 8 * lh;
    const uint32_t q0 = load_u32_a4(Q), q1 = load_u32_a4(Q + 4);
    const int8_t* A = aq + 128 * h + 16 * t + 8 * lh;
    float sum_d = 0.0f, sum_m = 0.0f;
    for (int j = 0; j < 4; ++j) {
      const int a0 = load_act(A + 32 * j), a1 = load_act(A + 32 * j + 4);
      int sumi = dp4a(static_cast<int>((q0 >> (2 * j)) & 0x03030303u), a0, 0);
      sumi = dp4a(static_cast<int>((q1 >> (2 * j)) & 0x03030303u), a1, sumi);
      const int suma = dp4a(0x01010101, a1, dp4a(0x01010101, a0, 0));
      const int sc = b[8 * h + 2 * j + t];
      const float dy = ads[2 * (4 * h + j)];
      sum_d += static_cast<float>(sc & 0xF) * dy * static_cast<float>(sumi);
      sum_m += static_cast<float>(sc >> 4) * dy * static_cast<float>(suma);
    }
    const uint32_t dm = load_u32_a4(b + 80);
    return half_to_float(static_cast<uint16_t>(dm)) * sum_d - half_to_float(static_cast<uint16_t>(dm >> 16)) * sum_m;
  }
};

// IQ4_XS: sub-block i (32 elements) has 16 quant bytes at 8+16i (low nibbles → elements 32i..,
// high → 32i+16..) and a 6-bit scale. One slice per sub-block (two 8-byte loads).
template <>
struct Traits<gguf::TensorType::IQ4_XS> {
  static constexpr int kBlockElems = 256, kBlockBytes = 136, kSlices = 8, kAlign = 8;
  static constexpr bool kQ8 = true;
  HEARTH_HD static float dot(const uint8_t* b, int s, const int8_t* aq, const float* ads) {
    uint32_t v[4];
    load_u32x2_a8(b + 8 + 16 * s, v[0], v[1]);
    load_u32x2_a8(b + 16 + 16 * s, v[2], v[3]);
    const int8_t* A = aq + 32 * s;
    int sumi = 0;
    HEARTH_UNROLL
    for (int n = 0; n < 4; ++n) {
      sumi = dp4a(iq4nl_lookup4(v[n] & 0x0F0F0F0Fu), load_act(A + 4 * n), sumi);
      sumi = dp4a(iq4nl_lookup4((v[n] >> 4) & 0x0F0F0F0Fu), load_act(A + 16 + 4 * n), sumi);
    }
    const int ls = quant::iq4xs_scale(s, *reinterpret_cast<const quant::BlockIQ4_XS*>(b));
    return half_to_float(static_cast<uint16_t>(load_u16(b))) * static_cast<float>(ls) * ads[2 * s] * static_cast<float>(sumi);
  }
};

// ---- float weights (f32 activations) ----
// Vector traits read 16 bytes per slice (rows, strides and activations must be 16-byte aligned);
// the Scalar traits read one element and take any layout.

struct F32Vec {
  static constexpr int kBlockElems = 4, kBlockBytes = 16, kSlices = 1, kAlign = 16;
  static constexpr bool kQ8 = false;
  HEARTH_HD static float dot(const uint8_t* b, int, const float* x) {
    float w0, w1, w2, w3, x0, x1, x2, x3;
    load_f32x4(reinterpret_cast<const float*>(b), w0, w1, w2, w3);
    load_f32x4(x, x0, x1, x2, x3);
    return w0 * x0 + w1 * x1 + w2 * x2 + w3 * x3;
  }
};

template <bool kBf16>
struct Half8Vec {
  static constexpr int kBlockElems = 8, kBlockBytes = 16, kSlices = 1, kAlign = 16;
  static constexpr bool kQ8 = false;
  HEARTH_HD static float dot(const uint8_t* b, int, const float* x) {
    uint32_t w[4];
    load_u32x4_a16(b, w[0], w[1], w[2], w[3]);
    float xs[8];
    load_f32x4(x, xs[0], xs[1], xs[2], xs[3]);
    load_f32x4(x + 4, xs[4], xs[5], xs[6], xs[7]);
    float sum = 0.0f;
    HEARTH_UNROLL
    for (int i = 0; i < 4; ++i) {
      const uint16_t lo = static_cast<uint16_t>(w[i]), hi = static_cast<uint16_t>(w[i] >> 16);
      sum += (kBf16 ? bf16_to_float(lo) : half_to_float(lo)) * xs[2 * i];
      sum += (kBf16 ? bf16_to_float(hi) : half_to_float(hi)) * xs[2 * i + 1];
    }
    return sum;
  }
};

struct F32Scalar {
  static constexpr int kBlockElems = 1, kBlockBytes = 4, kSlices = 1, kAlign = 4;
  static constexpr bool kQ8 = false;
  HEARTH_HD static float dot(const uint8_t* b, int, const float* x) { return *reinterpret_cast<const float*>(b) * x[0]; }
};

template <bool kBf16>
struct HalfScalar {
  static constexpr int kBlockElems = 1, kBlockBytes = 2, kSlices = 1, kAlign = 2;
  static constexpr bool kQ8 = false;
  HEARTH_HD static float dot(const uint8_t* b, int, const float* x) {
    const uint16_t h = static_cast<uint16_t>(load_u16(b));
    return (kBf16 ? bf16_to_float(h) : half_to_float(h)) * x[0];
  }
};

// ---- Q8_1 activation quantization (llama.cpp's CUDA convention) -------------------------------

// One block of 32: q = roundf(x/d) with d = amax/127 (all zero when amax is 0), Σx in order.
// The device kernel computes amax and Σx with a warp reduction, so its Σx may differ from this one
// in the last bits; d and the quants are identical.
HEARTH_HD void quantize_q8_1_block(const float* x, int8_t* q, float& d, float& sum) {
  float amax = 0.0f;
  sum = 0.0f;
  for (int i = 0; i < 32; ++i) {
    amax = fmaxf(amax, fabsf(x[i]));
    sum += x[i];
  }
  d = amax / 127.0f;
  for (int i = 0; i < 32; ++i) q[i] = static_cast<int8_t>(amax == 0.0f ? 0 : static_cast<int>(roundf(x[i] / d)));
}

}  // namespace hearth::cuda::gemv_math
