// Split-K ("flash-decoding") causal attention over the KV cache, GQA-aware: the launcher and the
// chunk plan. The kernels and the argument checks are in attention_kernel.cuh (shared with the
// emulated host tests).
#include <algorithm>

#include "kernels/cuda/attention_kernel.cuh"
#include "kernels/cuda/cuda_check.h"

namespace hearth::cuda {

AttentionPlan plan_attention(int64_t tokens, int64_t cells_per_slot, int n_head, int n_head_kv, int sm_count) {
  AttentionPlan plan;
  plan.chunk_keys = attn::kMinChunkKeys;
  if (tokens <= 0 || cells_per_slot <= 0 || n_head <= 0 || n_head_kv <= 0) return plan;
  // Blocks per chunk index: tokens × KV heads × groups of ≤ 4 query heads. Aim for about four
  // blocks per multiprocessor when the sequences fill the slot; no chunk shorter than
  // kMinChunkKeys even then.
  const int64_t groups = (std::max(1, n_head / n_head_kv) + attn::kHeadsPerBlock - 1) / attn::kHeadsPerBlock;
  const int64_t per_chunk = tokens * n_head_kv * groups;
  const int64_t target = 4 * static_cast<int64_t>(std::max(sm_count, 1));
  int64_t chunks = (target + per_chunk - 1) / per_chunk;
  chunks = std::min<int64_t>(chunks, (cells_per_slot + attn::kMinChunkKeys - 1) / attn::kMinChunkKeys);
  chunks = std::clamp<int64_t>(chunks, 1, kAttentionMaxChunks);
  plan.n_chunks = static_cast<int>(chunks);
  return plan;
}

std::size_t attention_workspace_floats(int64_t tokens, int n_head, int head_dim, int n_chunks) {
  if (n_chunks <= 1) return 0;
  return static_cast<std::size_t>(tokens) * static_cast<std::size_t>(n_head) * static_cast<std::size_t>(n_chunks) *
         static_cast<std::size_t>(head_dim + 2);
}

void attention(const AttentionArgs& a, cudaStream_t stream) {
  attn::dispatch(a, [&](auto kernel, dim3 grid, dim3 block, std::size_t smem, const attn::Params& p) {
    if (smem > 48 * 1024) HEARTH_CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(smem)));
    kernel<<<grid, block, smem, stream>>>(p);
    check_launch("attention");
  });
}

}  // namespace hearth::cuda
