// bench/cuda/bench_cuda.h — shared pieces of hearth_bench_cuda, the CUDA microbenchmarks.
//
// Timing follows METHOD.md: CUDA events around the timed region, warm-up first, many repetitions
// and the median; inputs are random (never zeros) and rotated over several copies whose total
// is several times the L2 cache, so a "bandwidth" is DRAM bandwidth. Every figure is printed
// with its napkin math (bytes moved, GB/s, % of the device-to-device copy bandwidth measured
// in the same run) and collected into a JSON report (--json FILE) for scripts/gpu-check.
#pragma once

#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "common/json.h"
#include "kernels/cuda/cuda_check.h"

namespace hearth::bench {

struct Ceilings {
  double copy_gb_s = 0;  // device-to-device copy, bytes read + written
  double read_gb_s = 0;  // streaming read
  int sm_count = 0;
  std::size_t l2_bytes = 0;
};

struct Options {
  bool quick = false;  // fewer shapes and repetitions (a smoke run)
  std::vector<std::string> models;
  int n_prompt = 512, n_gen = 128, reps = 3;
};

// Median of per-call times: `calls` launches of fn (each call may use another input copy),
// timed as one event pair per batch, over `batches` batches after `warmup` untimed batches.
inline double median_ms(cudaStream_t stream, int calls, int batches, int warmup, const std::function<void(int)>& fn) {
  cudaEvent_t a, b;
  HEARTH_CUDA_CHECK(cudaEventCreate(&a));
  HEARTH_CUDA_CHECK(cudaEventCreate(&b));
  std::vector<double> per_call;
  for (int rep = 0; rep < warmup + batches; ++rep) {
    HEARTH_CUDA_CHECK(cudaEventRecord(a, stream));
    for (int i = 0; i < calls; ++i) fn(i);
    HEARTH_CUDA_CHECK(cudaEventRecord(b, stream));
    HEARTH_CUDA_CHECK(cudaEventSynchronize(b));
    float ms = 0;
    HEARTH_CUDA_CHECK(cudaEventElapsedTime(&ms, a, b));
    if (rep >= warmup) per_call.push_back(static_cast<double>(ms) / calls);
  }
  cudaEventDestroy(a);
  cudaEventDestroy(b);
  std::sort(per_call.begin(), per_call.end());
  return per_call[per_call.size() / 2];
}

Ceilings measure_ceilings(cudaStream_t stream, const Options& o, Json& report);
void bench_gemv(cudaStream_t stream, const Ceilings& c, const Options& o, Json& report);
void bench_small_kernels(cudaStream_t stream, const Options& o, Json& report);
void bench_models(const Ceilings& c, const Options& o, Json& report);

}  // namespace hearth::bench
