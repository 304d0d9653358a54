#include "kernels/cpu/thread_pool.h"

#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <fstream>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define HEARTH_PAUSE() _mm_pause()
#else
#define HEARTH_PAUSE() std::this_thread::yield()
#endif

namespace hearth::cpu {
namespace {

// How long an idle worker polls for the next job before it sleeps on the condition variable. A
// decode step launches a few hundred kernels a few microseconds apart; 200 µs covers those gaps
// without keeping a core busy once the model goes idle.
constexpr auto kSpinTime = std::chrono::microseconds(200);

}  // namespace

struct ThreadPool::Impl {
  int n_threads = 1;
  std::vector<std::thread> workers;

  std::mutex mu;
  std::condition_variable cv;
  int sleepers = 0;                      // guarded by mu
  std::atomic<uint32_t> generation{0};   // bumped once per dispatched job
  std::atomic<int> remaining{0};         // workers still running the current job
  std::atomic<bool> stopping{false};
  std::atomic<bool> busy{false};         // a job is being dispatched (re-entrancy guard)
  const std::function<void(int, int)>* job = nullptr;

  std::mutex error_mu;
  std::exception_ptr first_error;

  void record_error(std::exception_ptr e) {
    std::lock_guard<std::mutex> lock(error_mu);
    if (!first_error) first_error = std::move(e);
  }

  void worker_main(int index) {
    uint32_t seen = 0;
    for (;;) {
      uint32_t g = generation.load(std::memory_order_acquire);
      if (g == seen) {
        const auto deadline = std::chrono::steady_clock::now() + kSpinTime;
        for (int i = 0; g == seen; ++i) {
          HEARTH_PAUSE();
          g = generation.load(std::memory_order_acquire);
          if ((i & 63) == 63 && std::chrono::steady_clock::now() > deadline) break;
        }
      }
      if (g == seen) {
        std::unique_lock<std::mutex> lock(mu);
        ++sleepers;
        cv.wait(lock, [&] { return generation.load(std::memory_order_acquire) != seen; });
        --sleepers;
        g = generation.load(std::memory_order_acquire);
      }
      seen = g;
      if (stopping.load(std::memory_order_acquire)) return;
      try {
        (*job)(index, n_threads);
      } catch (...) {
        record_error(std::current_exception());
      }
      remaining.fetch_sub(1, std::memory_order_acq_rel);
    }
  }

  void dispatch(const std::function<void(int, int)>& fn) {
    job = &fn;
    remaining.store(n_threads - 1, std::memory_order_relaxed);
    int waiting;
    {
      std::lock_guard<std::mutex> lock(mu);
      generation.fetch_add(1, std::memory_order_acq_rel);
      waiting = sleepers;
    }
    if (waiting > 0) cv.notify_all();
  }

  void wait_for_workers() {
    for (int i = 0; remaining.load(std::memory_order_acquire) != 0; ++i) {
      if (i < 100000) {
        HEARTH_PAUSE();
      } else {
        std::this_thread::yield();
      }
    }
  }
};

ThreadPool::ThreadPool(int n_threads) : impl_(new Impl) {
  if (n_threads < 1) {
    delete impl_;
    throw std::invalid_argument("ThreadPool: n_threads must be at least 1, got " + std::to_string(n_threads));
  }
  impl_->n_threads = n_threads;
  impl_->workers.reserve(n_threads - 1);
  for (int i = 1; i < n_threads; ++i) impl_->workers.emplace_back([this, i] { impl_->worker_main(i); });
}

ThreadPool::~ThreadPool() {
  impl_->stopping.store(true, std::memory_order_release);
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->generation.fetch_add(1, std::memory_order_acq_rel);
  }
  impl_->cv.notify_all();
  for (auto& t : impl_->workers) t.join();
  delete impl_;
}

int ThreadPool::size() const { return impl_->n_threads; }

void ThreadPool::run_on_all(const std::function<void(int thread, int n_threads)>& fn) {
  Impl& p = *impl_;
  bool expected = false;
  // One thread, or a nested call from inside a running job: run everything here, in order, so the
  // caller still sees every thread index (a nested dispatch would deadlock the pool).
  if (p.n_threads == 1 || !p.busy.compare_exchange_strong(expected, true, std::memory_order_acq_rel)) {
    for (int t = 0; t < p.n_threads; ++t) fn(t, p.n_threads);
    return;
  }
  p.first_error = nullptr;
  p.dispatch(fn);
  try {
    fn(0, p.n_threads);
  } catch (...) {
    p.record_error(std::current_exception());
  }
  p.wait_for_workers();
  p.job = nullptr;
  std::exception_ptr error = std::exchange(p.first_error, nullptr);
  p.busy.store(false, std::memory_order_release);
  if (error) std::rethrow_exception(error);
}

void ThreadPool::parallel_for(int64_t n, const std::function<void(int64_t begin, int64_t end, int thread)>& fn) {
  if (n <= 0) return;
  const int threads = impl_->n_threads;
  if (threads == 1 || n == 1) {
    fn(0, n, 0);
    return;
  }
  run_on_all([&](int t, int nt) {
    int64_t begin = n * t / nt;
    int64_t end = n * (t + 1) / nt;
    if (begin < end) fn(begin, end, t);
  });
}

int physical_core_count() {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  const bool have_mask = sched_getaffinity(0, sizeof(allowed), &allowed) == 0;
  std::set<std::pair<std::string, std::string>> cores;
  int logical = 0;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (have_mask && !CPU_ISSET(cpu, &allowed)) continue;
    const std::string dir = "/sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/topology/";
    std::ifstream core_file(dir + "core_id");
    std::ifstream package_file(dir + "physical_package_id");
    std::string core, package;
    if (!(core_file >> core)) {
      if (have_mask) ++logical;  // allowed but no topology information
      continue;
    }
    package_file >> package;
    cores.emplace(package, core);
    ++logical;
  }
  int count = static_cast<int>(cores.size());
  if (count == 0) count = logical;
  if (count == 0) count = static_cast<int>(std::thread::hardware_concurrency());
  return std::max(count, 1);
}

}  // namespace hearth::cpu
