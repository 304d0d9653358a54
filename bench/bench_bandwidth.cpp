// Read-bandwidth probe (compiled with -mavx2): the roofline GEMV speeds are compared with.
#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "bench_support.h"
#include "kernels/cpu/cpu_features.h"

namespace hearth::bench {
namespace {

// Sums [begin, end) with four independent 256-bit accumulators.
uint64_t stream_sum(const uint8_t* begin, const uint8_t* end) {
  __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
  for (const uint8_t* p = begin; p < end; p += 128) {
    a0 = _mm256_add_epi64(a0, _mm256_load_si256(reinterpret_cast<const __m256i*>(p)));
    a1 = _mm256_add_epi64(a1, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + 32)));
    a2 = _mm256_add_epi64(a2, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + 64)));
    a3 = _mm256_add_epi64(a3, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + 96)));
  }
  a0 = _mm256_add_epi64(_mm256_add_epi64(a0, a1), _mm256_add_epi64(a2, a3));
  return static_cast<uint64_t>(_mm256_extract_epi64(a0, 0) + _mm256_extract_epi64(a0, 3));
}

double measure(int threads) {
  const size_t bytes = size_t{1} << 30;
  auto* buf = static_cast<uint8_t*>(std::aligned_alloc(64, bytes));
  std::memset(buf, 1, bytes);
  double best = 0;
  std::vector<uint64_t> sink(static_cast<size_t>(threads));
  for (int rep = 0; rep < 5; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        const size_t part = bytes / static_cast<size_t>(threads) / 128 * 128;
        sink[static_cast<size_t>(t)] = stream_sum(buf + part * t, buf + part * (t + 1));
      });
    }
    for (auto& th : pool) th.join();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best = std::max(best, static_cast<double>(bytes) / s);
  }
  std::free(buf);
  return sink[0] == 42 ? best + 1 : best;  // keep the sums alive
}

}  // namespace

double read_bandwidth(int threads) {
  if (!cpu::cpu_features().avx2) return 0;
  static std::mutex mu;
  static std::map<int, double> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(threads);
  if (it == cache.end()) it = cache.emplace(threads, measure(threads)).first;
  return it->second;
}

}  // namespace hearth::bench
