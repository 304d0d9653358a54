// matmul (threaded GEMV/GEMM paths) against matmul_reference, over shapes, thread counts, token
// counts, strides and bias; plus argument validation.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <vector>

#include "kernel_test_util.h"
#include "kernels/cpu/matmul.h"
#include "kernels/cpu/thread_pool.h"

using hearth::gguf::TensorType;

namespace {

struct Problem {
  std::vector<uint8_t> w;
  std::vector<float> x, bias, wd;  // wd: dequantized weights, for the error scale
  int64_t rows, k, tokens, ldx, ldy;
};

Problem make_problem(TensorType type, int64_t rows, int64_t k, int64_t tokens, std::mt19937& rng) {
  Problem p;
  p.rows = rows, p.k = k, p.tokens = tokens, p.ldx = k + 3, p.ldy = rows + 5;
  auto wf = hearth::test::random_floats(static_cast<size_t>(rows * k), rng);
  p.w = hearth::test::quantize_matrix(type, wf, rows, k);
  p.wd.resize(static_cast<size_t>(rows * k));
  const size_t rb = hearth::gguf::row_bytes(type, static_cast<uint64_t>(k));
  for (int64_t r = 0; r < rows; ++r) hearth::cpu::dequantize_row(type, p.w.data() + r * rb, p.wd.data() + r * k, k);
  p.x = hearth::test::random_floats(static_cast<size_t>(tokens * p.ldx), rng, 2.f);
  p.bias = hearth::test::random_floats(static_cast<size_t>(rows), rng);
  return p;
}

hearth::cpu::MatmulArgs args_for(const Problem& p, TensorType type, float* y, bool bias) {
  hearth::cpu::MatmulArgs a{type, p.w.data(), p.rows, p.k, p.x.data(), p.ldx, p.tokens, y, p.ldy};
  if (bias) a.bias = p.bias.data();
  return a;
}

// Largest |got − want| relative to Σ|W·x| of that output (the natural scale of rounding error).
double worst_error(const Problem& p, const std::vector<float>& got, const std::vector<float>& want) {
  double worst = 0;
  for (int64_t t = 0; t < p.tokens; ++t) {
    for (int64_t r = 0; r < p.rows; ++r) {
      double mag = 1e-20;
      for (int64_t j = 0; j < p.k; ++j) mag += std::fabs(static_cast<double>(p.wd[r * p.k + j]) * p.x[t * p.ldx + j]);
      const size_t i = static_cast<size_t>(t * p.ldy + r);
      worst = std::max(worst, std::fabs(static_cast<double>(got[i]) - want[i]) / mag);
    }
  }
  return worst;
}

}  // namespace

TEST_CASE("matmul agrees with matmul_reference for every type, shape and thread count", "[kernels][matmul]") {
  std::mt19937 rng(21);
  hearth::cpu::ThreadPool pool1(1), pool2(2), pool3(3);
  hearth::cpu::ThreadPool* pools[] = {&pool1, &pool2, &pool3};
  struct Shape { int64_t rows, k_blocks, tokens; };
  const Shape shapes[] = {{1, 1, 1}, {7, 3, 1}, {33, 2, 2}, {64, 4, 5}, {100, 3, 17}, {257, 2, 33}, {16, 8, 64}};
  for (TensorType type : hearth::test::all_weight_types()) {
    const int64_t block = std::max<int64_t>(32, hearth::gguf::traits(type).block_size);
    for (const Shape& s : shapes) {
      const int64_t k = s.k_blocks * block;
      Problem p = make_problem(type, s.rows, k, s.tokens, rng);
      for (bool bias : {false, true}) {
        std::vector<float> want(static_cast<size_t>(p.tokens * p.ldy), -7.f);
        hearth::cpu::matmul_reference(args_for(p, type, want.data(), bias));
        for (auto* pool : pools) {
          INFO(hearth::gguf::type_name(type) << " rows " << s.rows << " k " << k << " tokens " << s.tokens
                                             << " threads " << pool->size() << (bias ? " +bias" : ""));
          std::vector<float> got(want.size(), -7.f);  // padding between rows must stay untouched
          hearth::cpu::matmul(args_for(p, type, got.data(), bias), *pool);
          CHECK(worst_error(p, got, want) < 1e-5);
          bool padding_intact = true;
          for (int64_t t = 0; t < p.tokens; ++t)
            for (int64_t r = p.rows; r < p.ldy; ++r) padding_intact &= got[static_cast<size_t>(t * p.ldy + r)] == -7.f;
          CHECK(padding_intact);
        }
      }
    }
  }
}

TEST_CASE("matmul on larger GEMM shapes exercises the tiled path", "[kernels][matmul]") {
  std::mt19937 rng(22);
  hearth::cpu::ThreadPool pool(2);
  // k = 4384 (137 blocks of 32) and 2816 (11 super-blocks) span several k chunks of the panel GEMM
  // with a ragged last chunk; 150 tokens span several token chunks.
  struct Case { TensorType type; int64_t rows, k; };
  const Case cases[] = {{TensorType::Q4_0, 96, 1024},  {TensorType::Q8_0, 96, 1024},  {TensorType::Q4_K, 96, 1024},
                        {TensorType::Q6_K, 96, 1024},  {TensorType::Q5_K, 96, 1024},  {TensorType::Q4_1, 96, 1024},
                        {TensorType::IQ4_NL, 96, 1024}, {TensorType::F16, 96, 1024},  {TensorType::Q4_0, 22, 4384},
                        {TensorType::Q5_1, 22, 4384},  {TensorType::Q8_0, 22, 4384},  {TensorType::Q4_K, 22, 2816},
                        {TensorType::Q3_K, 22, 2816},  {TensorType::Q2_K, 22, 2816},  {TensorType::Q6_K, 22, 2816}};
  for (const Case& c : cases) {
    const TensorType type = c.type;
    for (int64_t tokens : {1, 4, 7, 64, 150}) {
      if (c.k > 1024 && tokens == 64) continue;  // keep the test quick
      INFO(hearth::gguf::type_name(type) << " rows " << c.rows << " k " << c.k << " tokens " << tokens);
      Problem p = make_problem(type, c.rows, c.k, tokens, rng);
      std::vector<float> want(static_cast<size_t>(p.tokens * p.ldy)), got(want.size());
      hearth::cpu::matmul_reference(args_for(p, type, want.data(), true));
      hearth::cpu::matmul(args_for(p, type, got.data(), true), pool);
      CHECK(worst_error(p, got, want) < 1e-5);
    }
  }
}

TEST_CASE("matmul rejects bad arguments with a clear error", "[kernels][matmul]") {
  hearth::cpu::ThreadPool pool(1);
  std::vector<uint8_t> w(4096);
  std::vector<float> x(4096), y(4096);
  hearth::cpu::MatmulArgs a{TensorType::Q4_K, w.data(), 4, 100, x.data(), 100, 1, y.data(), 4};
  CHECK_THROWS_AS(hearth::cpu::matmul(a, pool), std::invalid_argument);  // k not a multiple of 256
  a.type = TensorType::IQ2_XXS;
  a.k = 256, a.ldx = 256;
  CHECK_THROWS_AS(hearth::cpu::matmul(a, pool), std::invalid_argument);  // unsupported type
  a.type = TensorType::Q4_0;
  a.ldy = 2;
  CHECK_THROWS_AS(hearth::cpu::matmul_reference(a), std::invalid_argument);  // ldy < rows
}
