// `hearth quantize IN.gguf OUT.gguf TYPE [--threads N]`: re-quantize a GGUF model with llama.cpp's
// per-tensor type rules (engine/quantize). Prints one line per tensor, warnings, and the sizes.
#include <fmt/core.h>

#include <chrono>
#include <string>

#include "commands.h"
#include "engine/quantize/quantize_model.h"

namespace hearth::cli {
namespace {

std::string usage() {
  std::string types;
  for (const auto& ft : quantize::file_types()) types += (types.empty() ? "" : ", ") + std::string(ft.name);
  return "Usage: hearth quantize IN.gguf OUT.gguf TYPE [--threads N]\n  TYPE: " + types;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string shape(const std::vector<uint64_t>& ne) {
  std::string s = "[";
  for (size_t i = 0; i < ne.size(); ++i) s += (i ? ", " : "") + std::to_string(ne[i]);
  return s + "]";
}

}  // namespace

int cmd_quantize(Args args) {
  std::vector<std::string> positional;
  int threads = 0;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--threads" || a == "-t") {
      if (i + 1 >= args.size()) throw UsageError{"--threads needs a number\n" + usage()};
      try {
        threads = std::stoi(args[++i]);
      } catch (const std::exception&) {
        throw UsageError{"--threads needs a number, got \"" + args[i] + "\"\n" + usage()};
      }
      if (threads < 1) throw UsageError{"--threads must be at least 1\n" + usage()};
    } else if (a == "-h" || a == "--help") {
      fmt::print("{}\n", usage());
      return 0;
    } else if (!a.empty() && a[0] == '-') {
      throw UsageError{"unknown flag " + a + "\n" + usage()};
    } else {
      positional.push_back(a);
    }
  }
  if (positional.size() != 3) throw UsageError{"expected IN.gguf OUT.gguf TYPE\n" + usage()};
  const auto ftype = quantize::parse_file_type(positional[2]);
  if (!ftype) throw UsageError{"unknown quantization type \"" + positional[2] + "\"\n" + usage()};

  quantize::QuantizeOptions opt;
  opt.ftype = *ftype;
  opt.threads = threads;
  opt.on_tensor = [](size_t i, size_t total, const quantize::TensorResult& t) {
    const double in_mib = static_cast<double>(t.bytes_in) / (1 << 20), out_mib = static_cast<double>(t.bytes_out) / (1 << 20);
    if (t.from == t.to) {
      fmt::print("[{:4}/{:4}] {:36} - {:20} type = {:6}, size = {:8.3f} MiB\n", i + 1, total, t.name, shape(t.ne),
                 lower(gguf::type_name(t.from)), in_mib);
    } else {
      fmt::print("[{:4}/{:4}] {:36} - {:20} type = {:6}, converting to {:6} .. size = {:8.2f} MiB -> {:8.2f} MiB\n", i + 1, total,
                 t.name, shape(t.ne), lower(gguf::type_name(t.from)), lower(gguf::type_name(t.to)), in_mib, out_mib);
    }
    std::fflush(stdout);
  };
  const auto start = std::chrono::steady_clock::now();
  quantize::QuantizeReport report = quantize::quantize_model(positional[0], positional[1], opt);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (const std::string& w : report.warnings) fmt::print(stderr, "warning: {}\n", w);
  fmt::print("model size  = {:8.2f} MiB\n", static_cast<double>(report.bytes_in) / (1 << 20));
  fmt::print("quant size  = {:8.2f} MiB ({})\n", static_cast<double>(report.bytes_out) / (1 << 20),
             quantize::file_type_info(*ftype).name);
  fmt::print("wrote {} in {:.1f} s\n", positional[1], seconds);
  return 0;
}

}  // namespace hearth::cli
