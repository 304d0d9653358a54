// Kernel microbenchmarks: decode GEMV (T = 1) against this machine's read bandwidth, and prefill
// GEMM (T = 512) throughput, on the matrix shapes of a Llama 3.2 1B-class model.
//
//   hearth_bench_kernels --benchmark_filter='gemv/Q4_0'      counters: GB/s, bw_GB/s, pct_bw, GB/cpu_s
//   hearth_bench_kernels --benchmark_filter='gemm'           counters: GOP/s (2·rows·k·T per s), GOP/cpu_s
// Wall-clock figures are only meaningful on an otherwise idle machine; use --benchmark_repetitions
// and compare the best runs when it is not.
//   hearth_bench_kernels --benchmark_filter='bandwidth'      the roofline itself
#include <benchmark/benchmark.h>

#include <time.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "bench_support.h"
#include "kernels/cpu/cpu_features.h"
#include "kernels/cpu/matmul.h"
#include "kernels/cpu/thread_pool.h"

namespace {

using hearth::gguf::TensorType;

// CPU time of the whole process (all pool threads). On a machine shared with other work, rates per
// CPU-second show what the kernels do per core when they run; wall-clock rates show throughput.
double process_cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct Shape {
  int64_t rows, k;
  const char* what;
};
// rows × k: attention projection, FFN up/gate, FFN down, output head (vocabulary 128256).
const Shape kShapes[] = {{2048, 2048, "attn"}, {8192, 2048, "ffn_up"}, {2048, 8192, "ffn_down"}, {128256, 2048, "output"}};

void bench_gemv(benchmark::State& state, TensorType type, Shape shape, int threads) {
  const double roofline = hearth::bench::read_bandwidth(threads);
  auto weights = hearth::bench::make_weights(type, shape.rows, shape.k, size_t{512} << 20);
  auto x = hearth::bench::random_activations(1, shape.k);
  std::vector<float> y(static_cast<size_t>(shape.rows));
  hearth::cpu::ThreadPool pool(threads);
  size_t copy = 0;
  const auto start = std::chrono::steady_clock::now();
  const double cpu_start = process_cpu_seconds();
  for (auto _ : state) {
    hearth::cpu::MatmulArgs a{type, weights.copies[copy].data(), shape.rows, shape.k, x.data(), shape.k, 1, y.data(), shape.rows};
    hearth::cpu::matmul(a, pool);
    benchmark::DoNotOptimize(y.data());
    copy = (copy + 1) % weights.copies.size();
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double bytes = static_cast<double>(weights.matrix_bytes) * static_cast<double>(state.iterations());
  state.counters["GB/s"] = bytes / seconds / 1e9;
  state.counters["bw_GB/s"] = roofline / 1e9;
  state.counters["pct_bw"] = roofline > 0 ? 100.0 * bytes / seconds / roofline : 0.0;
  state.counters["GB/cpu_s"] = bytes / (process_cpu_seconds() - cpu_start) / 1e9;
  state.SetLabel(shape.what);
}

void bench_gemm(benchmark::State& state, TensorType type, Shape shape, int threads, int64_t tokens) {
  auto weights = hearth::bench::make_weights(type, shape.rows, shape.k, 0);
  auto x = hearth::bench::random_activations(tokens, shape.k);
  std::vector<float> y(static_cast<size_t>(shape.rows * tokens));
  hearth::cpu::ThreadPool pool(threads);
  const auto start = std::chrono::steady_clock::now();
  const double cpu_start = process_cpu_seconds();
  for (auto _ : state) {
    hearth::cpu::MatmulArgs a{type, weights.copies[0].data(), shape.rows, shape.k, x.data(), shape.k, tokens, y.data(), shape.rows};
    hearth::cpu::matmul(a, pool);
    benchmark::DoNotOptimize(y.data());
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double ops = 2.0 * static_cast<double>(shape.rows) * static_cast<double>(shape.k) * static_cast<double>(tokens) *
                     static_cast<double>(state.iterations());
  state.counters["GOP/s"] = ops / seconds / 1e9;
  state.counters["GOP/cpu_s"] = ops / (process_cpu_seconds() - cpu_start) / 1e9;
  state.SetLabel(shape.what);
}

// With --benchmark_repetitions=N, the "_max" rows hold the best rate counters of the N runs (the
// least disturbed ones on a shared machine); ignore their time column.
double max_of(const std::vector<double>& v) { return v.empty() ? 0.0 : *std::max_element(v.begin(), v.end()); }

void bench_bandwidth(benchmark::State& state, int threads) {
  double bw = 0;
  for (auto _ : state) bw = hearth::bench::read_bandwidth(threads);
  state.counters["GB/s"] = bw / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  std::printf("CPU: %s\n", hearth::cpu::describe_cpu_features().c_str());
  for (int threads : {1, 2}) {
    benchmark::RegisterBenchmark(("bandwidth/threads:" + std::to_string(threads)).c_str(), bench_bandwidth, threads)
        ->Iterations(1)->Unit(benchmark::kMillisecond);
  }
  const TensorType gemv_types[] = {TensorType::Q4_0, TensorType::Q4_K, TensorType::Q8_0, TensorType::Q6_K, TensorType::Q5_K,
                                   TensorType::Q5_0, TensorType::Q4_1, TensorType::Q3_K, TensorType::Q2_K, TensorType::IQ4_NL,
                                   TensorType::F16};
  for (TensorType type : gemv_types) {
    for (const Shape& shape : kShapes) {
      for (int threads : {1, 2}) {
        const std::string name = "gemv/" + std::string(hearth::gguf::type_name(type)) + "/" + std::to_string(shape.rows) + "x" +
                                 std::to_string(shape.k) + "/threads:" + std::to_string(threads);
        benchmark::RegisterBenchmark(name.c_str(), bench_gemv, type, shape, threads)
            ->UseRealTime()->Unit(benchmark::kMicrosecond)->ComputeStatistics("max", max_of);
      }
    }
  }
  const TensorType gemm_types[] = {TensorType::Q4_0, TensorType::Q4_K, TensorType::Q8_0, TensorType::Q6_K, TensorType::Q5_K,
                                   TensorType::Q5_0, TensorType::IQ4_NL, TensorType::Q3_K, TensorType::Q2_K};
  for (TensorType type : gemm_types) {
    for (const Shape& shape : kShapes) {
      if (shape.rows > 8192) continue;  // the output head runs once per prompt, not per layer
      for (int threads : {1, 2}) {
        const std::string name = "gemm/" + std::string(hearth::gguf::type_name(type)) + "/" + std::to_string(shape.rows) + "x" +
                                 std::to_string(shape.k) + "/T:512/threads:" + std::to_string(threads);
        benchmark::RegisterBenchmark(name.c_str(), bench_gemm, type, shape, threads, int64_t{512})
            ->UseRealTime()->Unit(benchmark::kMillisecond)->ComputeStatistics("max", max_of);
      }
    }
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
