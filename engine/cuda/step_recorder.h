// engine/cuda/step_recorder.h — deferred kernel launches and CUDA-graph replay of decode steps.
//
// A decode step of a 1B model is a few hundred short kernels: launched one by one, the GPU
// spends much of the step waiting for the next launch. The CUDA stream therefore does not launch
// during a forward pass; each op records a launch — a plain function and a trivially copyable
// argument struct — and flush() runs the step:
//   * graphs allowed and the recorded bytes (functions + arguments) equal those of the graph
//     captured last time for this slot → cudaGraphLaunch of that graph (no capture, no launches);
//   * graphs allowed otherwise → capture the launches into a graph (updating the previous one in
//     place when its topology matches), then launch it;
//   * graphs not allowed (prefill, host fallbacks) → launch one by one.
// Replay is exact by construction: a launch is a pure function of its recorded bytes, and the
// data that changes from step to step (token ids, positions, slots) lives in device buffers the
// stream rewrites before flushing. Argument structs must not point to host memory.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>
#include <cstring>
#include <map>
#include <type_traits>
#include <vector>

namespace hearth::engine::cuda {

// A zero-filled instance (padding included), so equal arguments have equal bytes.
template <class Args>
Args zeroed() {
  static_assert(std::is_trivially_copyable_v<Args>);
  Args a;
  std::memset(static_cast<void*>(&a), 0, sizeof(Args));
  return a;
}

class StepRecorder {
 public:
  explicit StepRecorder(bool graphs_enabled) : graphs_enabled_(graphs_enabled) {}
  ~StepRecorder();
  StepRecorder(const StepRecorder&) = delete;
  StepRecorder& operator=(const StepRecorder&) = delete;

  template <class Args>
  void record(void (*fn)(const Args&, cudaStream_t), const Args& args) {
    static_assert(std::is_trivially_copyable_v<Args>);
    const std::size_t at = bytes_.size();
    bytes_.resize(at + sizeof(fn) + sizeof(Args));
    std::memcpy(bytes_.data() + at, &fn, sizeof(fn));
    std::memcpy(bytes_.data() + at + sizeof(fn), &args, sizeof(Args));
    ops_.push_back({&invoke<Args>, at});
  }

  bool empty() const { return ops_.empty(); }
  std::size_t pending() const { return ops_.size(); }

  // Runs what was recorded since the last flush; `slot` keys the graph cache (the batch size).
  void flush(cudaStream_t stream, bool graph_allowed, int64_t slot);
  // Drops recorded launches (after an error left the step half-built).
  void discard();

  struct Stats {
    uint64_t steps = 0, replays = 0, captures = 0, updates = 0, eager_steps = 0, launches = 0;
  };
  const Stats& stats() const { return stats_; }

 private:
  template <class Args>
  static void invoke(const uint8_t* record, cudaStream_t stream) {
    void (*fn)(const Args&, cudaStream_t);
    std::memcpy(&fn, record, sizeof(fn));
    Args args;
    std::memcpy(static_cast<void*>(&args), record + sizeof(fn), sizeof(Args));
    fn(args, stream);
  }
  void run_all(cudaStream_t stream);

  struct Op {
    void (*invoke)(const uint8_t*, cudaStream_t);
    std::size_t offset;
  };
  struct Cached {
    std::vector<uint8_t> bytes;
    cudaGraphExec_t exec = nullptr;
  };

  bool graphs_enabled_;
  std::vector<Op> ops_;
  std::vector<uint8_t> bytes_;
  std::map<int64_t, Cached> graphs_;
  Stats stats_;
};

}  // namespace hearth::engine::cuda
