// Every GGUF in ../shared/fixtures loads, and its tensor table matches what the spec predicts.
#include <catch2/catch.hpp>

#include <set>

#include "gguf/reader.h"
#include "support/fixtures.h"

using namespace hearth::gguf;
using hearth::test::fixture_path;
using hearth::test::list_files;

namespace {

// Expected shape of each llama/qwen tensor from the hyper-parameters (spec §3.2).
void check_model_tensors(const GgufFile& f) {
  const Metadata& m = f.metadata();
  std::string arch = f.architecture();
  INFO(f.path() << " (" << arch << ")");
  uint64_t n_embd = m.get_u32(arch + ".embedding_length");
  uint64_t n_layer = m.get_u32(arch + ".block_count");
  uint64_t n_head = m.get_u32(arch + ".attention.head_count");
  uint64_t n_head_kv = m.get_u32_or(arch + ".attention.head_count_kv", static_cast<uint32_t>(n_head));
  uint64_t head_dim = m.get_u32_or(arch + ".attention.key_length", static_cast<uint32_t>(n_embd / n_head));
  uint64_t n_ff = m.get_u32(arch + ".feed_forward_length");
  uint64_t n_vocab = m.get_array("tokenizer.ggml.tokens").size();

  auto expect = [&](const std::string& name, std::vector<uint64_t> shape) {
    const TensorInfo* t = f.find_tensor(name);
    INFO(name);
    REQUIRE(t != nullptr);
    REQUIRE(t->n_dims == shape.size());
    for (std::size_t d = 0; d < shape.size(); ++d) CHECK(t->ne[d] == shape[d]);
    TypeTraits tr = traits(t->type);
    CHECK(t->nbytes == t->n_elements / tr.block_size * tr.type_size);
    CHECK(t->offset % f.alignment() == 0);
    // 1-D tensors are never quantized by llama.cpp's quantizer.
    if (shape.size() == 1) CHECK(t->type == TensorType::F32);
  };
  std::size_t expected = 0;
  expect("token_embd.weight", {n_embd, n_vocab}), ++expected;
  expect("output_norm.weight", {n_embd}), ++expected;
  if (f.find_tensor("output.weight")) expect("output.weight", {n_embd, n_vocab}), ++expected;
  if (f.find_tensor("rope_freqs.weight")) expect("rope_freqs.weight", {head_dim / 2}), ++expected;
  for (uint64_t l = 0; l < n_layer; ++l) {
    std::string p = "blk." + std::to_string(l) + ".";
    expect(p + "attn_norm.weight", {n_embd}), ++expected;
    expect(p + "attn_q.weight", {n_embd, head_dim * n_head}), ++expected;
    expect(p + "attn_k.weight", {n_embd, head_dim * n_head_kv}), ++expected;
    expect(p + "attn_v.weight", {n_embd, head_dim * n_head_kv}), ++expected;
    expect(p + "attn_output.weight", {head_dim * n_head, n_embd}), ++expected;
    expect(p + "ffn_norm.weight", {n_embd}), ++expected;
    expect(p + "ffn_gate.weight", {n_embd, n_ff}), ++expected;
    expect(p + "ffn_up.weight", {n_embd, n_ff}), ++expected;
    expect(p + "ffn_down.weight", {n_ff, n_embd}), ++expected;
    for (const char* bias : {"attn_q.bias", "attn_k.bias", "attn_v.bias"}) {
      if (f.find_tensor(p + bias)) {
        uint64_t rows = std::string(bias) == "attn_q.bias" ? head_dim * n_head : head_dim * n_head_kv;
        expect(p + bias, {rows}), ++expected;
      }
    }
    if (f.find_tensor(p + "attn_q_norm.weight")) {
      expect(p + "attn_q_norm.weight", {head_dim}), ++expected;
      expect(p + "attn_k_norm.weight", {head_dim}), ++expected;
    }
  }
  CHECK(f.tensors().size() == expected);  // nothing unaccounted for
  if (arch == "qwen2") CHECK(f.find_tensor("blk.0.attn_q.bias") != nullptr);
  if (arch == "qwen3") CHECK(f.find_tensor("blk.0.attn_q_norm.weight") != nullptr);
}

}  // namespace

TEST_CASE("every fixture model loads and its tensor table matches the architecture", "[gguf][fixtures]") {
  SKIP_WITHOUT_FIXTURES();
  auto files = list_files(fixture_path("models"), ".gguf");
  REQUIRE(files.size() >= 10);
  for (const auto& path : files) {
    auto f = GgufFile::open(path);
    check_model_tensors(f);
  }
}

TEST_CASE("file-type mixes assign llama.cpp's per-tensor types", "[gguf][fixtures]") {
  SKIP_WITHOUT_FIXTURES();
  // Spec §2.6: the ftype decides a default type; output.weight is Q6_K except in Q8_0 files.
  struct Case { const char* file; TensorType ffn_gate; TensorType output; };
  const Case cases[] = {
      {"llama-spm-tiny.q4_0.gguf", TensorType::Q4_0, TensorType::Q6_K},
      {"llama-spm-tiny.q4_1.gguf", TensorType::Q4_1, TensorType::Q6_K},
      {"llama-spm-tiny.q5_0.gguf", TensorType::Q5_0, TensorType::Q6_K},
      {"llama-spm-tiny.q8_0.gguf", TensorType::Q8_0, TensorType::Q8_0},
      {"llama-spm-tiny.q4_k_m.gguf", TensorType::Q4_K, TensorType::Q6_K},
      {"llama-spm-tiny.q5_k_m.gguf", TensorType::Q5_K, TensorType::Q6_K},
      {"llama-spm-tiny.q6_k.gguf", TensorType::Q6_K, TensorType::Q6_K},
      {"llama-spm-tiny.q2_k.gguf", TensorType::Q2_K, TensorType::Q6_K},
      {"llama-spm-tiny.q3_k_m.gguf", TensorType::Q3_K, TensorType::Q6_K},
      {"llama-spm-tiny.iq4_nl.gguf", TensorType::IQ4_NL, TensorType::Q6_K},
      {"llama-spm-tiny.f32.gguf", TensorType::F32, TensorType::F32},
      {"llama-spm-tiny.bf16.gguf", TensorType::BF16, TensorType::BF16},
  };
  for (const Case& c : cases) {
    INFO(c.file);
    auto f = GgufFile::open(fixture_path(std::string("models/") + c.file));
    CHECK(f.tensor("blk.1.ffn_gate.weight").type == c.ffn_gate);
    if (const TensorInfo* out = f.find_tensor("output.weight")) CHECK(out->type == c.output);
  }
  // Q4_K_M: attn_v/ffn_down get Q6_K on the use_more_bits layers (n = 4: layers 0 and 3... see spec).
  auto qkm = GgufFile::open(fixture_path("models/llama-spm-tiny.q4_k_m.gguf"));
  auto use_more_bits = [](int i, int n) { return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2; };
  for (int l = 0; l < 4; ++l) {
    INFO("layer " << l);
    TensorType want = use_more_bits(l, 4) ? TensorType::Q6_K : TensorType::Q4_K;
    CHECK(qkm.tensor("blk." + std::to_string(l) + ".attn_v.weight").type == want);
    CHECK(qkm.tensor("blk." + std::to_string(l) + ".ffn_down.weight").type == want);
  }
}

TEST_CASE("every vocabulary fixture loads with a well-typed tokenizer", "[gguf][fixtures]") {
  SKIP_WITHOUT_FIXTURES();
  auto files = list_files(fixture_path("vocab"), ".gguf");
  REQUIRE(files.size() >= 10);
  for (const auto& path : files) {
    INFO(path.string());
    auto f = GgufFile::open(path);
    CHECK(f.tensors().empty());
    const Metadata& m = f.metadata();
    const Array& tokens = m.get_array("tokenizer.ggml.tokens");
    CHECK(tokens.elem_type() == ValueType::STRING);
    CHECK(tokens.size() > 100);
    if (const Array* types = m.find_array("tokenizer.ggml.token_type")) {
      CHECK(types->as<int32_t>().size() == tokens.size());
    }
    if (const Array* scores = m.find_array("tokenizer.ggml.scores")) {
      CHECK(scores->as<float>().size() == tokens.size());
    }
    std::string model = m.get_string("tokenizer.ggml.model");
    CHECK((model == "llama" || model == "gpt2" || model == "bert"));
  }
}
