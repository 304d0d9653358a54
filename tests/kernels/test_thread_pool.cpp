// ThreadPool: partitions, every thread index, exceptions, nested use, reuse.
#include <catch2/catch.hpp>

#include <atomic>
#include <stdexcept>
#include <vector>

#include "kernels/cpu/thread_pool.h"

using hearth::cpu::ThreadPool;

TEST_CASE("parallel_for covers [0, n) exactly once in contiguous chunks", "[kernels][thread_pool]") {
  for (int threads : {1, 2, 3, 5}) {
    ThreadPool pool(threads);
    for (int64_t n : {0, 1, 2, 3, 7, 64, 1000}) {
      std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
      std::atomic<int> calls{0};
      pool.parallel_for(n, [&](int64_t b, int64_t e, int t) {
        REQUIRE(b < e);
        REQUIRE(t >= 0);
        REQUIRE(t < threads);
        ++calls;
        for (int64_t i = b; i < e; ++i) ++hits[static_cast<size_t>(i)];
      });
      for (auto& h : hits) REQUIRE(h.load() == 1);
      CHECK(calls.load() <= threads);
    }
  }
}

TEST_CASE("run_on_all runs once per thread index, many times in a row", "[kernels][thread_pool]") {
  ThreadPool pool(3);
  CHECK(pool.size() == 3);
  for (int round = 0; round < 2000; ++round) {
    std::atomic<int> mask{0};
    pool.run_on_all([&](int t, int n) {
      REQUIRE(n == 3);
      mask.fetch_or(1 << t);
    });
    REQUIRE(mask.load() == 7);
  }
}

TEST_CASE("an exception in any thread reaches the caller and the pool stays usable", "[kernels][thread_pool]") {
  ThreadPool pool(2);
  CHECK_THROWS_AS(pool.run_on_all([](int t, int) {
    if (t == 1) throw std::runtime_error("worker failed");
  }),
                  std::runtime_error);
  CHECK_THROWS_AS(pool.run_on_all([](int t, int) {
    if (t == 0) throw std::logic_error("caller failed");
  }),
                  std::logic_error);
  std::atomic<int> ran{0};
  pool.run_on_all([&](int, int) { ++ran; });
  CHECK(ran.load() == 2);
}

TEST_CASE("a nested parallel_for runs inline instead of deadlocking", "[kernels][thread_pool]") {
  ThreadPool pool(2);
  std::atomic<int64_t> total{0};
  pool.parallel_for(4, [&](int64_t b, int64_t e, int) {
    for (int64_t i = b; i < e; ++i) pool.parallel_for(10, [&](int64_t b2, int64_t e2, int) { total += e2 - b2; });
  });
  CHECK(total.load() == 40);
}

TEST_CASE("bad thread counts are rejected and core count is sane", "[kernels][thread_pool]") {
  CHECK_THROWS_AS(ThreadPool(0), std::invalid_argument);
  CHECK(hearth::cpu::physical_core_count() >= 1);
}
