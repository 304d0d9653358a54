// EXPERIMENT: ggml-cpu/tiled K-quant GEMM emulation.
#include <immintrin.h>

#include <cmath>
#include <cstdlib>
#include <cstring>

#include "kernels/common/half.h"
#include "kernels/common/quant_blocks.h"
#include "kernels/cpu/parity_kernels.h"
#include "kernels/cpu/quant.h"

namespace hearth::cpu::parity::detail {
namespace {
using namespace hearth::quant;
inline float h2f(uint16_t h) { return _cvtsh_ss(h); }

struct SB { int8_t q[256]; int sc[16]; int n_sub; };  // levels, scales per subblock (16 or 8)

inline float step(float acc, int32_t s1, float d0, bool has_min, float dmin, int32_t s2, float d1, int epi) {
  float r = static_cast<float>(s1) * d0;
  if (has_min) r = std::fma(-dmin, static_cast<float>(s2), r);
  if (epi == 1) return std::fma(r, d1, acc);
  return acc + r * d1;
}

int epi_variant() { static int v = [] { const char* e = std::getenv("HEARTH_TILED_EPI"); return e ? std::atoi(e) : 0; }(); return v; }

float tiled_generic(TensorType t, int64_t n, const void* w, const void* a) {
  const auto* y = static_cast<const BlockQ8_K*>(a);
  float acc = 0.0f;
  for (int64_t i = 0; i < n / QK_K; ++i) {
    int32_t s1 = 0, s2 = 0;
    float d0 = 0, dmin = 0;
    bool has_min = false;
    if (t == TensorType::Q6_K) {
      const auto& x = static_cast<const BlockQ6_K*>(w)[i];
      d0 = h2f(x.d);
      for (int e = 0; e < QK_K; ++e) {
        const int j = e / 128, sh = (e % 128) / 32, c = e % 32;
        const uint8_t lb = x.ql[64 * j + 32 * (sh & 1) + c];
        const int low = sh < 2 ? lb & 0xF : lb >> 4;
        const int high = (x.qh[32 * j + c] >> (2 * sh)) & 3;
        s1 += x.scales[e / 16] * (((low | high << 4) - 32) * y[i].qs[e]);
      }
    } else if (t == TensorType::Q3_K) {
      const auto& x = static_cast<const BlockQ3_K*>(w)[i];
      d0 = h2f(x.d);
      int sc[16];
      for (int k = 0; k < 16; ++k) {
        const int low = k < 8 ? x.scales[k] & 0xF : x.scales[k - 8] >> 4;
        const int high = (x.scales[8 + k % 4] >> (2 * (k / 4))) & 3;
        sc[k] = (low | high << 4) - 32;
      }
      for (int e = 0; e < QK_K; ++e) {
        const int j = e / 128, sh = (e % 128) / 32, c = e % 32;
        const int low = (x.qs[32 * j + c] >> (2 * sh)) & 3;
        const int hbit = (x.hmask[c] >> (4 * j + sh)) & 1;
        s1 += sc[e / 16] * ((low - (hbit ? 0 : 4)) * y[i].qs[e]);
      }
    } else if (t == TensorType::Q5_K || t == TensorType::Q4_K) {
      const bool q5 = t == TensorType::Q5_K;
      const uint8_t* scales = q5 ? static_cast<const BlockQ5_K*>(w)[i].scales : static_cast<const BlockQ4_K*>(w)[i].scales;
      const uint8_t* qs = q5 ? static_cast<const BlockQ5_K*>(w)[i].qs : static_cast<const BlockQ4_K*>(w)[i].qs;
      const uint8_t* qh = q5 ? static_cast<const BlockQ5_K*>(w)[i].qh : nullptr;
      d0 = h2f(q5 ? static_cast<const BlockQ5_K*>(w)[i].d : static_cast<const BlockQ4_K*>(w)[i].d);
      dmin = h2f(q5 ? static_cast<const BlockQ5_K*>(w)[i].dmin : static_cast<const BlockQ4_K*>(w)[i].dmin);
      has_min = true;
      for (int j = 0; j < 8; ++j) {
        int sc, m;
        if (j < 4) { sc = scales[j] & 63; m = scales[j + 4] & 63; }
        else { sc = (scales[j + 4] & 0xF) | ((scales[j - 4] >> 6) << 4); m = (scales[j + 4] >> 4) | ((scales[j] >> 6) << 4); }
        int32_t raw = 0;
        for (int e = 32 * j; e < 32 * j + 32; ++e) {
          const uint8_t byte = qs[32 * (e / 64) + e % 32];
          int v = (e % 64) < 32 ? byte & 0xF : byte >> 4;
          if (q5) v |= ((qh[e % 32] >> (e / 32)) & 1) << 4;
          raw += v * y[i].qs[e];
        }
        s1 += sc * raw;
        s2 += m * (y[i].bsums[2 * j] + y[i].bsums[2 * j + 1]);
      }
    } else if (t == TensorType::Q2_K) {
      const auto& x = static_cast<const BlockQ2_K*>(w)[i];
      d0 = h2f(x.d); dmin = h2f(x.dmin); has_min = true;
      for (int g = 0; g < 16; ++g) {
        int32_t raw = 0;
        for (int e = 16 * g; e < 16 * g + 16; ++e) raw += ((x.qs[32 * (e / 128) + e % 32] >> (2 * ((e % 128) / 32))) & 3) * y[i].qs[e];
        s1 += (x.scales[g] & 0xF) * raw;
        s2 += (x.scales[g] >> 4) * y[i].bsums[g];
      }
    }
    acc = step(acc, s1, d0, has_min, dmin, s2, y[i].d, epi_variant());
  }
  return acc;
}
template <TensorType T> float tiled_t(int64_t n, const void* w, const void* a) { return tiled_generic(T, n, w, a); }
}  // namespace

RowDotFn tiled_dot_kquant(TensorType t) {
  static const int mask = [] { const char* e = std::getenv("HEARTH_TILED"); return e ? std::atoi(e) : 0; }();
  switch (t) {
    case TensorType::Q2_K: return (mask & 1) ? tiled_t<TensorType::Q2_K> : nullptr;
    case TensorType::Q3_K: return (mask & 2) ? tiled_t<TensorType::Q3_K> : nullptr;
    case TensorType::Q4_K: return (mask & 4) ? tiled_t<TensorType::Q4_K> : nullptr;
    case TensorType::Q5_K: return (mask & 8) ? tiled_t<TensorType::Q5_K> : nullptr;
    case TensorType::Q6_K: return (mask & 16) ? tiled_t<TensorType::Q6_K> : nullptr;
    default: return nullptr;
  }
}
}  // namespace hearth::cpu::parity::detail
