// `hearth quantize` (engine/quantize) end to end: quantizing llama-spm-tiny.f32.gguf must give the
// same tensor table (names, order, shapes, TYPES) and the same tensor bytes as the files
// llama.cpp's llama-quantize produced, and carry the metadata over.
#include <catch2/catch.hpp>

#include <cstring>
#include <filesystem>
#include <string>
#include <unistd.h>

#include "engine/quantize/quantize_model.h"
#include "engine/quantize/type_plan.h"
#include "gguf/reader.h"
#include "support/fixtures.h"

using hearth::gguf::GgufFile;
using hearth::gguf::TensorType;
using namespace hearth::quantize;

namespace {

std::filesystem::path temp_path(const std::string& name) {
  return std::filesystem::temp_directory_path() / ("hearth-test-" + std::to_string(::getpid()) + "-" + name);
}

void compare_with_fixture(const std::string& variant, FileType ftype) {
  INFO("variant " << variant);
  const auto src = hearth::test::fixture_path("models/llama-spm-tiny.f32.gguf");
  const auto out = temp_path(variant + ".gguf");
  QuantizeOptions opt;
  opt.ftype = ftype;
  opt.threads = 2;
  QuantizeReport report = quantize_model(src, out, opt);
  auto ours = GgufFile::open(out);
  auto theirs = GgufFile::open(hearth::test::fixture_path("models/llama-spm-tiny." + variant + ".gguf"));
  REQUIRE(ours.tensors().size() == theirs.tensors().size());
  size_t type_mismatches = 0, byte_mismatches = 0;
  for (size_t i = 0; i < ours.tensors().size(); ++i) {
    const auto& a = ours.tensors()[i];
    const auto& b = theirs.tensor(a.name);  // llama.cpp may order differently; match by name
    INFO(a.name);
    CHECK(a.ne == b.ne);
    CHECK(a.n_dims == b.n_dims);
    if (a.type != b.type) {
      ++type_mismatches;
      FAIL_CHECK(a.name << ": ours " << hearth::gguf::type_name(a.type) << ", llama.cpp " << hearth::gguf::type_name(b.type));
      continue;
    }
    if (a.nbytes != b.nbytes || std::memcmp(a.data, b.data, a.nbytes) != 0) ++byte_mismatches;
  }
  CHECK(type_mismatches == 0);
  CHECK(byte_mismatches == 0);
  // Metadata: every key llama.cpp wrote is present with the same value.
  for (const auto& [key, value] : theirs.metadata().entries()) {
    INFO("key " << key);
    const auto* mine = ours.metadata().find(key);
    REQUIRE(mine != nullptr);
    CHECK(*mine == value);
  }
  // With metadata order, tensor order and alignment padding all as llama-quantize writes them, the
  // whole file is identical.
  CHECK(hearth::test::read_file(out) == hearth::test::read_file(hearth::test::fixture_path("models/llama-spm-tiny." + variant + ".gguf")));
  CHECK(report.bytes_out == [&] {
    uint64_t s = 0;
    for (const auto& t : ours.tensors()) s += t.nbytes;
    return s;
  }());
  std::filesystem::remove(out);
}

}  // namespace

TEST_CASE("quantizing the F32 fixture to Q4_K_M reproduces llama.cpp's file", "[quantize][fixtures]") {
  SKIP_WITHOUT_FIXTURES();
  compare_with_fixture("q4_k_m", FileType::Q4_K_M);
}

TEST_CASE("every fixture file type is reproduced tensor for tensor", "[quantize][fixtures]") {
  SKIP_WITHOUT_FIXTURES();
  const std::pair<const char*, FileType> cases[] = {
      {"q8_0", FileType::Q8_0},   {"q4_0", FileType::Q4_0},     {"q4_1", FileType::Q4_1},
      {"q5_0", FileType::Q5_0},   {"q2_k", FileType::Q2_K},     {"q3_k_m", FileType::Q3_K_M},
      {"q5_k_m", FileType::Q5_K_M}, {"q6_k", FileType::Q6_K},   {"iq4_nl", FileType::IQ4_NL},
      {"bf16", FileType::BF16},
  };
  for (const auto& [variant, ftype] : cases) compare_with_fixture(variant, ftype);
}

TEST_CASE("requantizing an already quantized input warns and still produces the requested types", "[quantize][fixtures]") {
  SKIP_WITHOUT_FIXTURES();
  const auto out = temp_path("from-q8.gguf");
  QuantizeOptions opt;
  opt.ftype = FileType::Q4_0;
  opt.threads = 1;
  QuantizeReport report = quantize_model(hearth::test::fixture_path("models/llama-spm-tiny.q8_0.gguf"), out, opt);
  CHECK_FALSE(report.warnings.empty());
  auto f = GgufFile::open(out);
  CHECK(f.tensor("blk.0.ffn_up.weight").type == TensorType::Q4_0);
  CHECK(f.tensor("output.weight").type == TensorType::Q6_K);
  CHECK(f.metadata().get_u32("general.file_type") == 2);
  std::filesystem::remove(out);
}

TEST_CASE("type plan: use_more_bits layers, GQA, tied embeddings and shape fallbacks", "[quantize][plan]") {
  // use_more_bits for 32 layers: 0–3, 6, 9, …, 27, 28–31 (spec §2.6), 16 layers.
  int count = 0;
  for (int i = 0; i < 32; ++i) count += use_more_bits(i, 32);
  CHECK(count == 16);
  CHECK(use_more_bits(6, 32));
  CHECK_FALSE(use_more_bits(7, 32));

  ModelInfo m{"llama", 32, 32, 8, 0};
  std::vector<TensorDesc> t;
  t.push_back({"token_embd.weight", 2, {4096, 32000, 1, 1}, TensorType::F32});
  for (int l = 0; l < 32; ++l) {
    const std::string p = "blk." + std::to_string(l) + ".";
    t.push_back({p + "attn_norm.weight", 1, {4096, 1, 1, 1}, TensorType::F32});
    t.push_back({p + "attn_v.weight", 2, {4096, 1024, 1, 1}, TensorType::F32});
    t.push_back({p + "ffn_down.weight", 2, {14336, 4096, 1, 1}, TensorType::F32});
    t.push_back({p + "ffn_up.weight", 2, {4096, 14336, 1, 1}, TensorType::F32});
  }
  t.push_back({"output_norm.weight", 1, {4096, 1, 1, 1}, TensorType::F32});
  TypePlan q4km = plan_tensor_types(m, t, FileType::Q4_K_M);  // no output.weight: tied embeddings
  CHECK(q4km.types[0] == TensorType::Q6_K);
  for (int l = 0; l < 32; ++l) {
    INFO("layer " << l);
    const TensorType want = use_more_bits(l, 32) ? TensorType::Q6_K : TensorType::Q4_K;
    CHECK(q4km.types[1 + 4 * l] == TensorType::F32);
    CHECK(q4km.types[2 + 4 * l] == want);
    CHECK(q4km.types[3 + 4 * l] == want);
    CHECK(q4km.types[4 + 4 * l] == TensorType::Q4_K);
  }
  TypePlan q2k = plan_tensor_types(m, t, FileType::Q2_K);  // GQA 4: attn_v Q4_K, ffn_down Q3_K
  CHECK(q2k.types[2] == TensorType::Q4_K);
  CHECK(q2k.types[3] == TensorType::Q3_K);
  CHECK(q2k.types[4] == TensorType::Q2_K);
  TypePlan q3km = plan_tensor_types(m, t, FileType::Q3_K_M);  // first 2 attn_v Q5_K; ffn_down Q5_K below n/16
  CHECK(q3km.types[2] == TensorType::Q5_K);
  CHECK(q3km.types[2 + 4 * 2] == TensorType::Q4_K);
  CHECK(q3km.types[3 + 4 * 1] == TensorType::Q5_K);
  CHECK(q3km.types[3 + 4 * 2] == TensorType::Q4_K);
  TypePlan q8 = plan_tensor_types(m, t, FileType::Q8_0);  // tied embeddings stay Q8_0 in Q8_0 files
  CHECK(q8.types[0] == TensorType::Q8_0);
  TypePlan f16 = plan_tensor_types(m, t, FileType::F16);
  CHECK(f16.types[0] == TensorType::F16);
  CHECK(f16.types[1] == TensorType::F32);

  // Shape fallbacks: 1056 % 256 ≠ 0 (but % 32 = 0); 100 fits no block at all.
  ModelInfo small{"llama", 1, 8, 8, 0};
  std::vector<TensorDesc> odd = {{"output.weight", 2, {4096, 100, 1, 1}, TensorType::F32},
                                 {"blk.0.ffn_down.weight", 2, {1056, 4096, 1, 1}, TensorType::F32},
                                 {"blk.0.ffn_up.weight", 2, {100, 64, 1, 1}, TensorType::F32},
                                 {"blk.0.attn_q.bias", 1, {4096, 1, 1, 1}, TensorType::F32}};
  TypePlan fb = plan_tensor_types(small, odd, FileType::Q4_K_M);
  CHECK(fb.types[0] == TensorType::Q6_K);
  CHECK(fb.types[1] == TensorType::Q8_0);  // layer 0 of 1 uses more bits → Q6_K, which falls back to Q8_0
  CHECK(fb.types[2] == TensorType::F16);
  CHECK(fb.types[3] == TensorType::F32);
  CHECK_FALSE(fb.notes.empty());
  TypePlan fb2 = plan_tensor_types(small, odd, FileType::Q4_K_S);
  CHECK(fb2.types[1] == TensorType::Q5_0);  // Q4_K does not fit 1056 → Q5_0
}
