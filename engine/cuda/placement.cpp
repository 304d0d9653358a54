#include "engine/cuda/placement.h"

#include <charconv>
#include <cstdio>

namespace hearth::engine::cuda {
namespace {

std::string gib(uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f GiB", static_cast<double>(bytes) / (1024.0 * 1024.0 * 1024.0));
  return buf;
}

}  // namespace

int tensor_layer(const std::string& name) {
  if (name.rfind("blk.", 0) != 0) return -1;
  int n = -1;
  const char* begin = name.data() + 4;
  const char* end = name.data() + name.size();
  auto [p, ec] = std::from_chars(begin, end, n);
  if (ec != std::errc() || p == end || *p != '.') return -1;
  return n;
}

bool is_offloadable(const gguf::TensorInfo& info) { return tensor_layer(info.name) >= 0 && info.n_dims >= 2 && info.ne[1] > 1; }

PlacementInput placement_input(const gguf::GgufFile& file, uint32_t n_layer) {
  PlacementInput in;
  in.layer_bytes.assign(n_layer, 0);
  for (const gguf::TensorInfo& t : file.tensors()) {
    const int layer = tensor_layer(t.name);
    if (is_offloadable(t) && layer < static_cast<int>(n_layer)) in.layer_bytes[static_cast<std::size_t>(layer)] += pooled_bytes(t.nbytes);
    else in.global_bytes += pooled_bytes(t.nbytes);
  }
  return in;
}

Placement plan_placement(const PlacementInput& in) {
  Placement p;
  p.n_layer = static_cast<int>(in.layer_bytes.size());
  const uint64_t fixed = in.global_bytes + in.reserve_bytes;
  // Bytes of the last L blocks, for every L.
  std::vector<uint64_t> tail(in.layer_bytes.size() + 1, 0);
  for (int l = 1; l <= p.n_layer; ++l) tail[static_cast<std::size_t>(l)] = tail[static_cast<std::size_t>(l - 1)] + in.layer_bytes[static_cast<std::size_t>(p.n_layer - l)];
  int fit = -1;  // most blocks that fit
  for (int l = 0; l <= p.n_layer; ++l)
    if (fixed + tail[static_cast<std::size_t>(l)] <= in.free_bytes) fit = l;

  if (in.requested_layers >= 0) {
    p.gpu_layers = in.requested_layers < p.n_layer ? in.requested_layers : p.n_layer;
    const uint64_t need = fixed + tail[static_cast<std::size_t>(p.gpu_layers)];
    if (need > in.free_bytes)
      throw PlacementError("placing " + std::to_string(p.gpu_layers) + " of " + std::to_string(p.n_layer) + " blocks on the GPU needs " +
                           gib(need) + " (" + gib(tail[static_cast<std::size_t>(p.gpu_layers)]) + " of block weights + " + gib(in.global_bytes) +
                           " of embeddings, output and norms + " + gib(in.reserve_bytes) + " for the KV cache and activations) but only " +
                           gib(in.free_bytes) + " of GPU memory is free; " +
                           (fit >= 0 ? "at most " + std::to_string(fit) + " blocks fit (num_gpu " + std::to_string(fit) + ")"
                                     : std::string("even 0 blocks do not fit: use the CPU backend")));
  } else {
    if (fit < 0)
      throw PlacementError("the model's embeddings, output and norms (" + gib(in.global_bytes) + ") plus " + gib(in.reserve_bytes) +
                           " for the KV cache and activations do not fit in the " + gib(in.free_bytes) +
                           " of free GPU memory: use the CPU backend or a smaller context");
    p.gpu_layers = fit;
  }
  p.first_gpu_layer = p.n_layer - p.gpu_layers;
  p.device_bytes = in.global_bytes + tail[static_cast<std::size_t>(p.gpu_layers)];
  p.summary = std::to_string(p.gpu_layers) + "/" + std::to_string(p.n_layer) + " blocks on the GPU, " + gib(p.device_bytes) +
              " of weights in GPU memory; " + gib(in.reserve_bytes) + " reserved for the KV cache and activations, " + gib(in.free_bytes) +
              " free before loading";
  return p;
}

}  // namespace hearth::engine::cuda
