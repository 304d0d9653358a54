// Model loading: hyper-parameter validation and tensor binding errors on corrupted copies of a
// fixture (written with gguf/writer.h), and the memory check.
#include <catch2/catch.hpp>

#include <functional>

#include "engine/context.h"
#include "engine/model.h"
#include "gguf/writer.h"
#include "support/fixtures.h"

using namespace hearth;
using namespace hearth::engine;
using gguf::Value;

namespace {

struct Edit {
  std::function<void(gguf::Metadata&)> metadata = [](gguf::Metadata&) {};
  // Returns false to drop the tensor; may replace its shape and bytes.
  std::function<bool(const gguf::TensorInfo&, std::vector<uint64_t>& ne, std::vector<uint8_t>& bytes)> tensor =
      [](const gguf::TensorInfo&, std::vector<uint64_t>&, std::vector<uint8_t>&) { return true; };
};

// A copy of a fixture with edits applied, as an in-memory GGUF.
gguf::GgufFile corrupted_copy(const std::string& fixture, const Edit& edit) {
  auto src = gguf::GgufFile::open(test::fixture_path("models/" + fixture));
  gguf::GgufWriter w;
  gguf::Metadata meta = src.metadata();
  edit.metadata(meta);
  for (const auto& [key, value] : meta.entries())
    if (key != "general.alignment") w.set(key, value);
  for (const gguf::TensorInfo& t : src.tensors()) {
    std::vector<uint64_t> ne(t.ne.begin(), t.ne.begin() + t.n_dims);
    std::vector<uint8_t> bytes(t.data, t.data + t.nbytes);
    if (!edit.tensor(t, ne, bytes)) continue;
    w.add_tensor(t.name, t.type, ne, bytes);
  }
  return gguf::GgufFile::from_bytes(w.to_bytes(), "corrupt-" + fixture);
}

std::string load_error(gguf::GgufFile file) {
  try {
    Model::load(std::move(file));
  } catch (const ModelError& e) {
    return e.what();
  }
  return "(loaded without error)";
}

Edit set_u32(const std::string& key, uint32_t v) {
  Edit e;
  e.metadata = [=](gguf::Metadata& m) { m.set(key, Value::u32(v)); };
  return e;
}

}  // namespace

TEST_CASE("an unmodified copy loads (the harness itself works)", "[engine][load]") {
  SKIP_WITHOUT_FIXTURES();
  auto model = Model::load(corrupted_copy("llama-spm-tiny.q8_0.gguf", Edit{}));
  CHECK(model->hparams().n_layer == 4);
  CHECK(model->hparams().head_dim == 32);
  CHECK(model->hparams().n_head_kv == 4);
  CHECK(model->n_vocab() == 4096);
}

TEST_CASE("hyper-parameter errors name the key and the problem", "[engine][load]") {
  SKIP_WITHOUT_FIXTURES();
  const std::string f = "llama-spm-tiny.q8_0.gguf";
  CHECK_THAT(load_error(corrupted_copy(f, set_u32("llama.attention.head_count", 0))),
             Catch::Contains("llama.attention.head_count is 0"));
  CHECK_THAT(load_error(corrupted_copy(f, set_u32("llama.attention.head_count_kv", 3))),
             Catch::Contains("llama.attention.head_count_kv = 3 does not divide llama.attention.head_count = 8"));
  CHECK_THAT(load_error(corrupted_copy(f, set_u32("llama.attention.head_count_kv", 0))),
             Catch::Contains("head_count_kv is 0"));
  CHECK_THAT(load_error(corrupted_copy(f, set_u32("llama.block_count", 0))), Catch::Contains("outside 1..512"));
  Edit seven_heads;
  seven_heads.metadata = [](gguf::Metadata& m) {
    m.set("llama.attention.head_count", Value::u32(7));
    m.set("llama.attention.head_count_kv", Value::u32(7));
  };
  CHECK_THAT(load_error(corrupted_copy(f, seven_heads)), Catch::Contains("embedding_length = 256 does not split into 7 heads"));
  CHECK_THAT(load_error(corrupted_copy(f, set_u32("llama.rope.dimension_count", 16))),
             Catch::Contains("llama.rope.dimension_count = 16 must equal the head size 32"));

  Edit missing;
  missing.metadata = [](gguf::Metadata& m) { m.erase("llama.embedding_length"); };
  CHECK_THAT(load_error(corrupted_copy(f, missing)), Catch::Contains("missing required metadata key 'llama.embedding_length'"));
  Edit wrong_type;
  wrong_type.metadata = [](gguf::Metadata& m) { m.set("llama.attention.layer_norm_rms_epsilon", Value::string("tiny")); };
  CHECK_THAT(load_error(corrupted_copy(f, wrong_type)), Catch::Contains("layer_norm_rms_epsilon' has type STRING"));
  Edit arch;
  arch.metadata = [](gguf::Metadata& m) { m.set("general.architecture", Value::string("gpt-neo")); };
  CHECK_THAT(load_error(corrupted_copy(f, arch)), Catch::Contains("unsupported architecture 'gpt-neo'"));
  Edit scaling;
  scaling.metadata = [](gguf::Metadata& m) { m.set("llama.rope.scaling.type", Value::string("ntk-wild")); };
  CHECK_THAT(load_error(corrupted_copy(f, scaling)), Catch::Contains("rope.scaling.type = \"ntk-wild\""));
  Edit longrope;
  longrope.metadata = [](gguf::Metadata& m) { m.set("llama.rope.scaling.type", Value::string("longrope")); };
  CHECK_THAT(load_error(corrupted_copy(f, longrope)), Catch::Contains("\"longrope\" is not supported"));
}

TEST_CASE("tensor errors name the tensor, its shape and the expected shape", "[engine][load]") {
  SKIP_WITHOUT_FIXTURES();
  const std::string f = "llama-spm-tiny.q8_0.gguf";
  // More layers than the file has tensors for.
  CHECK_THAT(load_error(corrupted_copy(f, set_u32("llama.block_count", 5))), Catch::Contains("missing tensor 'blk.4.attn_norm.weight'"));
  // Fewer: the file's last block has no place.
  CHECK_THAT(load_error(corrupted_copy(f, set_u32("llama.block_count", 3))),
             Catch::Contains("belongs to block 3 but llama.block_count is 3"));
  // A head size that disagrees with the projections.
  Edit head_dim;
  head_dim.metadata = [](gguf::Metadata& m) {
    m.set("llama.attention.key_length", Value::u32(64));
    m.set("llama.rope.dimension_count", Value::u32(64));
  };
  CHECK_THAT(load_error(corrupted_copy(f, head_dim)),
             Catch::Contains("tensor 'blk.0.attn_q.weight' has shape [256, 256], expected [256, 512]"));
  // A missing projection.
  Edit drop;
  drop.tensor = [](const gguf::TensorInfo& t, std::vector<uint64_t>&, std::vector<uint8_t>&) { return t.name != "blk.2.attn_k.weight"; };
  CHECK_THAT(load_error(corrupted_copy(f, drop)), Catch::Contains("missing tensor 'blk.2.attn_k.weight' with shape [256, 128]"));
  // A mis-shaped FFN weight (same bytes, other shape).
  Edit reshape;
  reshape.tensor = [](const gguf::TensorInfo& t, std::vector<uint64_t>& ne, std::vector<uint8_t>&) {
    if (t.name == "blk.1.ffn_up.weight") ne = {512, 384};
    return true;
  };
  CHECK_THAT(load_error(corrupted_copy(f, reshape)), Catch::Contains("tensor 'blk.1.ffn_up.weight' has shape [512, 384], expected [256, 768]"));
  // A missing norm.
  Edit no_norm;
  no_norm.tensor = [](const gguf::TensorInfo& t, std::vector<uint64_t>&, std::vector<uint8_t>&) { return t.name != "output_norm.weight"; };
  CHECK_THAT(load_error(corrupted_copy(f, no_norm)), Catch::Contains("missing tensor 'output_norm.weight'"));
  // Tied embeddings: dropping output.weight is fine for llama.
  Edit tied;
  tied.tensor = [](const gguf::TensorInfo& t, std::vector<uint64_t>&, std::vector<uint8_t>&) { return t.name != "output.weight"; };
  CHECK_NOTHROW(Model::load(corrupted_copy(f, tied)));
  // qwen2 requires its Q/K/V biases.
  Edit no_bias;
  no_bias.tensor = [](const gguf::TensorInfo& t, std::vector<uint64_t>&, std::vector<uint8_t>&) { return t.name != "blk.0.attn_v.bias"; };
  CHECK_THAT(load_error(corrupted_copy("qwen2-bpe-tiny.f16.gguf", no_bias)), Catch::Contains("missing tensor 'blk.0.attn_v.bias' with shape [128]"));
  // qwen3 requires the per-head norms.
  Edit no_qnorm;
  no_qnorm.tensor = [](const gguf::TensorInfo& t, std::vector<uint64_t>&, std::vector<uint8_t>&) { return t.name != "blk.1.attn_q_norm.weight"; };
  CHECK_THAT(load_error(corrupted_copy("qwen3-bpe-tiny.q8_0.gguf", no_qnorm)), Catch::Contains("missing tensor 'blk.1.attn_q_norm.weight' with shape [64]"));
}

TEST_CASE("a model or context that does not fit in available memory fails with a clear message", "[engine][load]") {
  SKIP_WITHOUT_FIXTURES();
  ModelOptions tight;
  tight.available_memory = 1u << 20;  // 1 MiB
  try {
    Model::load(test::fixture_path("models/llama-spm-tiny.f32.gguf"), tight);
    FAIL("loaded a 20 MiB model into 1 MiB");
  } catch (const ModelError& e) {
    CHECK_THAT(e.what(), Catch::Contains("needs 20.0 MiB of memory for its weights but only 1.0 MiB is available"));
  }
  auto model = Model::load(test::fixture_path("models/llama-spm-tiny.f32.gguf"));
  ContextOptions big;
  big.n_ctx = 1 << 20;
  big.n_slots = 64;
  big.available_memory = uint64_t{8} << 30;
  CHECK_THROWS_WITH(Context(*model, big), Catch::Contains("lower num_ctx or the number of parallel requests"));
  ContextOptions bad;
  bad.n_slots = 0;
  CHECK_THROWS_AS(Context(*model, bad), ContextError);
}
