// engine/cuda/placement.h — which weights live in GPU memory (hybrid offload), decided before
// anything is allocated.
//
// The CUDA backend keeps every tensor outside the transformer blocks (embeddings, output head,
// output norm, rope factors) and every 1-D tensor (norms, biases) in device memory, plus the
// matrices of the LAST `gpu_layers` blocks; the matrices of the other blocks stay in the GGUF
// mapping and their products run on the CPU (engine/cuda/cuda_stream_matmul.cpp). With
// `requested_layers` < 0 the planner offloads as many blocks as fit in the free device memory
// after `reserve_bytes` (KV cache, activations, library workspaces); an explicit request that
// does not fit — or a model whose non-block tensors alone do not fit — is a PlacementError whose
// message gives the numbers, raised before a single byte is allocated.
//
//   PlacementInput in{.layer_bytes = ..., .global_bytes = ..., .reserve_bytes = ..., .free_bytes = ...};
//   Placement p = plan_placement(in);   // p.gpu_layers, p.first_gpu_layer, p.summary
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "gguf/reader.h"

namespace hearth::engine::cuda {

class PlacementError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct PlacementInput {
  std::vector<uint64_t> layer_bytes;  // device bytes of each block's matrices
  uint64_t global_bytes = 0;          // device bytes of everything that is always uploaded
  uint64_t reserve_bytes = 0;         // device memory the run needs besides the weights
  uint64_t free_bytes = 0;            // free device memory now
  int requested_layers = -1;          // num_gpu; < 0 = as many as fit
};

struct Placement {
  int n_layer = 0;
  int gpu_layers = 0;
  int first_gpu_layer = 0;    // blocks first_gpu_layer .. n_layer-1 are on the GPU
  uint64_t device_bytes = 0;  // weights in device memory
  std::string summary;        // "32/32 blocks on the GPU, 4.58 GiB of weights; 12.1 GiB reserved …"

  bool on_gpu(int layer) const { return layer < 0 || layer >= first_gpu_layer; }
};

Placement plan_placement(const PlacementInput& in);

// Device bytes a tensor takes in the backend's weight pool (rounded up to the pool alignment).
inline constexpr uint64_t kWeightAlignment = 256;
inline uint64_t pooled_bytes(uint64_t bytes) { return (bytes + kWeightAlignment - 1) / kWeightAlignment * kWeightAlignment; }

// The block index of a "blk.N.…" tensor, or −1.
int tensor_layer(const std::string& name);
// True for tensors the planner may leave on the host: the 2-D matrices of the blocks.
bool is_offloadable(const gguf::TensorInfo& info);

// The placement input of a file: per-block and global bytes from its tensors.
PlacementInput placement_input(const gguf::GgufFile& file, uint32_t n_layer);

}  // namespace hearth::engine::cuda
