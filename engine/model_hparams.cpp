#include "engine/model_hparams.h"

#include <cmath>
#include <limits>
#include <optional>
#include <string>

namespace hearth::engine {
namespace {

class KeyReader {
 public:
  KeyReader(const gguf::GgufFile& file, std::string arch) : file_(file), arch_(std::move(arch)) {}

  [[noreturn]] void fail(const std::string& problem) const { throw ModelError(file_.path(), problem); }

  std::string key(std::string_view suffix) const { return arch_ + "." + std::string(suffix); }

  // Any integer type that fits in u32 (some converters write INT32 or UINT64); a per-layer array
  // is accepted when all layers agree.
  std::optional<uint32_t> find_u32(std::string_view suffix) const {
    const std::string k = key(suffix);
    const gguf::Value* v = file_.metadata().find(k);
    if (!v) return std::nullopt;
    if (v->type() == gguf::ValueType::ARRAY) return uniform_array(k, v->as_array());
    if (!v->is_integer()) fail("metadata key '" + k + "' has type " + std::string(gguf::value_type_name(v->type())) + ", expected an integer");
    return checked_u32(k, v->as_int());
  }
  uint32_t require_u32(std::string_view suffix) const {
    auto v = find_u32(suffix);
    if (!v) fail("missing required metadata key '" + key(suffix) + "'");
    return *v;
  }
  std::optional<float> find_f32(std::string_view suffix) const {
    const std::string k = key(suffix);
    const gguf::Value* v = file_.metadata().find(k);
    if (!v) return std::nullopt;
    if (!v->is_float()) fail("metadata key '" + k + "' has type " + std::string(gguf::value_type_name(v->type())) + ", expected a float");
    const double d = v->as_number();
    if (!std::isfinite(d)) fail("metadata key '" + k + "' is not a finite number");
    return static_cast<float>(d);
  }
  std::optional<std::string> find_string(std::string_view suffix) const {
    const gguf::Value* v = file_.metadata().find(key(suffix));
    if (!v) return std::nullopt;
    if (v->type() != gguf::ValueType::STRING) fail("metadata key '" + key(suffix) + "' must be a string");
    return v->as_string();
  }

 private:
  uint32_t checked_u32(const std::string& k, int64_t value) const {
    if (value < 0 || value > std::numeric_limits<uint32_t>::max()) fail("metadata key '" + k + "' = " + std::to_string(value) + " is out of range");
    return static_cast<uint32_t>(value);
  }
  uint32_t uniform_array(const std::string& k, const gguf::Array& a) const {
    if (a.empty()) fail("metadata key '" + k + "' is an empty array");
    const int64_t first = a.int_at(0);
    for (uint64_t i = 1; i < a.size(); ++i)
      if (a.int_at(i) != first) fail("metadata key '" + k + "' varies per layer, which this architecture does not support");
    return checked_u32(k, first);
  }

  const gguf::GgufFile& file_;
  std::string arch_;
};

uint32_t vocab_size(const gguf::GgufFile& file, const KeyReader& keys) {
  if (const gguf::Value* tokens = file.metadata().find("tokenizer.ggml.tokens");
      tokens && tokens->type() == gguf::ValueType::ARRAY && tokens->as_array().size() > 0)
    return static_cast<uint32_t>(tokens->as_array().size());
  if (auto v = keys.find_u32("vocab_size")) return *v;
  if (const gguf::TensorInfo* embd = file.find_tensor("token_embd.weight")) return static_cast<uint32_t>(embd->ne[1]);
  keys.fail("cannot tell the vocabulary size: no tokenizer.ggml.tokens, vocab_size or token_embd.weight");
}

}  // namespace

const char* pooling_type_name(PoolingType p) {
  switch (p) {
    case PoolingType::None: return "none";
    case PoolingType::Mean: return "mean";
    case PoolingType::Cls: return "cls";
    case PoolingType::Last: return "last";
    case PoolingType::Rank: return "rank";
  }
  return "unknown";
}

ModelHParams read_hparams(const gguf::GgufFile& file) {
  ModelHParams hp;
  hp.arch = file.architecture();
  if (hp.arch.empty()) throw ModelError(file.path(), "missing metadata key 'general.architecture'");
  const KeyReader keys(file, hp.arch);
  try {
    hp.n_ctx_train = keys.require_u32("context_length");
    hp.n_embd = keys.require_u32("embedding_length");
    hp.n_layer = keys.require_u32("block_count");
    hp.n_ff = keys.require_u32("feed_forward_length");
    hp.n_head = keys.require_u32("attention.head_count");
    hp.n_head_kv = keys.find_u32("attention.head_count_kv").value_or(hp.n_head);
    auto eps = keys.find_f32("attention.layer_norm_rms_epsilon");
    if (!eps) keys.fail("missing required metadata key '" + keys.key("attention.layer_norm_rms_epsilon") + "'");
    hp.rms_eps = *eps;

    if (hp.n_embd == 0) keys.fail(keys.key("embedding_length") + " is 0");
    if (hp.n_layer == 0 || hp.n_layer > 512)
      keys.fail(keys.key("block_count") + " = " + std::to_string(hp.n_layer) + " is outside 1..512");
    if (hp.n_ff == 0) keys.fail(keys.key("feed_forward_length") + " is 0");
    if (hp.n_ctx_train == 0) keys.fail(keys.key("context_length") + " is 0");
    if (hp.n_head == 0) keys.fail(keys.key("attention.head_count") + " is 0 (a model needs at least one attention head)");
    if (hp.n_head_kv == 0) keys.fail(keys.key("attention.head_count_kv") + " is 0");
    if (hp.n_head % hp.n_head_kv != 0)
      keys.fail(keys.key("attention.head_count_kv") + " = " + std::to_string(hp.n_head_kv) + " does not divide " +
                keys.key("attention.head_count") + " = " + std::to_string(hp.n_head));
    if (!(hp.rms_eps > 0.0f)) keys.fail(keys.key("attention.layer_norm_rms_epsilon") + " must be positive");

    auto key_length = keys.find_u32("attention.key_length");
    if (!key_length && hp.n_embd % hp.n_head != 0)
      keys.fail(keys.key("embedding_length") + " = " + std::to_string(hp.n_embd) + " does not split into " +
                std::to_string(hp.n_head) + " heads and no " + keys.key("attention.key_length") + " is given");
    hp.head_dim = key_length.value_or(hp.n_embd / hp.n_head);
    hp.head_dim_v = keys.find_u32("attention.value_length").value_or(hp.head_dim);
    if (hp.head_dim == 0) keys.fail(keys.key("attention.key_length") + " is 0");
    if (hp.head_dim_v != hp.head_dim)
      keys.fail(keys.key("attention.value_length") + " = " + std::to_string(hp.head_dim_v) + " differs from key_length = " +
                std::to_string(hp.head_dim) + "; not supported");
    hp.n_rot = keys.find_u32("rope.dimension_count").value_or(hp.head_dim);
    if (hp.n_rot == 0 || hp.n_rot % 2 != 0 || hp.n_rot > hp.head_dim)
      keys.fail(keys.key("rope.dimension_count") + " = " + std::to_string(hp.n_rot) + " must be even and at most the head size " +
                std::to_string(hp.head_dim));

    hp.rope_freq_base = keys.find_f32("rope.freq_base").value_or(10000.0f);
    if (!(hp.rope_freq_base > 0.0f)) keys.fail(keys.key("rope.freq_base") + " must be positive");
    const std::string scaling = keys.find_string("rope.scaling.type").value_or("linear");
    if (scaling == "none") hp.rope_scaling = RopeScaling::None;
    else if (scaling == "linear") hp.rope_scaling = RopeScaling::Linear;
    else if (scaling == "yarn") hp.rope_scaling = RopeScaling::Yarn;
    else if (scaling == "longrope") hp.rope_scaling = RopeScaling::LongRope;
    else keys.fail(keys.key("rope.scaling.type") + " = \"" + scaling + "\" is not one of none, linear, yarn, longrope");
    float factor = keys.find_f32("rope.scaling.factor").value_or(keys.find_f32("rope.scale_linear").value_or(0.0f));
    if (factor < 0.0f) keys.fail(keys.key("rope.scaling.factor") + " must not be negative");
    hp.rope_freq_scale = (factor == 0.0f || hp.rope_scaling == RopeScaling::None) ? 1.0f : 1.0f / factor;
    hp.n_ctx_orig = keys.find_u32("rope.scaling.original_context_length").value_or(hp.n_ctx_train);
    hp.rope_attn_factor = keys.find_f32("rope.scaling.attn_factor").value_or(1.0f);
    if (hp.rope_scaling == RopeScaling::Yarn) hp.yarn_ext_factor = 1.0f;

    if (const gguf::Value* v = file.metadata().find(keys.key("pooling_type"))) {
      if (!v->is_integer()) keys.fail("metadata key '" + keys.key("pooling_type") + "' must be an integer");
      const int64_t p = v->as_int();
      if (p < -1 || p > 4) keys.fail(keys.key("pooling_type") + " = " + std::to_string(p) + " is not one of 0 (none), 1 (mean), 2 (cls), 3 (last), 4 (rank)");
      hp.pooling = p <= 0 ? PoolingType::None : static_cast<PoolingType>(p);
    }

    hp.n_vocab = vocab_size(file, keys);
    if (hp.n_vocab == 0) keys.fail("the vocabulary is empty");
  } catch (const gguf::MetadataError& e) {
    throw ModelError(file.path(), e.what());
  }
  return hp;
}

}  // namespace hearth::engine
