// kernels/cpu/thread_pool.h — a fixed set of worker threads for data-parallel kernels.
//
// `parallel_for(n, fn)` splits [0, n) into contiguous chunks, one per thread (the calling thread
// takes part), and returns when all are done. Workers spin briefly before sleeping so the many
// short kernels of a decode step do not pay a futex wake-up each. One pool per model context;
// pools are independent (no global state), and a pool is used by one caller at a time.
#pragma once

#include <cstdint>
#include <functional>

namespace hearth::cpu {

class ThreadPool {
 public:
  explicit ThreadPool(int n_threads);  // n_threads ≥ 1 (including the caller)
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const;
  // Calls fn(begin, end, thread_index) over a partition of [0, n) into at most size() chunks.
  void parallel_for(int64_t n, const std::function<void(int64_t begin, int64_t end, int thread)>& fn);
  // Calls fn(thread_index, n_threads) once on every thread (for kernels that partition themselves).
  void run_on_all(const std::function<void(int thread, int n_threads)>& fn);

 private:
  struct Impl;
  Impl* impl_;
};

// Physical cores of this machine (hyper-threads not counted); at least 1. The default num_thread.
int physical_core_count();

}  // namespace hearth::cpu
