// Weight × activation products in llama.cpp's order (parity.h): the kernel choice of
// ggml_compute_forward_mul_mat on an x86 AVX-512 build, then the kernel itself.
//
// ggml's choice, per weight type and number of activation rows T:
//  1. Weights in the CPU_REPACK buffer (Q4_0, IQ4_NL, Q4_K with AVX2; Q2_K with AVX-512; rows a
//     multiple of 8) go through the interleaved kernels: rows are converted in groups of 4 by
//     the 4x8 quantizer and multiplied by the GEMM, the T mod 4 remaining rows by the GEMV.
//  2. Otherwise, for T ≥ 2, llamafile_sgemm: tinyBLAS for F32/F16/BF16 (one 16-lane accumulator
//     per output), tinyBLAS_Q0 for Q8_0/Q4_0/Q5_0/IQ4_NL — whose per-output arithmetic is the same
//     as the row kernel's, so the row kernel is used for them.
//  3. Everything else: the row kernel ggml_vec_dot_<type> for every (row, token) pair.
// Activations are converted with the type's from_float (quantize_activation_row reproduces the
// x86 quantize_row_q8_0/q8_1 and quantize_row_q8_K_ref; F16 and BF16 round to nearest even).
// A bias is ggml_add'ed to the finished product.
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/cpu/parity.h"
#include "kernels/cpu/parity_kernels.h"
#include "kernels/cpu/quant.h"

namespace hearth::cpu::parity {
namespace {

using detail::RowDotFn;
using detail::TinyBlasDotFn;

std::size_t act_row_bytes(TensorType t, int64_t k) { return static_cast<std::size_t>(gguf::row_bytes(t, static_cast<uint64_t>(k))); }

[[noreturn]] void unsupported(TensorType t) {
  throw std::invalid_argument("llama.cpp numerics: no kernel for weight type " + std::string(gguf::type_name(t)));
}

void add_bias(const MatmulArgs& a) {
  if (!a.bias) return;
  for (int64_t t = 0; t < a.tokens; ++t)
    for (int64_t r = 0; r < a.rows; ++r) a.y[t * a.ldy + r] += a.bias[r];
}

void matmul_rows(const MatmulArgs& a, ThreadPool& pool) {
  const TensorType act = vec_dot_type(a.type);
  const std::size_t arb = act_row_bytes(act, a.k);
  std::vector<uint8_t> xq(arb * static_cast<std::size_t>(a.tokens));
  for (int64_t t = 0; t < a.tokens; ++t) quantize_activation_row(act, a.x + t * a.ldx, xq.data() + arb * static_cast<std::size_t>(t), a.k);

  RowDotFn row = detail::row_dot(a.type);
  TinyBlasDotFn tiny = a.tokens >= 2 ? detail::tinyblas_dot(a.type) : nullptr;
  // tinyBLAS refuses k not a multiple of its step (16 floats; BF16 32) and m not a multiple of 4.
  if (tiny && (a.k % (a.type == TensorType::BF16 ? 32 : 16) != 0 || a.rows % 4 != 0)) tiny = nullptr;
  if (!row) unsupported(a.type);
  const RowDotFn dot = tiny ? tiny : row;
  const std::size_t wrb = act_row_bytes(a.type, a.k);
  const auto* w = static_cast<const uint8_t*>(a.weight);
  pool.parallel_for(a.rows, [&](int64_t begin, int64_t end, int) {
    for (int64_t r = begin; r < end; ++r)
      for (int64_t t = 0; t < a.tokens; ++t)
        a.y[t * a.ldy + r] = dot(a.k, w + wrb * static_cast<std::size_t>(r), xq.data() + arb * static_cast<std::size_t>(t));
  });
}

void matmul_repacked(const MatmulArgs& a, ThreadPool& pool) {
  const TensorType act = detail::repack_activation_type(a.type);
  const std::size_t arb = act_row_bytes(act, a.k);
  std::vector<uint8_t> xq(arb * static_cast<std::size_t>(a.tokens));
  const int64_t grouped = a.tokens - a.tokens % 4;
  for (int64_t t = 0; t < grouped; t += 4)
    detail::quantize_rows_4x8(act, a.x + t * a.ldx, a.ldx, xq.data() + arb * static_cast<std::size_t>(t), arb, a.k);
  for (int64_t t = grouped; t < a.tokens; ++t)
    quantize_activation_row(act, a.x + t * a.ldx, xq.data() + arb * static_cast<std::size_t>(t), a.k);

  const std::size_t wrb = act_row_bytes(a.type, a.k);
  const auto* w = static_cast<const uint8_t*>(a.weight);
  pool.parallel_for(a.rows / 8, [&](int64_t begin, int64_t end, int) {
    for (int64_t c = begin; c < end; ++c) {
      const uint8_t* wc = w + wrb * static_cast<std::size_t>(8 * c);
      for (int64_t t = 0; t < grouped; t += 4)
        detail::repack_gemm(a.type, a.k, wc, wrb, xq.data() + arb * static_cast<std::size_t>(t), arb, a.y + t * a.ldy + 8 * c, a.ldy);
      for (int64_t t = grouped; t < a.tokens; ++t)
        detail::repack_gemv(a.type, a.k, wc, wrb, xq.data() + arb * static_cast<std::size_t>(t), a.y + t * a.ldy + 8 * c);
    }
  });
}

}  // namespace

bool supports_weight_type(TensorType t) { return detail::row_dot(t) != nullptr; }

void matmul(const MatmulArgs& a, ThreadPool& pool) {
  if (!available()) throw std::runtime_error("llama.cpp numerics need a CPU with AVX2, FMA and F16C");
  if (!supports_weight_type(a.type)) unsupported(a.type);
  if (a.k % static_cast<int64_t>(gguf::traits(a.type).block_size) != 0)
    throw std::invalid_argument("llama.cpp numerics: k = " + std::to_string(a.k) + " is not a multiple of the " +
                                std::string(gguf::type_name(a.type)) + " block size");
  if (a.tokens <= 0 || a.rows <= 0) return;
  if (detail::is_repacked(a.type) && a.rows % 8 == 0) matmul_repacked(a, pool);
  else matmul_rows(a, pool);
  add_bias(a);
}

}  // namespace hearth::cpu::parity
