// AVX2 matmul for the 32-element formats (matmul_avx2_q32.h): a streaming GEMV for one token and a
// panel GEMM (matmul_avx2_gemm.h) for several.
//
// GEMV: each row is read once, straight from the weight matrix, with a software prefetch 4 KiB
// ahead of the 8 blocks in hand. Weight scales are converted 8 blocks at a time (one f16→f32
// conversion, one multiply by the activation scales), and the offset/min correction is one FMA per
// 8 blocks, so the per-block work is the level decode and one maddubs/madd/convert/FMA chain.
// GEMM panel: levels [b][row][32], f32 scales [b][row], corrections [row][nb8] (zero past nb);
// micro-kernel kPanelRows rows × 2 tokens.
#include "kernels/cpu/matmul_avx2_q32.h"

#include <cstring>

#include "kernels/cpu/matmul_avx2_gemm.h"

namespace hearth::cpu::detail {
namespace {

using namespace q32;

// ------------------------------------------------------------------------------------ GEMV

// The f16 field at byte `offset` of 8 consecutive blocks, as 8 floats.
template <class Block>
inline __m256 halves8(const Block* x, size_t offset) {
  uint16_t h[8];
  for (int j = 0; j < 8; ++j) std::memcpy(&h[j], reinterpret_cast<const uint8_t*>(x + j) + offset, 2);
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h)));
}

constexpr int64_t kPrefetchBytes = 4096;

template <class Decode>
float gemv_row(const typename Decode::Block* x, const ActView& a, int64_t nb) {
  using Block = typename Decode::Block;
  // Four accumulators: one FMA chain per block would be bound by the FMA latency, not throughput.
  __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
  __m256 corr = _mm256_setzero_ps();
  alignas(32) float scale[8];
  int64_t b = 0;
  for (; b + 8 <= nb; b += 8) {
    // Software prefetch a fixed distance ahead in the weight stream (it runs on into the next rows
    // of this thread's slice, which are contiguous): the hardware prefetcher alone leaves the
    // single-core stream below read bandwidth.
    const char* ahead = reinterpret_cast<const char*>(x + b) + kPrefetchBytes;
    for (size_t line = 0; line < 8 * sizeof(Block); line += 64) _mm_prefetch(ahead + line, _MM_HINT_T0);
    const __m256 dw = halves8(x + b, 0);
    _mm256_store_ps(scale, _mm256_mul_ps(dw, _mm256_loadu_ps(a.d + b)));
    if constexpr (!Decode::kSigned) {
      const __m256 c = Decode::kHasMin ? halves8(x + b, 2) : _mm256_mul_ps(dw, _mm256_set1_ps(Decode::kOffset));
      corr = _mm256_fmadd_ps(c, _mm256_loadu_ps(a.s + b), corr);
    }
    for (int j = 0; j < 8; ++j) {
      const __m256i p = block_dot<Decode>(Decode::levels(x[b + j]), load32(a.qs + 32 * (b + j)));
      acc[j % 4] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), _mm256_broadcast_ss(scale + j), acc[j % 4]);
    }
  }
  float tail = 0.f;
  for (; b < nb; ++b) {
    const Block& blk = x[b];
    const __m256i p = block_dot<Decode>(Decode::levels(blk), load32(a.qs + 32 * b));
    acc[0] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), _mm256_set1_ps(half_to_float(blk.d) * a.d[b]), acc[0]);
    if constexpr (!Decode::kSigned) tail += correction<Decode>(blk) * a.s[b];
  }
  return hsum(_mm256_add_ps(_mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3])), corr)) + tail;
}

template <class Decode>
void run_gemv(const MatmulPlan& plan, const MatmulSlice& s) {
  const MatmulArgs& a = s.args;
  const size_t w_row_bytes = gguf::row_bytes(a.type, static_cast<uint64_t>(a.k));
  const auto* w = static_cast<const uint8_t*>(a.weight);
  const int64_t nb = a.k / 32;
  for (int64_t t = 0; t < a.tokens; ++t) {
    const ActView act = act_view(s.act + t * plan.act_row_bytes, a.k);
    float* y = a.y + t * a.ldy;
    for (int64_t r = s.r0; r < s.r1; ++r) {
      const auto* row = reinterpret_cast<const typename Decode::Block*>(w + r * w_row_bytes);
      y[r] = gemv_row<Decode>(row, act, nb) + (a.bias ? a.bias[r] : 0.f);
    }
  }
}

// ------------------------------------------------------------------------------------ GEMM

template <class Decode>
struct Panel {
  static constexpr int64_t kBlock = 32;
  // 4096 elements: levels 4 rows × 4 KiB plus scales and corrections stay within L1.
  static int64_t chunk_blocks(int64_t) { return 128; }

  // levels [nb][kPanelRows][32] | scales [nb][kPanelRows] | corrections [kPanelRows][nb8]
  // (nb8 = nb rounded up to 8, zero past nb; k chunks start at multiples of 8 blocks)
  static int64_t nb8(int64_t nb) { return (nb + 7) / 8 * 8; }
  static size_t panel_bytes(int64_t nb) {
    return static_cast<size_t>(nb * kPanelRows * 32 + nb * kPanelRows * 4 + nb8(nb) * kPanelRows * 4);
  }
  static uint8_t* levels(uint8_t* p) { return p; }
  static float* scales(uint8_t* p, int64_t nb) { return reinterpret_cast<float*>(p + nb * kPanelRows * 32); }
  static float* corrections(uint8_t* p, int64_t nb) { return scales(p, nb) + nb * kPanelRows; }

  static void decode_panel(const uint8_t* rows, size_t row_bytes, int nrows, int64_t b0, int64_t b1, uint8_t* panel) {
    using Block = typename Decode::Block;
    const int64_t nb = b1 - b0, n8 = nb8(nb);
    uint8_t* lv = levels(panel);
    float* sc = scales(panel, nb);
    float* corr = corrections(panel, nb);
    for (int r = 0; r < kPanelRows; ++r) {
      for (int64_t b = nb; b < n8; ++b) corr[r * n8 + b] = 0.f;
      const auto* x = reinterpret_cast<const Block*>(rows + r * row_bytes) + b0;
      for (int64_t b = 0; b < nb; ++b) {
        auto* out = reinterpret_cast<__m256i*>(lv + (b * kPanelRows + r) * 32);
        if (r >= nrows) {  // padding rows of the last panel
          _mm256_store_si256(out, _mm256_setzero_si256());
          sc[b * kPanelRows + r] = 0.f;
          corr[r * n8 + b] = 0.f;
          continue;
        }
        _mm256_store_si256(out, Decode::levels(x[b]));
        sc[b * kPanelRows + r] = half_to_float(x[b].d);
        corr[r * n8 + b] = correction<Decode>(x[b]);
      }
    }
  }

  template <int NT>
  static void tile(const uint8_t* panel_in, int64_t b0, int64_t b1, int64_t k, const uint8_t* const* act_rows,
                   float out[kPanelRows][2]) {
    auto* panel = const_cast<uint8_t*>(panel_in);
    const int64_t nb = b1 - b0, n8 = nb8(nb);
    const uint8_t* lv = levels(panel);
    const float* sc = scales(panel, nb);
    const float* corr = corrections(panel, nb);
    ActView a[NT];
    for (int t = 0; t < NT; ++t) {
      a[t] = act_view(act_rows[t], k);
      a[t].qs += 32 * b0, a[t].d += b0, a[t].s += b0;
    }
    __m256 acc[kPanelRows][NT];
    for (int r = 0; r < kPanelRows; ++r)
      for (int t = 0; t < NT; ++t) acc[r][t] = _mm256_setzero_ps();
    for (int64_t b = 0; b < nb; ++b) {
      if constexpr (!Decode::kSigned) {
        // Offsets/mins, 8 blocks at a time, lane-wise into the same accumulators (the activation's
        // s is zero-padded past the last block, the panel's corrections past the chunk).
        if (b % 8 == 0) {
          for (int r = 0; r < kPanelRows; ++r) {
            const __m256 c = _mm256_loadu_ps(corr + r * n8 + b);
            for (int t = 0; t < NT; ++t) acc[r][t] = _mm256_fmadd_ps(c, _mm256_loadu_ps(a[t].s + b), acc[r][t]);
          }
        }
      }
      __m256 da[NT];
      __m256i q[NT];
      for (int t = 0; t < NT; ++t) {
        da[t] = _mm256_broadcast_ss(a[t].d + b);
        q[t] = load32(a[t].qs + 32 * b);
      }
      for (int r = 0; r < kPanelRows; ++r) {
        const __m256i w = _mm256_load_si256(reinterpret_cast<const __m256i*>(lv + (b * kPanelRows + r) * 32));
        const __m256 dw = _mm256_broadcast_ss(sc + b * kPanelRows + r);
        for (int t = 0; t < NT; ++t) {
          const __m256 f = _mm256_cvtepi32_ps(block_dot<Decode>(w, q[t]));
          acc[r][t] = _mm256_fmadd_ps(f, _mm256_mul_ps(dw, da[t]), acc[r][t]);
        }
      }
    }
    for (int r = 0; r < kPanelRows; ++r)
      for (int t = 0; t < NT; ++t) out[r][t] = hsum(acc[r][t]);
  }
};

template <class Decode>
MatmulPlan plan_for(int64_t k, int64_t tokens, int64_t min_panel_tokens) {
  MatmulPlan p;
  p.act_row_bytes = act_bytes(k);
  p.prepare_activation = prepare<Decode::kQ81>;
  if (tokens >= min_panel_tokens) {
    p.row_tile = kPanelRows;
    p.run = run_panel_gemm<Panel<Decode>>;
  } else {
    p.row_tile = 16;
    p.run = run_gemv<Decode>;
  }
  return p;
}

}  // namespace

MatmulPlan avx2_plan_q32(TensorType type, int64_t k, int64_t tokens, int64_t min_panel_tokens) {
  switch (type) {
    case TensorType::Q4_0: return plan_for<DecodeQ4_0>(k, tokens, min_panel_tokens);
    case TensorType::Q5_0: return plan_for<DecodeQ5_0>(k, tokens, min_panel_tokens);
    case TensorType::Q8_0: return plan_for<DecodeQ8_0>(k, tokens, min_panel_tokens);
    case TensorType::IQ4_NL: return plan_for<DecodeIQ4_NL>(k, tokens, min_panel_tokens);
    case TensorType::Q4_1: return plan_for<DecodeQ4_1>(k, tokens, min_panel_tokens);
    case TensorType::Q5_1: return plan_for<DecodeQ5_1>(k, tokens, min_panel_tokens);
    default: return {};
  }
}

}  // namespace hearth::cpu::detail
