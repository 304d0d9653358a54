// matmul / matmul_reference (kernels/cpu/matmul.h).
//
// Both convert the T activation rows once to the weight's vec_dot_type. The reference then takes
// one scalar vec_dot per (token, row). The optimized path splits the rows into one contiguous
// slice per thread (each thread streams its own part of the weight matrix, which is what keeps a
// decode GEMV at memory bandwidth) and, for T > 1, walks each slice in tiles of rows × tokens so a
// tile's weight rows stay in L1/L2 while every token of the tile uses them.
#include "kernels/cpu/matmul.h"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/cpu/cpu_features.h"
#include "kernels/cpu/kernel_table.h"
#include "kernels/cpu/matmul_kernels.h"
#include "kernels/cpu/quant.h"

namespace hearth::cpu {
namespace {

void validate(const MatmulArgs& a) {
  auto fail = [&](const std::string& why) {
    throw std::invalid_argument("matmul (" + std::string(gguf::type_name(a.type)) + ", rows " +
                                std::to_string(a.rows) + ", k " + std::to_string(a.k) + ", tokens " +
                                std::to_string(a.tokens) + "): " + why);
  };
  if (!is_supported_weight_type(a.type)) fail("unsupported weight type");
  if (a.rows < 0 || a.k <= 0 || a.tokens < 0) fail("negative or empty dimension");
  if (a.k % gguf::traits(a.type).block_size != 0) fail("k is not a multiple of the block size");
  if (a.ldx < a.k) fail("ldx < k");
  if (a.ldy < a.rows) fail("ldy < rows");
  if (a.rows > 0 && a.tokens > 0 && (!a.weight || !a.x || !a.y)) fail("null pointer");
}

}  // namespace

void matmul_reference(const MatmulArgs& a) {
  validate(a);
  const TensorType act = vec_dot_type(a.type);
  const size_t act_bytes = gguf::row_bytes(act, static_cast<uint64_t>(a.k));
  const size_t w_bytes = gguf::row_bytes(a.type, static_cast<uint64_t>(a.k));
  std::vector<uint8_t> act_row(act_bytes);
  const auto* w = static_cast<const uint8_t*>(a.weight);
  for (int64_t t = 0; t < a.tokens; ++t) {
    reference::quantize_activation_row(act, a.x + t * a.ldx, act_row.data(), a.k);
    for (int64_t r = 0; r < a.rows; ++r) {
      float v = reference::vec_dot(a.type, a.k, w + r * w_bytes, act_row.data());
      if (a.bias) v += a.bias[r];
      a.y[t * a.ldy + r] = v;
    }
  }
}

void matmul(const MatmulArgs& a, ThreadPool& pool) {
  validate(a);
  if (a.rows == 0 || a.tokens == 0) return;
  detail::MatmulPlan plan = detail::plan_matmul(a.type, a.k, a.tokens);

  // 1. Activations, converted once (rows split across threads).
  std::vector<uint8_t> act(static_cast<size_t>(a.tokens) * plan.act_row_bytes + 64);
  uint8_t* act_base = act.data();
  pool.parallel_for(a.tokens, [&](int64_t t0, int64_t t1, int) {
    for (int64_t t = t0; t < t1; ++t) plan.prepare_activation(a.x + t * a.ldx, act_base + t * plan.act_row_bytes, a.k);
  });

  // 2. Output rows: one contiguous, tile-aligned slice per thread.
  const int64_t unit = plan.row_tile;
  const int64_t units = (a.rows + unit - 1) / unit;
  pool.run_on_all([&](int t, int nt) {
    const int64_t u0 = units * t / nt, u1 = units * (t + 1) / nt;
    const int64_t r0 = u0 * unit, r1 = std::min(a.rows, u1 * unit);
    if (r0 >= r1) return;
    detail::MatmulSlice s{a, act_base, plan.act_row_bytes, r0, r1};
    plan.run(plan, s);
  });
}

}  // namespace hearth::cpu
