// engine/cuda/cuda_backend.h — the CUDA backend: weights uploaded to device memory once at load,
// KV cache in device memory, every op a kernel from kernels/cuda on a per-context CUDA stream.
//
// Load sequence (Model): make_backend(kind = Cuda) → plan_weights(file) → bind_weight(...) per
// tensor. plan_weights decides, from the file's tensor sizes and the free device memory, how many
// transformer blocks live on the GPU (BackendOptions::gpu_layers, or as many as fit) and fails
// before allocating when the model cannot run; it then allocates one device pool for all
// uploaded weights. bind_weight copies a tensor from the mapping into the pool through pinned
// staging buffers (reporting progress) or, for a block left on the CPU, returns a view of the
// mapping whose products the stream computes on the host (hybrid offload).
//
// Created only by backend_factory.cpp (make_cuda_backend); everything else sees a Backend.
#pragma once

#include <cuda_runtime_api.h>

#include <memory>
#include <optional>
#include <vector>

#include "engine/backend.h"
#include "engine/backend_factory.h"
#include "engine/cuda/device_memory.h"
#include "engine/cuda/placement.h"

namespace hearth::engine {

// Throws BackendUnavailable when there is no usable CUDA device.
std::unique_ptr<Backend> make_cuda_backend(const BackendOptions& options);
// Number of CUDA devices (0 when the driver is missing or reports none).
int cuda_device_count();

namespace cuda {

class CudaBackend final : public Backend {
 public:
  explicit CudaBackend(const BackendOptions& options);
  ~CudaBackend() override;

  std::string_view name() const override { return "cuda"; }
  bool supports_weight_type(gguf::TensorType type) const override;
  bool supports_kv_type(gguf::TensorType type) const override;
  void plan_weights(const gguf::GgufFile& file) override;
  Tensor bind_weight(const gguf::TensorInfo& info) override;
  uint64_t bound_weight_bytes() const override { return bound_bytes_; }
  std::unique_ptr<Buffer> allocate(std::size_t bytes) override;
  std::unique_ptr<Stream> create_stream(const StreamOptions& options) override;

  int device() const { return device_; }
  const cudaDeviceProp& properties() const { return props_; }
  bool graphs_enabled() const { return graphs_; }
  // A tensor left in the GGUF mapping by the placement (its products run on the CPU).
  bool is_host_weight(const void* data) const;
  bool has_host_weights() const { return !host_ranges_.empty(); }
  const std::optional<Placement>& placement() const { return placement_; }

 private:
  void upload(void* dst, const uint8_t* src, uint64_t bytes);

  BackendOptions options_;
  int device_ = 0;
  cudaDeviceProp props_{};
  bool graphs_ = true;
  std::optional<Placement> placement_;
  DeviceAllocation pool_;               // all uploaded weights when plan_weights ran
  uint64_t pool_used_ = 0;
  std::vector<DeviceAllocation> loose_; // per-tensor allocations otherwise
  std::vector<std::pair<const uint8_t*, const uint8_t*>> host_ranges_;  // sorted [begin, end)
  uint64_t bound_bytes_ = 0;
  uint64_t planned_bytes_ = 0;
  cudaStream_t upload_stream_ = nullptr;
  PinnedAllocation staging_[2];
  cudaEvent_t staging_done_[2] = {nullptr, nullptr};
};

}  // namespace cuda
}  // namespace hearth::engine
