#include "engine/quantize/type_plan.h"

#include <stdexcept>

namespace hearth::quantize {
namespace {

using gguf::TensorType;

enum class Role { Output, TokenEmbd, AttnQkv, AttnKvB, AttnV, AttnK, AttnQ, AttnOutput, FfnUp, FfnGate, FfnDown, Other };

bool contains(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

Role role_of(const std::string& name) {
  if (name == "output.weight") return Role::Output;
  if (name == "token_embd.weight" || name == "per_layer_token_embd.weight") return Role::TokenEmbd;
  if (contains(name, "attn_qkv.weight")) return Role::AttnQkv;
  if (contains(name, "attn_kv_b.weight")) return Role::AttnKvB;
  if (contains(name, "attn_v.weight")) return Role::AttnV;
  if (contains(name, "attn_k.weight")) return Role::AttnK;
  if (contains(name, "attn_q.weight")) return Role::AttnQ;
  if (contains(name, "attn_output.weight")) return Role::AttnOutput;
  if (contains(name, "ffn_up")) return Role::FfnUp;
  if (contains(name, "ffn_gate")) return Role::FfnGate;
  if (contains(name, "ffn_down")) return Role::FfnDown;
  return Role::Other;
}

bool is_attn_v_like(Role r) { return r == Role::AttnV || r == Role::AttnQkv || r == Role::AttnKvB; }

// llama.cpp's tensor_allows_quantization for the tensors a dense text model carries.
bool may_quantize(const TensorDesc& t) {
  if (t.n_dims < 2) return false;
  const std::string& n = t.name;
  if (n.size() < 6 || n.compare(n.size() - 6, 6, "weight") != 0) return false;
  for (const char* never : {"_norm.weight", "ffn_gate_inp.weight", "ffn_gate_tid2eid.weight", "altup", "laurel",
                            "per_layer_model_proj", "ssm_conv1d", "shortconv.conv.weight", "attn_rel_b.weight",
                            ".position_embd", ".rel_pos", ".patch_embd", "time_mix_"}) {
    if (contains(n, never)) return false;
  }
  return n != "position_embd.weight" && n != "token_types.weight";
}

struct State {
  const ModelInfo& model;
  FileType ftype;
  bool tied_embeddings;
  int n_attention_wv = 0, i_attention_wv = 0;
  int n_ffn_down = 0, i_ffn_down = 0;
  uint32_t gqa() const { return model.n_head_kv ? model.n_head / model.n_head_kv : 1; }
  bool is_falcon() const { return model.arch == "falcon"; }
  bool is_70b() const { return model.arch == "llama" && model.n_layer == 80; }
};

bool is_ftype(FileType f, std::initializer_list<FileType> set) {
  for (FileType s : set)
    if (f == s) return true;
  return false;
}

TensorType mix_rules(State& s, TensorType type, const TensorDesc& t, Role role) {
  using F = FileType;
  const F f = s.ftype;
  if (role == Role::Output || (s.tied_embeddings && role == Role::TokenEmbd)) {
    const uint64_t block = gguf::traits(type).block_size;
    if (s.is_falcon() || t.ne[0] % block != 0) return TensorType::Q8_0;
    return type != TensorType::Q8_0 ? TensorType::Q6_K : type;
  }
  if (role == Role::TokenEmbd) return type;
  if (is_attn_v_like(role)) {
    if (f == F::Q2_K) type = s.gqa() >= 4 ? TensorType::Q4_K : TensorType::Q3_K;
    else if (f == F::Q3_K_M) type = s.i_attention_wv < 2 ? TensorType::Q5_K : TensorType::Q4_K;
    else if (f == F::Q3_K_L) type = TensorType::Q5_K;
    else if (is_ftype(f, {F::IQ4_NL, F::IQ4_XS}) && s.gqa() >= 4) type = TensorType::Q5_K;
    else if (is_ftype(f, {F::Q4_K_M, F::Q5_K_M}) && use_more_bits(s.i_attention_wv, s.n_attention_wv)) type = TensorType::Q6_K;
    else if (f == F::Q4_K_S && s.i_attention_wv < 4) type = TensorType::Q5_K;
    if (s.is_70b() && (type == TensorType::Q3_K || type == TensorType::Q4_K)) type = TensorType::Q5_K;
    if (s.model.n_expert == 8) type = TensorType::Q8_0;
    ++s.i_attention_wv;
    return type;
  }
  if (role == Role::AttnK) return s.model.n_expert == 8 ? TensorType::Q8_0 : type;
  if (role == Role::FfnDown) {
    const int i = s.i_ffn_down++, n = s.n_ffn_down;
    if (f == F::Q2_K) return TensorType::Q3_K;
    if (f == F::Q3_K_M) {
      return i < n / 16 ? TensorType::Q5_K : (!s.is_falcon() || use_more_bits(i, n)) ? TensorType::Q4_K : TensorType::Q3_K;
    }
    if (f == F::Q3_K_L) return s.is_falcon() ? TensorType::Q4_K : TensorType::Q5_K;
    if (f == F::Q4_K_M) {
      if (s.is_falcon()) return i < n / 16 ? TensorType::Q6_K : use_more_bits(i, n) ? TensorType::Q5_K : TensorType::Q4_K;
      return use_more_bits(i, n) ? TensorType::Q6_K : type;
    }
    if (i < n / 8 && is_ftype(f, {F::IQ4_NL, F::IQ4_XS})) return TensorType::Q5_K;
    if (f == F::Q5_K_M && use_more_bits(i, n)) return TensorType::Q6_K;
    if (f == F::Q4_K_S && !s.is_falcon() && i < n / 8) return TensorType::Q5_K;
    return type;
  }
  if (role == Role::AttnOutput) {
    if (s.is_falcon()) return f == F::Q3_K_L ? TensorType::Q4_K : type;
    if (s.model.n_expert == 8) {
      return is_ftype(f, {F::Q2_K, F::Q3_K_S, F::Q3_K_M, F::IQ4_NL, F::Q4_K_S, F::Q4_K_M, F::IQ4_XS}) ? TensorType::Q5_K : type;
    }
    if (f == F::Q2_K) return TensorType::Q3_K;
    if (f == F::Q3_K_M) return TensorType::Q4_K;
    if (f == F::Q3_K_L) return TensorType::Q5_K;
    return type;
  }
  return type;
}

// A type whose block does not divide the row length falls back (llama.cpp's tensor_type_fallback).
TensorType shape_fallback(const TensorDesc& t, TensorType type, std::vector<std::string>& notes) {
  if (t.ne[0] % gguf::traits(type).block_size == 0) return type;
  TensorType fb;
  switch (type) {
    case TensorType::IQ4_XS: fb = TensorType::IQ4_NL; break;
    case TensorType::Q2_K:
    case TensorType::Q3_K: fb = TensorType::Q4_0; break;
    case TensorType::Q4_K: fb = TensorType::Q5_0; break;
    case TensorType::Q5_K: fb = TensorType::Q5_1; break;
    case TensorType::Q6_K: fb = TensorType::Q8_0; break;
    default: fb = TensorType::F16; break;  // llama.cpp gives up here; F16 always fits
  }
  if (t.ne[0] % gguf::traits(fb).block_size != 0) fb = TensorType::F16;
  notes.push_back(t.name + ": row length " + std::to_string(t.ne[0]) + " does not fit " + std::string(gguf::type_name(type)) +
                  ", using " + std::string(gguf::type_name(fb)));
  return fb;
}

}  // namespace

bool use_more_bits(int layer, int n_layers) {
  return layer < n_layers / 8 || layer >= 7 * n_layers / 8 || (layer - n_layers / 8) % 3 == 2;
}

ModelInfo model_info(const gguf::GgufFile& file) {
  ModelInfo m;
  m.arch = file.architecture();
  const gguf::Metadata& md = file.metadata();
  auto u32_or = [&](const std::string& key, uint32_t fallback) -> uint32_t {
    const auto v = md.find_int(key);
    return v && *v >= 0 ? static_cast<uint32_t>(*v) : fallback;
  };
  if (!m.arch.empty()) {
    m.n_layer = u32_or(m.arch + ".block_count", 0);
    m.n_head = u32_or(m.arch + ".attention.head_count", 0);
    m.n_head_kv = u32_or(m.arch + ".attention.head_count_kv", m.n_head);
    m.n_expert = u32_or(m.arch + ".expert_count", 0);
  }
  return m;
}

std::vector<TensorDesc> describe_tensors(const gguf::GgufFile& file) {
  std::vector<TensorDesc> out;
  for (const gguf::TensorInfo& t : file.tensors()) out.push_back({t.name, t.n_dims, t.ne, t.type});
  return out;
}

TypePlan plan_tensor_types(const ModelInfo& model, const std::vector<TensorDesc>& tensors, FileType ftype) {
  const TensorType default_type = file_type_info(ftype).default_type;
  State s{model, ftype, true};
  for (const TensorDesc& t : tensors) {
    const Role r = role_of(t.name);
    if (is_attn_v_like(r)) ++s.n_attention_wv;
    if (r == Role::Output) s.tied_embeddings = false;
  }
  s.n_ffn_down = static_cast<int>(model.n_layer);
  TypePlan plan;
  for (const TensorDesc& t : tensors) {
    if (!may_quantize(t)) {
      plan.types.push_back(t.type);
      continue;
    }
    TensorType type = default_type;
    if (gguf::traits(default_type).quantized) {
      type = mix_rules(s, type, t, role_of(t.name));
      type = shape_fallback(t, type, plan.notes);
    }
    plan.types.push_back(type);
  }
  return plan;
}

}  // namespace hearth::quantize
