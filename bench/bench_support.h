// bench/bench_support.h — shared helpers for the kernel microbenchmarks: this machine's measured
// read bandwidth (the GEMV roofline) and weight matrices big enough to defeat the caches.
#pragma once

#include <cstdint>
#include <vector>

#include "gguf/types.h"

namespace hearth::bench {

// Read bandwidth in bytes/s of an AVX2 streaming sum over 1 GiB with `threads` threads, best of 5.
// Measured once per thread count and cached for the process (0 when the CPU lacks AVX2).
double read_bandwidth(int threads);

// `copies` independent rows × k weight matrices of `type` (random N(0,1) weights; 64 distinct
// rows quantized once and tiled, which is all a speed test needs). Rotating through the copies
// makes every GEMV read its weights from DRAM, as a real forward pass does.
struct WeightSet {
  gguf::TensorType type;
  int64_t rows = 0, k = 0;
  size_t matrix_bytes = 0;
  std::vector<std::vector<uint8_t>> copies;
};
WeightSet make_weights(gguf::TensorType type, int64_t rows, int64_t k, size_t min_total_bytes);

std::vector<float> random_activations(int64_t tokens, int64_t k);

}  // namespace hearth::bench
