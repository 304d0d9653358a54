// engine/model_memory.h — how much memory this machine can give a model, and the checks that
// turn "would be OOM-killed later" into a clear error now.
//
// Weights of the CPU backend are read through the file mapping: they need page cache, not
// anonymous memory, but every page is touched per token, so a model only runs if its weights fit
// in what the kernel can keep resident — MemAvailable, which already counts the reclaimable page
// cache (including this file's pages when they are cached). The KV cache and scratch are
// anonymous memory and must fit in what remains. Limits can be overridden (tests, containers).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace hearth::engine {

// MemAvailable from /proc/meminfo in bytes; nullopt when it cannot be read (non-Linux).
std::optional<uint64_t> read_mem_available();

// "1.25 GiB"
std::string format_bytes(uint64_t bytes);

}  // namespace hearth::engine
