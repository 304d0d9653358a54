// engine/backend_factory.h — the one place that knows which backends were compiled in.
//
//   auto backend = make_backend({.kind = BackendKind::Cpu});
//
// Everything else sees only the Backend interface (backend.h). A CUDA backend registers here
// when it is built (HEARTH_HAVE_CUDA); asking for a backend that is not available throws
// BackendUnavailable with the list of those that are.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "engine/backend.h"

namespace hearth::engine {

enum class BackendKind { Cpu, Cuda };

struct BackendOptions {
  BackendKind kind = BackendKind::Cpu;
  int device = 0;  // device index for device backends
  // CUDA: transformer blocks whose weights live in GPU memory (Ollama's num_gpu); −1 = as many
  // as fit, 0 = all products on the CPU. The rest of the model is always on the GPU.
  int gpu_layers = -1;
  // CUDA: device memory kept free for the KV cache and activations when placing weights;
  // 0 = an estimate for one context of `context_hint` tokens with an F16 cache.
  uint64_t device_reserve = 0;
  int context_hint = 4096;
  bool cuda_graphs = true;  // CUDA: replay decode steps as CUDA graphs
  // CUDA: called during the weight upload with (bytes uploaded, bytes to upload).
  std::function<void(uint64_t done, uint64_t total)> upload_progress;
};

class BackendUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

std::unique_ptr<Backend> make_backend(const BackendOptions& options);
// The kinds this build can create, CPU first.
std::vector<BackendKind> available_backends();
// What to use when the user did not say: HEARTH_BACKEND ("cpu"/"cuda") when set, else CUDA when
// a device is visible, else the CPU — like Ollama, which uses the GPU whenever it finds one.
BackendKind preferred_backend_kind();
std::string_view backend_kind_name(BackendKind kind);
// "cpu" / "cuda" (case-insensitive); nullopt otherwise.
std::optional<BackendKind> parse_backend_kind(std::string_view name);

}  // namespace hearth::engine
