// AVX2 matmul plans: which kernel runs a given weight type and token count.
//   32-element formats (matmul_avx2_q32.cpp): streaming GEMV for few tokens, panel GEMM beyond.
//   K-quants: the generic path with the AVX2 vec_dot for few tokens (one streaming pass per row,
//     memory-bound), the panel GEMM (matmul_avx2_qk.cpp) beyond.
//   Everything else: the generic path.
#include "kernels/cpu/matmul_avx2_gemm.h"

namespace hearth::cpu::detail {

namespace {
// Below this many tokens, decoding a weight panel costs more than it saves.
constexpr int64_t kMinPanelTokens = 4;
}  // namespace

MatmulPlan avx2_plan_matmul(TensorType weight_type, int64_t k, int64_t tokens) {
  MatmulPlan plan = avx2_plan_q32(weight_type, k, tokens, kMinPanelTokens);
  if (plan.run) return plan;
  if (tokens >= kMinPanelTokens) return avx2_plan_qk(weight_type, k);
  return {};
}

}  // namespace hearth::cpu::detail
