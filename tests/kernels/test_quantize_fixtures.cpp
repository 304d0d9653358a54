// The strongest conformance check for the weight quantizers: quantizing the F32 weights of
// llama-spm-tiny.f32.gguf must reproduce, byte for byte, every tensor of the files llama.cpp's
// llama-quantize produced from the same model (each tensor's type is read from the fixture).
#include <catch2/catch.hpp>

#include <cstring>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "gguf/reader.h"
#include "kernels/cpu/quant.h"
#include "support/fixtures.h"

using hearth::gguf::GgufFile;
using hearth::gguf::TensorInfo;
using hearth::gguf::TensorType;

namespace {

struct Tally {
  size_t tensors = 0, blocks = 0, differing_blocks = 0;
};

// Quantizes `src` (F32) to `want.type` row by row and counts blocks that differ from `want`.
void compare_tensor(const TensorInfo& src, const TensorInfo& want, Tally& tally) {
  REQUIRE(src.type == TensorType::F32);
  REQUIRE(src.ne == want.ne);
  const auto tr = hearth::gguf::traits(want.type);
  const uint64_t row_bytes = want.row_bytes();
  std::vector<uint8_t> row(row_bytes);
  const auto* f32 = reinterpret_cast<const float*>(src.data);
  for (uint64_t r = 0; r < want.rows(); ++r) {
    hearth::cpu::quantize_row(want.type, f32 + r * src.ne[0], row.data(), static_cast<int64_t>(src.ne[0]));
    const uint8_t* expect = want.data + r * row_bytes;
    for (uint64_t b = 0; b < row_bytes / tr.type_size; ++b) {
      ++tally.blocks;
      if (std::memcmp(row.data() + b * tr.type_size, expect + b * tr.type_size, tr.type_size) != 0) ++tally.differing_blocks;
    }
  }
  ++tally.tensors;
}

}  // namespace

TEST_CASE("weight quantizers reproduce llama.cpp's quantized fixtures byte for byte", "[kernels][quantize][fixtures]") {
  SKIP_WITHOUT_FIXTURES();
  auto source = GgufFile::open(hearth::test::fixture_path("models/llama-spm-tiny.f32.gguf"));
  const char* variants[] = {"bf16", "q8_0", "q4_0", "q4_1", "q5_0", "q2_k", "q3_k_m", "q4_k_m", "q5_k_m", "q6_k", "iq4_nl"};
  std::map<std::string, Tally> per_type;
  for (const char* variant : variants) {
    auto quantized = GgufFile::open(hearth::test::fixture_path(std::string("models/llama-spm-tiny.") + variant + ".gguf"));
    for (const TensorInfo& t : quantized.tensors()) {
      INFO(variant << ": " << t.name << " (" << hearth::gguf::type_name(t.type) << ")");
      const TensorInfo& src = source.tensor(t.name);
      Tally& tally = per_type[std::string(hearth::gguf::type_name(t.type))];
      const size_t before = tally.differing_blocks;
      compare_tensor(src, t, tally);
      CHECK(tally.differing_blocks - before == 0);
    }
  }
  std::cout << "\nquantizer conformance vs llama.cpp fixtures (llama-spm-tiny):\n";
  std::cout << "  type     tensors   blocks   differing\n";
  for (const auto& [name, tally] : per_type) {
    std::printf("  %-7s %8zu %8zu %11zu\n", name.c_str(), tally.tensors, tally.blocks, tally.differing_blocks);
  }
  // Every type the quantize command offers and the fixtures contain was exercised.
  for (const char* name : {"BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ4_NL", "F32"}) {
    INFO(name);
    CHECK(per_type[name].blocks > 0);
  }
}
