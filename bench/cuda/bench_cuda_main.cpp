// hearth_bench_cuda [--quick] [--json FILE] [--model FILE.gguf ...] [-p 512] [-n 128] [-r 3]
//
// 1. ceilings: device-to-device copy (cudaMemcpyAsync and a 16-byte copy kernel) and a streaming
//    read, 2 GiB buffers, median of 20;
// 2. decode GEMV per weight type on the matrix shapes of Llama 3.2 1B and Llama 3.1 8B: time,
//    GB/s of weights, % of copy and read bandwidth; a launch-shape sweep; batched decode (T=1..8);
// 3. small kernels eagerly vs replayed from a CUDA graph (the launch overhead a graph removes);
// 4. with --model: llama-bench's pp/tg on the CUDA backend through the engine, with the weight
//    traffic of generation as % of the copy bandwidth measured in step 1.
//
// hearth_bench_cuda --gen PRESET FILETYPE FILE writes a random-weight model of a real shape
// (the library behind `hearth gen-model`), so a GPU run does not depend on the CLI.
#include <cstdio>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>

#include "bench/cuda/bench_cuda.h"
#include "engine/quantize/file_types.h"
#include "engine/synth/synthetic_model.h"

namespace hb = hearth::bench;

namespace {

int generate(const std::string& preset_name, const std::string& type_name, const std::string& path) {
  const hearth::synth::ModelPreset& preset = hearth::synth::find_preset(preset_name);
  const auto ftype = hearth::quantize::parse_file_type(type_name);
  if (!ftype) throw std::invalid_argument("unknown file type " + type_name);
  hearth::synth::SyntheticOptions options;
  options.file_type = static_cast<uint32_t>(*ftype);
  const uint64_t bytes = hearth::synth::write_synthetic_model(preset, hearth::synth::file_type_chooser(preset, *ftype), path, options);
  std::printf("wrote %s (%s %s, %.1f MiB of weights)\n", path.c_str(), preset_name.c_str(), type_name.c_str(), static_cast<double>(bytes) / 1048576.0);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 5 && std::string(argv[1]) == "--gen") {
    try {
      return generate(argv[2], argv[3], argv[4]);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "FAILED: %s\n", e.what());
      return 1;
    }
  }
  hb::Options o;
  std::string json_path;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
      return argv[++i];
    };
    if (a == "--quick") o.quick = true;
    else if (a == "--json") json_path = value();
    else if (a == "--model") o.models.push_back(value());
    else if (a == "-p") o.n_prompt = std::stoi(value());
    else if (a == "-n") o.n_gen = std::stoi(value());
    else if (a == "-r") o.reps = std::stoi(value());
    else {
      std::fprintf(stderr, "usage: hearth_bench_cuda [--quick] [--json FILE] [--model FILE.gguf ...] [-p 512] [-n 128] [-r 3]\n");
      return 2;
    }
  }
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess || count == 0) {
    std::printf("SKIPPED: no CUDA device\n");
    return 0;
  }
  hearth::Json report = hearth::Json::object();
  int exit_code = 0;
  try {
    HEARTH_CUDA_CHECK(cudaSetDevice(0));
    const std::string device = hearth::cuda::describe_device(0);
    std::printf("device: %s\n", device.c_str());
    report["device"] = device;
    cudaStream_t stream;
    HEARTH_CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
    const hb::Ceilings c = hb::measure_ceilings(stream, o, report);
    // Each section reports its own failure and lets the next one run.
    auto section = [&](const char* name, auto&& fn) {
      try {
        fn();
      } catch (const std::exception& e) {
        std::printf("\n%s FAILED: %s\n", name, e.what());
        report["errors"][name] = e.what();
        exit_code = 1;
      }
      std::fflush(stdout);
    };
    section("gemv", [&] { hb::bench_gemv(stream, c, o, report); });
    section("small_kernels", [&] { hb::bench_small_kernels(stream, o, report); });
    cudaStreamDestroy(stream);
    if (!o.models.empty()) section("models", [&] { hb::bench_models(c, o, report); });
  } catch (const std::exception& e) {
    std::printf("FAILED: %s\n", e.what());
    report["errors"]["fatal"] = e.what();
    exit_code = 1;
  }
  if (!json_path.empty()) {
    std::ofstream out(json_path);
    out << report.dump_pretty() << "\n";
  }
  return exit_code;
}
