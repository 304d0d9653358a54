// kernels/cpu/parity_kernels.h — internal: the per-type kernels behind parity.h, one function per
// llama.cpp kernel they reproduce. Only the parity_*.cpp files include this.
//
// Row dot products take one weight row and one activation row already converted to the
// weight's vec_dot_type (quantize_activation_row, or the repack quantizer for 4-row groups) and
// return what the named ggml function stores. The GEMV/GEMM functions of the repacked formats
// take plain GGUF rows and reproduce ggml's interleaved kernels' accumulation order without
// building the interleaved copy (the order depends on which 8 rows are interleaved together:
// rows 8c..8c+7 form column group c).
#pragma once

#include <cstdint>

#include "gguf/types.h"

namespace hearth::cpu::parity::detail {

using gguf::TensorType;

// ggml_vec_dot_<type>_<vec_dot_type> of the AVX2/AVX-512 build (row-by-row kernels).
using RowDotFn = float (*)(int64_t n, const void* weight_row, const void* activation_row);
// nullptr when the type has no row kernel here.
RowDotFn row_dot(TensorType weight_type);
RowDotFn row_dot_kquant(TensorType weight_type);  // the K-quants (parity_vec_dot_k.cpp)

// llamafile_sgemm's tinyBLAS for float weights (F32, F16, BF16 activations converted to the
// weight type): one 16-lane (BF16: 32 elements per FMA step) accumulator per output element.
// nullptr when tinyBLAS does not handle the type; those use row_dot for every batch size.
using TinyBlasDotFn = float (*)(int64_t n, const void* weight_row, const void* activation_row);
TinyBlasDotFn tinyblas_dot(TensorType weight_type);

// ggml_vec_dot_f32 (AVX-512: 4 accumulators of 16 lanes over 64-element steps, the tail added in
// f32 with FMA) and tinyBLAS<16> for F32 (one 16-lane accumulator); `stride` is the distance
// between consecutive x elements (1 for contiguous rows, used for transposed V).
float vec_dot_f32(int64_t n, const float* x, int64_t x_stride, const float* y);
float tinyblas_dot_f32(int64_t n, const float* x, int64_t x_stride, const float* y);

// Repacked ("CPU_REPACK" extra buffer) formats: Q4_0, IQ4_NL and Q4_K as 8×8 interleaved blocks
// on any AVX2 machine, Q2_K 8×8 with AVX-512. gemv: one activation row (quantized with the
// ordinary from_float); gemm: four activation rows quantized together by ggml_quantize_mat_*_4x8.
bool is_repacked(TensorType weight_type);
TensorType repack_activation_type(TensorType weight_type);
// Quantizes 4 rows (x rows ldx apart) as the 4x8 interleaving quantizer would, but writes them
// back as 4 ordinary rows of the activation type (only the numbers matter, not the layout).
void quantize_rows_4x8(TensorType act_type, const float* x, int64_t ldx, void* dst, std::size_t dst_row_bytes, int64_t n);
// Output columns [col, col+8) for one activation row (gemv) or four (gemm, outputs 4 rows apart
// by ldy). `weight` points at row `col` (col a multiple of 8), `row_bytes` apart.
void repack_gemv(TensorType weight_type, int64_t n, const uint8_t* weight, std::size_t row_bytes, const void* act, float* y);
void repack_gemm(TensorType weight_type, int64_t n, const uint8_t* weight, std::size_t row_bytes, const void* act,
                 std::size_t act_row_bytes, float* y, int64_t ldy);

}  // namespace hearth::cpu::parity::detail
