// `hearth gen-model --preset NAME --type FILETYPE -o FILE [--seed N] [--threads N]`:
// write a random-weight model with a real model's shapes (engine/synth).
#include <fmt/core.h>

#include <chrono>

#include "commands.h"
#include "engine/quantize/file_types.h"
#include "engine/synth/synthetic_model.h"

namespace hearth::cli {
namespace {

constexpr const char* kUsage =
    "Usage: hearth gen-model --preset NAME --type TYPE -o FILE [--seed N] [--threads N]\n"
    "       hearth gen-model --list";

}  // namespace

int cmd_gen_model(Args args) {
  std::string preset_name, type_name, out;
  synth::SyntheticOptions options;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size()) throw UsageError{a + " needs a value\n" + kUsage};
      return args[++i];
    };
    if (a == "--list") {
      for (const auto& p : synth::presets())
        fmt::print("{:<14} {:<6} {:>6.2f}B parameters, {} layers, {} wide, vocabulary {}\n", p.name, p.architecture,
                   p.parameter_count() / 1e9, p.n_layer, p.n_embd, p.n_vocab);
      return 0;
    }
    if (a == "--preset") preset_name = value();
    else if (a == "--type") type_name = value();
    else if (a == "-o" || a == "--output") out = value();
    else if (a == "--seed") options.seed = std::stoull(value());
    else if (a == "--threads") options.threads = std::stoi(value());
    else throw UsageError{"unknown argument " + a + "\n" + kUsage};
  }
  if (preset_name.empty() || type_name.empty() || out.empty()) throw UsageError{std::string("missing arguments\n") + kUsage};

  const synth::ModelPreset& preset = synth::find_preset(preset_name);
  auto ftype = quantize::parse_file_type(type_name);
  if (!ftype) throw UsageError{"unknown type " + type_name + " (e.g. Q4_K_M, Q4_0, Q8_0, F16)"};
  options.file_type = static_cast<uint32_t>(*ftype);

  auto start = std::chrono::steady_clock::now();
  uint64_t bytes = synth::write_synthetic_model(preset, synth::file_type_chooser(preset, *ftype), out, options);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  fmt::print("wrote {} ({}, {}, {:.2f}B parameters, {:.1f} MiB of weights) in {:.1f} s\n", out, preset.name,
             quantize::file_type_info(*ftype).name, preset.parameter_count() / 1e9, bytes / 1048576.0, seconds);
  return 0;
}

}  // namespace hearth::cli
