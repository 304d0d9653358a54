// kernels/cuda/attention_math.h — how split-K attention divides a sequence's keys among the
// chunk blocks of a launch (HEARTH_HD: the kernels and the host tests share it).
//
// A launch has a fixed number of chunk blocks per (token, KV head) — fixed so that a captured
// CUDA graph stays valid while sequences grow. Each block derives its key range from the token's
// current length n_kv (read from device memory): the keys are cut into pieces of
// max(min_keys, ⌈n_kv / n_chunks⌉) rounded up to a multiple of 16, so a short sequence uses a few
// chunks (the rest exit at once) and a long one spreads over all of them. The merge kernel
// derives the same split from the same n_kv.
#pragma once

#include <cstdint>

#include "kernels/common/quant_blocks.h"

namespace hearth::cuda::attn {

struct KeySplit {
  int64_t keys_per_chunk = 0;  // every chunk but the last has exactly this many keys
  int n_used = 0;              // chunks 0..n_used-1 hold keys; the others are empty
};

HEARTH_HD KeySplit split_keys(int64_t n_kv, int n_chunks, int64_t min_keys) {
  KeySplit s;
  if (n_kv <= 0 || n_chunks <= 0) return s;
  int64_t per = (n_kv + n_chunks - 1) / n_chunks;
  if (per < min_keys) per = min_keys;
  per = (per + 15) / 16 * 16;
  s.keys_per_chunk = per;
  s.n_used = static_cast<int>((n_kv + per - 1) / per);  // ≤ n_chunks because per ≥ ⌈n_kv / n_chunks⌉
  return s;
}

}  // namespace hearth::cuda::attn
