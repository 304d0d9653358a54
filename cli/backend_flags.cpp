#include "backend_flags.h"

namespace hearth::cli {

bool take_backend_flag(Args args, std::size_t& i, BackendFlags& flags) {
  const std::string& a = args[i];
  if (a != "--backend" && a != "--gpu-layers" && a != "--num-gpu") return false;
  if (i + 1 >= args.size()) throw UsageError{a + " needs a value"};
  const std::string& v = args[++i];
  if (a == "--backend") {
    flags.kind = engine::parse_backend_kind(v);
    if (!flags.kind) throw UsageError{"--backend must be cpu or cuda, got '" + v + "'"};
  } else {
    try {
      std::size_t used = 0;
      flags.gpu_layers = std::stoi(v, &used);
      if (used != v.size() || flags.gpu_layers < -1) throw std::invalid_argument(v);
    } catch (const std::exception&) {
      throw UsageError{a + " must be an integer ≥ -1, got '" + v + "'"};
    }
  }
  return true;
}

engine::BackendOptions backend_options(const BackendFlags& flags, int context_hint) {
  engine::BackendOptions options;
  options.kind = flags.kind ? *flags.kind : engine::preferred_backend_kind();
  options.gpu_layers = flags.gpu_layers;
  options.context_hint = context_hint;
  return options;
}

}  // namespace hearth::cli
