// plan_matmul and the generic (any type, any ISA) matmul kernel.
#include <algorithm>

#include "kernels/cpu/cpu_features.h"
#include "kernels/cpu/matmul_kernels.h"
#include "kernels/cpu/quant.h"

namespace hearth::cpu::detail {
namespace {

void run_generic(const MatmulPlan& plan, const MatmulSlice& s) {
  const MatmulArgs& a = s.args;
  const size_t w_bytes = gguf::row_bytes(a.type, static_cast<uint64_t>(a.k));
  const auto* w = static_cast<const uint8_t*>(a.weight);
  constexpr int64_t kRowTile = 16;
  for (int64_t rb = s.r0; rb < s.r1; rb += kRowTile) {
    const int64_t re = std::min(rb + kRowTile, s.r1);
    for (int64_t t = 0; t < a.tokens; ++t) {
      const uint8_t* act = s.act + t * s.act_row_bytes;
      float* y = a.y + t * a.ldy;
      for (int64_t r = rb; r < re; ++r) {
        float v = plan.dot(a.k, w + r * w_bytes, act);
        if (a.bias) v += a.bias[r];
        y[r] = v;
      }
    }
  }
}

}  // namespace

MatmulPlan plan_matmul(TensorType weight_type, int64_t k, int64_t tokens) {
  const bool avx2 = simd_level() == SimdLevel::Avx2;
  if (avx2) {
    MatmulPlan special = avx2_plan_matmul(weight_type, k, tokens);
    if (special.run) return special;
  }
  const TensorType act = vec_dot_type(weight_type);
  MatmulPlan plan;
  plan.act_row_bytes = gguf::row_bytes(act, static_cast<uint64_t>(k));
  plan.row_tile = 16;
  plan.prepare_activation = avx2 ? avx2_quantize_activation(act) : nullptr;
  if (!plan.prepare_activation) plan.prepare_activation = scalar_quantize_activation(act);
  plan.dot = avx2 ? avx2_vec_dot(weight_type) : nullptr;
  if (!plan.dot) plan.dot = scalar_vec_dot(weight_type);
  plan.run = run_generic;
  return plan;
}

}  // namespace hearth::cpu::detail
