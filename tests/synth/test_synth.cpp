// Synthetic models have exactly the shapes and sizes of the real models they stand in for.
#include <catch2/catch.hpp>

#include <cstring>
#include <filesystem>

#include "engine/synth/synthetic_model.h"
#include "gguf/reader.h"

using namespace hearth;
using quantize::FileType;

TEST_CASE("llama3.2-1b presets weigh what llama.cpp reports for the real model", "[synth]") {
  // Sizes llama-bench printed for Llama 3.2 1B quantized by llama.cpp's quantizer
  // (../shared/fixtures/perf/llama.cpp-cpu.md): 727.75 MiB, 762.81 MiB, 1.22 GiB.
  const synth::ModelPreset& p = synth::find_preset("llama3.2-1b");
  auto mib = [&](FileType t) { return synth::weight_bytes(p, synth::file_type_chooser(p, t)) / 1048576.0; };
  CHECK(mib(FileType::Q4_0) == Approx(727.75).margin(0.01));
  CHECK(mib(FileType::Q4_K_M) == Approx(762.81).margin(0.01));
  CHECK(mib(FileType::Q8_0) / 1024 == Approx(1.22).margin(0.005));
  CHECK(p.parameter_count() == 1235814400ull);  // Llama 3.2 1B's published parameter count
}

TEST_CASE("llama3.1-8b preset has the published parameter count", "[synth]") {
  CHECK(synth::find_preset("llama3.1-8b").parameter_count() == 8030261248ull);
}

TEST_CASE("a generated model loads with every tensor of its architecture", "[synth]") {
  const synth::ModelPreset& p = synth::find_preset("smollm-135m");
  auto path = std::filesystem::temp_directory_path() / "hearth-test-smollm.gguf";
  synth::SyntheticOptions opt;
  opt.threads = 2;
  opt.file_type = static_cast<uint32_t>(FileType::Q4_0);
  synth::write_synthetic_model(p, synth::file_type_chooser(p, FileType::Q4_0), path, opt);
  auto f = gguf::GgufFile::open(path);
  CHECK(f.architecture() == "llama");
  CHECK(f.metadata().get_u32("llama.block_count") == 30);
  CHECK(f.metadata().get_array("tokenizer.ggml.tokens").size() == 49152);
  CHECK(f.metadata().get_array("tokenizer.ggml.merges").size() == 49152 - 256 - 256);
  CHECK(f.tensors().size() == synth::tensor_specs(p).size());
  CHECK(f.tensor("blk.0.ffn_gate.weight").type == gguf::TensorType::Q4_0);
  // Tied embeddings get the output treatment (Q6_K), which falls back to Q8_0 because 576 is not
  // a multiple of 256 (spec §2.6).
  CHECK(f.tensor("token_embd.weight").type == gguf::TensorType::Q8_0);
  // No NaN/Inf scale in any quantized block: every Q4_0 d is a finite half.
  const auto& t = f.tensor("blk.3.attn_q.weight");
  for (uint64_t b = 0; b < t.nbytes / 18; ++b) {
    uint16_t d;
    std::memcpy(&d, t.data + b * 18, 2);
    REQUIRE((d & 0x7C00) != 0x7C00);
  }
  std::filesystem::remove(path);
}
