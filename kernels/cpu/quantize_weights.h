// kernels/cpu/quantize_weights.h — internal: the per-type weight quantizers behind quantize_row().
//
// Each converts n floats (a whole number of blocks) into the type's blocks exactly as llama.cpp's
// llama-quantize does without an importance matrix (quantize_row_*_ref; for IQ4_NL/IQ4_XS the
// quantize_iq4_nl/quantize_iq4_xs path, which searches 7 scale offsets each way).
#pragma once

#include <cstdint>

namespace hearth::cpu::detail {

void quantize_f16(const float* x, void* dst, int64_t n);
void quantize_bf16(const float* x, void* dst, int64_t n);
void quantize_q4_0(const float* x, void* dst, int64_t n);
void quantize_q4_1(const float* x, void* dst, int64_t n);
void quantize_q5_0(const float* x, void* dst, int64_t n);
void quantize_q5_1(const float* x, void* dst, int64_t n);
void quantize_q8_0(const float* x, void* dst, int64_t n);
void quantize_q2_k(const float* x, void* dst, int64_t n);
void quantize_q3_k(const float* x, void* dst, int64_t n);
void quantize_q4_k(const float* x, void* dst, int64_t n);
void quantize_q5_k(const float* x, void* dst, int64_t n);
void quantize_q6_k(const float* x, void* dst, int64_t n);
void quantize_iq4_nl(const float* x, void* dst, int64_t n);
void quantize_iq4_xs(const float* x, void* dst, int64_t n);

}  // namespace hearth::cpu::detail
