// The table from `general.architecture` to the file that implements it, and the helpers the
// architecture files share.
#include <cmath>
#include <string>

#include "engine/arch/architecture.h"
#include "engine/errors.h"

namespace hearth::engine {
namespace {

struct Entry {
  std::string_view name;
  std::unique_ptr<Architecture> (*make)(const gguf::GgufFile&, const ModelHParams&, Backend&);
};

constexpr Entry kArchitectures[] = {
    {"llama", make_llama},
    {"qwen2", make_qwen2},
    {"qwen3", make_qwen3},
};

}  // namespace

std::unique_ptr<Architecture> load_architecture(const gguf::GgufFile& file, const ModelHParams& hp, Backend& backend) {
  // LongRope needs per-dimension factors chosen by context length (phi3); none of the
  // architectures here implements it, and ignoring it would silently change every position.
  if (hp.rope_scaling == RopeScaling::LongRope)
    throw ModelError(file.path(), hp.arch + ".rope.scaling.type \"longrope\" is not supported for architecture '" + hp.arch + "'");
  for (const Entry& e : kArchitectures)
    if (e.name == hp.arch) return e.make(file, hp, backend);
  std::string known;
  for (const Entry& e : kArchitectures) known += (known.empty() ? "" : ", ") + std::string(e.name);
  throw ModelError(file.path(), "unsupported architecture '" + hp.arch + "' (supported: " + known + ")");
}

bool is_supported_architecture(std::string_view name) {
  for (const Entry& e : kArchitectures)
    if (e.name == name) return true;
  return false;
}

std::vector<std::string_view> supported_architectures() {
  std::vector<std::string_view> out;
  for (const Entry& e : kArchitectures) out.push_back(e.name);
  return out;
}

RopeConfig make_rope_config(const ModelHParams& hp, RopeMode mode, const Tensor& freq_factors) {
  RopeConfig r;
  r.mode = mode;
  r.n_rot = static_cast<int>(hp.n_rot);
  r.head_dim = static_cast<int>(hp.head_dim);
  r.freq_base = hp.rope_freq_base;
  r.freq_scale = hp.rope_freq_scale;
  r.freq_factors = freq_factors;
  r.ext_factor = hp.yarn_ext_factor;
  r.attn_factor = hp.rope_attn_factor;
  r.beta_fast = hp.yarn_beta_fast;
  r.beta_slow = hp.yarn_beta_slow;
  r.n_ctx_orig = static_cast<int>(hp.n_ctx_orig);
  return r;
}

AttentionConfig make_attention_config(const ModelHParams& hp) {
  AttentionConfig a;
  a.n_head = static_cast<int>(hp.n_head);
  a.n_head_kv = static_cast<int>(hp.n_head_kv);
  a.head_dim = static_cast<int>(hp.head_dim);
  a.scale = 1.0f / std::sqrt(static_cast<float>(hp.head_dim));
  return a;
}

}  // namespace hearth::engine
