// engine/cpu/cpu_backend.h — the CPU backend: weights used in place from the GGUF mapping,
// KV cache and activations in host memory, ops run by kernels/cpu on a per-stream thread pool.
//
// Created only by backend_factory.cpp; everything else holds it as a Backend.
#pragma once

#include <memory>

#include "engine/backend.h"

namespace hearth::engine {

std::unique_ptr<Backend> make_cpu_backend();

}  // namespace hearth::engine
