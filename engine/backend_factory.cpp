#include "engine/backend_factory.h"

#include <cstdlib>
#include <string>

#include "engine/cpu/cpu_backend.h"
#if defined(HEARTH_HAVE_CUDA)
#include "engine/cuda/cuda_backend.h"
#endif

namespace hearth::engine {

std::unique_ptr<Backend> make_backend(const BackendOptions& options) {
  switch (options.kind) {
    case BackendKind::Cpu: return make_cpu_backend();
    case BackendKind::Cuda:
#if defined(HEARTH_HAVE_CUDA)
      return make_cuda_backend(options);
#else
      break;
#endif
  }
  std::string available;
  for (BackendKind k : available_backends()) available += (available.empty() ? "" : ", ") + std::string(backend_kind_name(k));
  throw BackendUnavailable("backend '" + std::string(backend_kind_name(options.kind)) +
                           "' is not available in this build (available: " + available + ")");
}

std::vector<BackendKind> available_backends() {
#if defined(HEARTH_HAVE_CUDA)
  if (cuda_device_count() > 0) return {BackendKind::Cpu, BackendKind::Cuda};
#endif
  return {BackendKind::Cpu};
}

BackendKind preferred_backend_kind() {
  if (const char* env = std::getenv("HEARTH_BACKEND"); env && *env) {
    auto kind = parse_backend_kind(env);
    if (!kind) throw BackendUnavailable(std::string("HEARTH_BACKEND must be cpu or cuda, got '") + env + "'");
    return *kind;
  }
  return available_backends().back();
}

std::optional<Numerics> parse_numerics(std::string_view name) {
  std::string lower(name);
  for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (lower == "fast") return Numerics::Fast;
  if (lower == "llamacpp" || lower == "llama.cpp") return Numerics::LlamaCpp;
  return std::nullopt;
}

std::string_view numerics_name(Numerics n) { return n == Numerics::LlamaCpp ? "llamacpp" : "fast"; }

std::string_view backend_kind_name(BackendKind kind) { return kind == BackendKind::Cpu ? "cpu" : "cuda"; }

std::optional<BackendKind> parse_backend_kind(std::string_view name) {
  std::string lower(name);
  for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (lower == "cpu") return BackendKind::Cpu;
  if (lower == "cuda") return BackendKind::Cuda;
  return std::nullopt;
}

}  // namespace hearth::engine
