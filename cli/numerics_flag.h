// cli/numerics_flag.h — the --numerics flag of eval, run and bench.
//
//   --numerics fast       hearth's own CPU kernels (default for run and bench)
//   --numerics llamacpp   reproduce llama.cpp's x86 CPU arithmetic operation for operation
//                         (kernels/cpu/parity.h); needs an F32 KV cache, which it selects unless
//                         --kv-type says otherwise (default for eval on the CPU backend)
// HEARTH_NUMERICS=fast|llamacpp sets the default. Device backends ignore the choice.
#pragma once

#include <cstdlib>
#include <optional>
#include <string>

#include "commands.h"
#include "engine/backend.h"

namespace hearth::cli {

inline constexpr const char* kNumericsFlagUsage = "[--numerics fast|llamacpp]";

// The default: HEARTH_NUMERICS when set (an unknown value is a usage error), else `fallback`.
inline engine::Numerics default_numerics(engine::Numerics fallback) {
  const char* env = std::getenv("HEARTH_NUMERICS");
  if (env == nullptr || *env == '\0') return fallback;
  auto n = engine::parse_numerics(env);
  if (!n) throw UsageError{std::string("HEARTH_NUMERICS must be fast or llamacpp, got '") + env + "'"};
  return *n;
}

inline engine::Numerics parse_numerics_flag(const std::string& value) {
  auto n = engine::parse_numerics(value);
  if (!n) throw UsageError{"--numerics must be fast or llamacpp, got '" + value + "'"};
  return *n;
}

}  // namespace hearth::cli
