// tests/kernels/spec_reference.h — an independent, deliberately plain dequantizer written from the
// text of spec §2.2–2.3 (shared/specs/gguf-and-models.md), used as the oracle for the library's
// dequantize_row. It reads raw little-endian bytes at the offsets the spec gives (no block structs,
// no shared helpers from kernels/), converts f16 with ldexp rather than bit tricks, and evaluates
// each formula in f32 in the order the spec writes it.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "gguf/types.h"

namespace hearth::test::spec {

inline uint16_t u16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
inline uint32_t u32(const uint8_t* p) { return u16(p) | (static_cast<uint32_t>(u16(p + 2)) << 16); }

// IEEE binary16 → f32 by its definition: (−1)^s · 2^(e−15) · (1 + m/1024), subnormals 2^−14·m/1024.
inline float half(uint16_t h) {
  const int s = h >> 15, e = (h >> 10) & 31, m = h & 1023;
  double v;
  if (e == 0) {
    v = std::ldexp(static_cast<double>(m), -24);
  } else if (e == 31) {
    v = m ? NAN : INFINITY;
  } else {
    v = std::ldexp(static_cast<double>(1024 + m), e - 25);
  }
  return static_cast<float>(s ? -v : v);
}

inline float bf16(uint16_t h) {
  uint32_t bits = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

inline constexpr int kIq4nl[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

// K-quant 6-bit scale/min j of Q4_K/Q5_K from scales b[12] (spec "K-quant 6-bit scale/min packing").
inline void scale_min(const uint8_t* b, int j, int& sc, int& m) {
  if (j < 4) {
    sc = b[j] & 63;
    m = b[j + 4] & 63;
  } else {
    sc = (b[j + 4] & 0xF) | ((b[j - 4] >> 6) << 4);
    m = (b[j + 4] >> 4) | ((b[j] >> 6) << 4);
  }
}

// Dequantizes n elements of `type` starting at `p` (n a multiple of the block size).
inline std::vector<float> dequantize(gguf::TensorType type, const uint8_t* p, int64_t n) {
  using T = gguf::TensorType;
  std::vector<float> x(static_cast<size_t>(n));
  float* out = x.data();
  switch (type) {
    case T::F32: std::memcpy(out, p, static_cast<size_t>(n) * 4); break;
    case T::F16:
      for (int64_t i = 0; i < n; ++i) out[i] = half(u16(p + 2 * i));
      break;
    case T::BF16:
      for (int64_t i = 0; i < n; ++i) out[i] = bf16(u16(p + 2 * i));
      break;
    case T::Q4_0:  // f16 d; u8 qs[16]
      for (int64_t b = 0; b < n / 32; ++b, p += 18, out += 32) {
        const float d = half(u16(p));
        const uint8_t* qs = p + 2;
        for (int j = 0; j < 16; ++j) {
          out[j] = static_cast<float>((qs[j] & 0xF) - 8) * d;
          out[j + 16] = static_cast<float>((qs[j] >> 4) - 8) * d;
        }
      }
      break;
    case T::Q4_1:  // f16 d; f16 m; u8 qs[16]
      for (int64_t b = 0; b < n / 32; ++b, p += 20, out += 32) {
        const float d = half(u16(p)), m = half(u16(p + 2));
        const uint8_t* qs = p + 4;
        for (int j = 0; j < 16; ++j) {
          out[j] = static_cast<float>(qs[j] & 0xF) * d + m;
          out[j + 16] = static_cast<float>(qs[j] >> 4) * d + m;
        }
      }
      break;
    case T::Q5_0:  // f16 d; u8 qh[4]; u8 qs[16]
      for (int64_t b = 0; b < n / 32; ++b, p += 22, out += 32) {
        const float d = half(u16(p));
        const uint32_t h = u32(p + 2);
        const uint8_t* qs = p + 6;
        for (int j = 0; j < 16; ++j) {
          out[j] = static_cast<float>(static_cast<int>((qs[j] & 0xF) | (((h >> j) & 1) << 4)) - 16) * d;
          out[j + 16] = static_cast<float>(static_cast<int>((qs[j] >> 4) | (((h >> (j + 16)) & 1) << 4)) - 16) * d;
        }
      }
      break;
    case T::Q5_1:  // f16 d; f16 m; u8 qh[4]; u8 qs[16]
      for (int64_t b = 0; b < n / 32; ++b, p += 24, out += 32) {
        const float d = half(u16(p)), m = half(u16(p + 2));
        const uint32_t h = u32(p + 4);
        const uint8_t* qs = p + 8;
        for (int j = 0; j < 16; ++j) {
          out[j] = static_cast<float>((qs[j] & 0xF) | (((h >> j) & 1) << 4)) * d + m;
          out[j + 16] = static_cast<float>((qs[j] >> 4) | (((h >> (j + 16)) & 1) << 4)) * d + m;
        }
      }
      break;
    case T::Q8_0:  // f16 d; i8 qs[32]
      for (int64_t b = 0; b < n / 32; ++b, p += 34, out += 32) {
        const float d = half(u16(p));
        for (int j = 0; j < 32; ++j) out[j] = static_cast<float>(static_cast<int8_t>(p[2 + j])) * d;
      }
      break;
    case T::Q2_K:  // u8 scales[16]; u8 qs[64]; f16 d; f16 dmin
      for (int64_t b = 0; b < n / 256; ++b, p += 84, out += 256) {
        const uint8_t* scales = p;
        const uint8_t* qs = p + 16;
        const float d = half(u16(p + 80)), dmin = half(u16(p + 82));
        for (int h = 0; h < 2; ++h)
          for (int j = 0; j < 4; ++j)
            for (int s = 0; s < 2; ++s)
              for (int l = 0; l < 16; ++l) {
                const int k = 128 * h + 32 * j + 16 * s + l;
                const int q = (qs[32 * h + 16 * s + l] >> (2 * j)) & 3;
                const int sc = scales[8 * h + 2 * j + s];
                out[k] = (d * static_cast<float>(sc & 0xF)) * static_cast<float>(q) - dmin * static_cast<float>(sc >> 4);
              }
      }
      break;
    case T::Q3_K:  // u8 hmask[32]; u8 qs[64]; u8 scales[12]; f16 d
      for (int64_t blk = 0; blk < n / 256; ++blk, p += 110, out += 256) {
        const uint8_t* hmask = p;
        const uint8_t* qs = p + 32;
        const uint8_t* b = p + 96;
        const float d = half(u16(p + 108));
        int sc[16];
        for (int i = 0; i < 16; ++i) {
          const int lo4 = (i < 8) ? (b[i] & 0xF) : (b[i - 8] >> 4);
          const int hi2 = (b[8 + (i % 4)] >> (2 * (i / 4))) & 3;
          sc[i] = (lo4 | hi2 << 4) - 32;
        }
        for (int h = 0; h < 2; ++h)
          for (int j = 0; j < 4; ++j)
            for (int s = 0; s < 2; ++s)
              for (int l = 0; l < 16; ++l) {
                const int k = 128 * h + 32 * j + 16 * s + l;
                const int q2 = (qs[32 * h + 16 * s + l] >> (2 * j)) & 3;
                const bool hbit = hmask[16 * s + l] & (1 << (4 * h + j));
                const int q = q2 - (hbit ? 0 : 4);
                out[k] = (d * static_cast<float>(sc[8 * h + 2 * j + s])) * static_cast<float>(q);
              }
      }
      break;
    case T::Q4_K:  // f16 d; f16 dmin; u8 scales[12]; u8 qs[128]
    case T::Q5_K:  // f16 d; f16 dmin; u8 scales[12]; u8 qh[32]; u8 qs[128]
    {
      const bool five = type == T::Q5_K;
      const int block_bytes = five ? 176 : 144;
      for (int64_t blk = 0; blk < n / 256; ++blk, p += block_bytes, out += 256) {
        const float d = half(u16(p)), dmin = half(u16(p + 2));
        const uint8_t* b = p + 4;
        const uint8_t* qh = p + 16;
        const uint8_t* qs = five ? p + 48 : p + 16;
        for (int c = 0; c < 4; ++c) {
          int sc0, m0, sc1, m1;
          scale_min(b, 2 * c, sc0, m0);
          scale_min(b, 2 * c + 1, sc1, m1);
          for (int l = 0; l < 32; ++l) {
            int q0 = qs[32 * c + l] & 0xF, q1 = qs[32 * c + l] >> 4;
            if (five) {
              q0 += ((qh[l] >> (2 * c)) & 1) << 4;
              q1 += ((qh[l] >> (2 * c + 1)) & 1) << 4;
            }
            out[64 * c + l] = (d * static_cast<float>(sc0)) * static_cast<float>(q0) - dmin * static_cast<float>(m0);
            out[64 * c + 32 + l] = (d * static_cast<float>(sc1)) * static_cast<float>(q1) - dmin * static_cast<float>(m1);
          }
        }
      }
      break;
    }
    case T::Q6_K:  // u8 ql[128]; u8 qh[64]; i8 scales[16]; f16 d
      for (int64_t blk = 0; blk < n / 256; ++blk, p += 210, out += 256) {
        const float d = half(u16(p + 208));
        for (int h = 0; h < 2; ++h) {
          const uint8_t* L = p + 64 * h;
          const uint8_t* H = p + 128 + 32 * h;
          const int8_t* S = reinterpret_cast<const int8_t*>(p + 192 + 8 * h);
          for (int l = 0; l < 32; ++l) {
            const int is = l / 16;
            const int q[4] = {((L[l] & 0xF) | (((H[l] >> 0) & 3) << 4)) - 32,
                              ((L[l + 32] & 0xF) | (((H[l] >> 2) & 3) << 4)) - 32,
                              ((L[l] >> 4) | (((H[l] >> 4) & 3) << 4)) - 32,
                              ((L[l + 32] >> 4) | (((H[l] >> 6) & 3) << 4)) - 32};
            for (int r = 0; r < 4; ++r) {
              const float scale = static_cast<float>(S[is + 2 * r]);
              out[128 * h + l + 32 * r] = (d * scale) * static_cast<float>(q[r]);
            }
          }
        }
      }
      break;
    case T::IQ4_NL:  // f16 d; u8 qs[16]
      for (int64_t b = 0; b < n / 32; ++b, p += 18, out += 32) {
        const float d = half(u16(p));
        for (int j = 0; j < 16; ++j) {
          out[j] = d * static_cast<float>(kIq4nl[p[2 + j] & 0xF]);
          out[j + 16] = d * static_cast<float>(kIq4nl[p[2 + j] >> 4]);
        }
      }
      break;
    case T::IQ4_XS:  // f16 d; u16 scales_h; u8 scales_l[4]; u8 qs[128]
      for (int64_t b = 0; b < n / 256; ++b, p += 136, out += 256) {
        const float d = half(u16(p));
        const uint16_t scales_h = u16(p + 2);
        const uint8_t* scales_l = p + 4;
        for (int i = 0; i < 8; ++i) {
          const int ls = ((scales_l[i / 2] >> (4 * (i % 2))) & 0xF) | (((scales_h >> (2 * i)) & 3) << 4);
          const float dl = d * static_cast<float>(ls - 32);
          const uint8_t* Q = p + 8 + 16 * i;
          for (int j = 0; j < 16; ++j) {
            out[32 * i + j] = dl * static_cast<float>(kIq4nl[Q[j] & 0xF]);
            out[32 * i + 16 + j] = dl * static_cast<float>(kIq4nl[Q[j] >> 4]);
          }
        }
      }
      break;
    default: throw std::invalid_argument("spec::dequantize: type not covered by the spec oracle");
  }
  return x;
}

}  // namespace hearth::test::spec
