// kernels/cpu/matmul_avx2_gemm.h — internal: the panel GEMM driver shared by the AVX2 formats.
//
// A thread's rows are processed in panels of kPanelRows rows. The work is blocked three ways:
// tokens in chunks whose prepared activations stay in L2, k in chunks whose decoded panel stays in
// L1, and rows in panels. Each (token chunk, k chunk, panel) decodes the panel's weights once into
// a cache-resident, format-neutral layout — unsigned or signed int8 levels plus scales — and a
// register-tiled micro-kernel (kPanelRows rows × 2 tokens) multiplies it with every token of the
// chunk, accumulating into y across k chunks. Weight bytes are read once per token chunk instead
// of once per token.
//
// A Format provides (blocks are the format's 32- or 256-element units):
//   static constexpr int64_t kBlock;                     // elements per block
//   static int64_t chunk_blocks(int64_t k);              // blocks per k chunk
//   static size_t panel_bytes(int64_t nblocks);
//   static void decode_panel(const uint8_t* rows, size_t row_bytes, int nrows, int64_t b0, int64_t b1,
//                            uint8_t* panel);           // rows past nrows decode as zeros
//   template <int NT> static void tile(const uint8_t* panel, int64_t b0, int64_t b1, int64_t k,
//                                      const uint8_t* const* act, float out[kPanelRows][2]);
//       (act[t] is token t's whole prepared activation row, t < NT)
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels/cpu/matmul_kernels.h"

namespace hearth::cpu::detail {

inline constexpr int kPanelRows = 4;

// Tokens per chunk: the chunk's prepared activations should fit in about half of a 512 KiB L2.
inline int64_t token_chunk(size_t act_row_bytes) {
  int64_t n = static_cast<int64_t>((256u << 10) / std::max<size_t>(act_row_bytes, 1));
  return std::clamp<int64_t>(n & ~int64_t{1}, 2, 256);
}

template <class Format>
void run_panel_gemm(const MatmulPlan& plan, const MatmulSlice& s) {
  const MatmulArgs& a = s.args;
  const size_t w_row_bytes = gguf::row_bytes(a.type, static_cast<uint64_t>(a.k));
  const auto* w = static_cast<const uint8_t*>(a.weight);
  const int64_t nblocks = a.k / Format::kBlock;
  const int64_t chunk_blocks = std::min(nblocks, Format::chunk_blocks(a.k));
  std::vector<uint8_t> panel_storage(Format::panel_bytes(chunk_blocks) + 64);
  uint8_t* panel = panel_storage.data() + (64 - reinterpret_cast<uintptr_t>(panel_storage.data()) % 64) % 64;
  // The activation bytes one k chunk of a token touches.
  const int64_t chunk = token_chunk(plan.act_row_bytes * static_cast<size_t>(chunk_blocks) / static_cast<size_t>(nblocks));
  for (int64_t t0 = 0; t0 < a.tokens; t0 += chunk) {
    const int64_t t1 = std::min(a.tokens, t0 + chunk);
    for (int64_t b0 = 0; b0 < nblocks; b0 += chunk_blocks) {
      const int64_t b1 = std::min(nblocks, b0 + chunk_blocks);
      for (int64_t r0 = s.r0; r0 < s.r1; r0 += kPanelRows) {
        const int nrows = static_cast<int>(std::min<int64_t>(kPanelRows, s.r1 - r0));
        Format::decode_panel(w + r0 * w_row_bytes, w_row_bytes, nrows, b0, b1, panel);
        for (int64_t t = t0; t < t1; t += 2) {
          const uint8_t* act[2] = {s.act + t * s.act_row_bytes, s.act + std::min(t + 1, t1 - 1) * s.act_row_bytes};
          float out[kPanelRows][2];
          const int nt = t + 1 < t1 ? 2 : 1;
          if (nt == 2) {
            Format::template tile<2>(panel, b0, b1, a.k, act, out);
          } else {
            Format::template tile<1>(panel, b0, b1, a.k, act, out);
          }
          for (int j = 0; j < nt; ++j) {
            float* y = a.y + (t + j) * a.ldy + r0;
            if (b0 == 0) {
              for (int r = 0; r < nrows; ++r) y[r] = out[r][j] + (a.bias ? a.bias[r0 + r] : 0.f);
            } else {
              for (int r = 0; r < nrows; ++r) y[r] += out[r][j];
            }
          }
        }
      }
    }
  }
}

// Σ_i c[i]·s[i] over n floats (the offset/min corrections of the panel formats).
inline float dot_f32_avx2(const float* c, const float* s, int64_t n) {
  __m256 acc = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) acc = _mm256_fmadd_ps(_mm256_loadu_ps(c + i), _mm256_loadu_ps(s + i), acc);
  __m128 v = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
  v = _mm_add_ps(v, _mm_movehl_ps(v, v));
  v = _mm_add_ss(v, _mm_movehdup_ps(v));
  float sum = _mm_cvtss_f32(v);
  for (; i < n; ++i) sum += c[i] * s[i];
  return sum;
}

// Plans of the two format families; run == nullptr when the type is not handled there.
// matmul_avx2_q32.cpp: streaming GEMV below min_panel_tokens tokens, panel GEMM from there on.
MatmulPlan avx2_plan_q32(TensorType type, int64_t k, int64_t tokens, int64_t min_panel_tokens);
// matmul_avx2_qk.cpp: panel GEMM for the K-quants (their GEMV is the generic vec_dot path).
MatmulPlan avx2_plan_qk(TensorType type, int64_t k);

}  // namespace hearth::cpu::detail
