// cli/backend_flags.h — the --backend / --gpu-layers flags shared by run, eval and bench.
//
// Without flags a command uses engine::preferred_backend_kind(): CUDA when a device is visible
// (or HEARTH_BACKEND says so), else the CPU. --gpu-layers N is Ollama's num_gpu: how many
// transformer blocks keep their weights on the GPU (-1 = as many as fit).
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "commands.h"
#include "engine/backend_factory.h"

namespace hearth::cli {

struct BackendFlags {
  std::optional<engine::BackendKind> kind;
  int gpu_layers = -1;
};

inline constexpr const char* kBackendFlagsUsage = "[--backend cpu|cuda] [--gpu-layers N]";

// If args[i] is a backend flag, consumes it (and its value, advancing i) and returns true.
bool take_backend_flag(Args args, std::size_t& i, BackendFlags& flags);

// The engine options for these flags; `context_hint` sizes the device memory kept for the KV cache.
engine::BackendOptions backend_options(const BackendFlags& flags, int context_hint);

}  // namespace hearth::cli
