#include "engine/cuda/step_recorder.h"

#include "kernels/cuda/cuda_check.h"

namespace hearth::engine::cuda {

StepRecorder::~StepRecorder() {
  for (auto& [slot, cached] : graphs_)
    if (cached.exec) cudaGraphExecDestroy(cached.exec);
}

void StepRecorder::discard() {
  ops_.clear();
  bytes_.clear();
}

void StepRecorder::run_all(cudaStream_t stream) {
  for (const Op& op : ops_) op.invoke(bytes_.data() + op.offset, stream);
}

void StepRecorder::flush(cudaStream_t stream, bool graph_allowed, int64_t slot) {
  if (ops_.empty()) return;
  ++stats_.steps;
  stats_.launches += ops_.size();
  try {
    if (!graphs_enabled_ || !graph_allowed) {
      run_all(stream);
      ++stats_.eager_steps;
    } else {
      Cached& c = graphs_[slot];
      if (c.exec && c.bytes == bytes_) {
        HEARTH_CUDA_CHECK(cudaGraphLaunch(c.exec, stream));
        ++stats_.replays;
      } else {
        cudaGraph_t graph = nullptr;
        HEARTH_CUDA_CHECK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
        try {
          run_all(stream);
        } catch (...) {
          cudaStreamEndCapture(stream, &graph);
          if (graph) cudaGraphDestroy(graph);
          cudaGetLastError();
          throw;
        }
        HEARTH_CUDA_CHECK(cudaStreamEndCapture(stream, &graph));
        bool updated = false;
        if (c.exec) {
          cudaGraphExecUpdateResultInfo info{};
          if (cudaGraphExecUpdate(c.exec, graph, &info) == cudaSuccess) {
            updated = true;
          } else {
            cudaGetLastError();  // the update failing is an answer, not an error
            cudaGraphExecDestroy(c.exec);
            c.exec = nullptr;
          }
        }
        try {
          if (!updated) HEARTH_CUDA_CHECK(cudaGraphInstantiate(&c.exec, graph, 0));
        } catch (...) {
          cudaGraphDestroy(graph);
          throw;
        }
        cudaGraphDestroy(graph);
        c.bytes = bytes_;
        HEARTH_CUDA_CHECK(cudaGraphLaunch(c.exec, stream));
        if (updated) ++stats_.updates;
        else ++stats_.captures;
      }
    }
  } catch (...) {
    discard();
    throw;
  }
  discard();
}

}  // namespace hearth::engine::cuda
