#include "server/server_config.h"

#include <cctype>
#include <charconv>

#include "server/access_policy.h"
#include "server/duration.h"

namespace hearth::server {

std::optional<uint64_t> parse_byte_size(std::string_view text) {
  if (text.empty()) return std::nullopt;
  uint64_t n = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || ptr == text.data()) return std::nullopt;
  std::string_view unit(ptr, static_cast<std::size_t>(text.data() + text.size() - ptr));
  while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  if (!unit.empty() && (unit.back() == 'B' || unit.back() == 'b')) unit.remove_suffix(1);
  if (unit.size() == 2 && (unit[1] == 'i' || unit[1] == 'I')) unit.remove_suffix(1);
  int shift = 0;
  if (unit.empty()) shift = 0;
  else if (unit.size() == 1) {
    switch (std::toupper(static_cast<unsigned char>(unit[0]))) {
      case 'K': shift = 10; break;
      case 'M': shift = 20; break;
      case 'G': shift = 30; break;
      case 'T': shift = 40; break;
      default: return std::nullopt;
    }
  } else {
    return std::nullopt;
  }
  if (shift > 0 && n > (UINT64_MAX >> shift)) return std::nullopt;
  return n << shift;
}

ServerConfig server_config_from_env(const EnvLookup& env) {
  ServerConfig c;
  c.host = parse_ollama_host(env_string(env, "OLLAMA_HOST"));

  int64_t parallel = env_int(env, "OLLAMA_NUM_PARALLEL", 1);
  if (parallel <= 0) parallel = 1;
  int64_t max_loaded = env_int(env, "OLLAMA_MAX_LOADED_MODELS", 0);
  if (max_loaded <= 0) max_loaded = 3;  // 3 × GPU count upstream; 3 on CPU
  int64_t max_queue = env_int(env, "OLLAMA_MAX_QUEUE", 512);
  if (max_queue <= 0) max_queue = 512;
  c.scheduler.num_parallel = static_cast<int>(parallel);
  c.scheduler.max_loaded_models = static_cast<int>(max_loaded);
  c.scheduler.max_queue = static_cast<int>(max_queue);

  if (std::string ka = env_string(env, "OLLAMA_KEEP_ALIVE"); !ka.empty()) {
    if (auto d = parse_env_duration(ka)) c.scheduler.default_keep_alive = *d;
    else c.warnings.push_back("invalid OLLAMA_KEEP_ALIVE \"" + ka + "\", using 5m");
  }
  if (std::string lt = env_string(env, "OLLAMA_LOAD_TIMEOUT"); !lt.empty()) {
    if (auto d = parse_env_duration(lt)) c.scheduler.load_timeout = *d == kForever ? Nanos(0) : *d;
    else c.warnings.push_back("invalid OLLAMA_LOAD_TIMEOUT \"" + lt + "\", using 5m");
  }

  c.api.num_parallel = c.scheduler.num_parallel;
  int64_t ctx = env_int(env, "OLLAMA_CONTEXT_LENGTH", 0);
  c.api.default_num_ctx = ctx > 0 ? static_cast<int>(std::min<int64_t>(ctx, INT32_MAX)) : 4096;

  c.origins = AccessPolicy::split_origins(env_string(env, "OLLAMA_ORIGINS"));
  if (std::string kv = env_string(env, "OLLAMA_KV_CACHE_TYPE"); !kv.empty()) c.kv_cache_type = kv;
  if (std::string mem = env_string(env, "HEARTH_MEMORY_LIMIT"); !mem.empty()) {
    c.memory_limit = parse_byte_size(mem);
    if (!c.memory_limit) c.warnings.push_back("invalid HEARTH_MEMORY_LIMIT \"" + mem + "\", ignored");
  }
  int64_t io = env_int(env, "HEARTH_IO_THREADS", 4);
  c.io_threads = static_cast<int>(std::clamp<int64_t>(io, 1, 64));
  return c;
}

}  // namespace hearth::server
