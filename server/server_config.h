// server/server_config.h — everything `hearth serve` reads from the environment, in one value.
//
// Variables follow Ollama (spec §8): OLLAMA_HOST, OLLAMA_NUM_PARALLEL, OLLAMA_MAX_LOADED_MODELS,
// OLLAMA_MAX_QUEUE, OLLAMA_KEEP_ALIVE, OLLAMA_LOAD_TIMEOUT, OLLAMA_CONTEXT_LENGTH,
// OLLAMA_ORIGINS, OLLAMA_KV_CACHE_TYPE (each also as HEARTH_*). hearth adds HEARTH_MEMORY_LIMIT
// (bytes, or with a K/M/G/T suffix, powers of 1024): the memory all loaded models may use,
// default MemAvailable at start; and HEARTH_IO_THREADS (default 4).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/scheduler/scheduler.h"
#include "server/api.h"
#include "server/env.h"
#include "server/host.h"

namespace hearth::server {

struct ServerConfig {
  HostAddress host;
  sched::SchedulerConfig scheduler;
  ApiConfig api;
  std::vector<std::string> origins;
  std::string kv_cache_type = "f16";
  std::optional<uint64_t> memory_limit;
  int io_threads = 4;
  std::vector<std::string> warnings;  // values that were ignored, for the startup log
};

ServerConfig server_config_from_env(const EnvLookup& env);

// "8G", "512M", "1073741824" → bytes; nullopt when malformed.
std::optional<uint64_t> parse_byte_size(std::string_view text);

}  // namespace hearth::server
