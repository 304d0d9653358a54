#include "engine/synth/synthetic_model.h"

#include <cmath>
#include <cstring>
#include <stdexcept>
#include <memory>
#include <thread>
#include <unordered_map>

#include "engine/quantize/type_plan.h"
#include "engine/synth/synthetic_vocab.h"
#include "gguf/writer.h"
#include "kernels/common/half.h"
#include "kernels/common/quant_blocks.h"

namespace hearth::synth {
namespace {

using gguf::TensorType;
using gguf::Value;

constexpr float kSigma = 0.02f;

struct Rng {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  float uniform() { return static_cast<float>(next() >> 40) * (1.0f / 16777216.0f); }
  // Sum of four uniforms: mean 0, unit variance after scaling; cheap and bounded.
  float gaussian() { return (uniform() + uniform() + uniform() + uniform() - 2.0f) * 1.7320508f; }
};

// Where a block keeps its f16 scales, and the scale that gives dequantized values of σ ≈ 0.02.
struct ScaleLayout {
  int d_offset;
  int dmin_offset;  // -1 when the block has no min
  float d_magnitude;
  float dmin_magnitude;
};

ScaleLayout scale_layout(TensorType t) {
  using namespace quant;
  switch (t) {
    case TensorType::Q4_0: return {0, -1, 0.004f, 0};
    case TensorType::Q4_1: return {0, 2, 0.006f, 0.045f};
    case TensorType::Q5_0: return {0, -1, 0.002f, 0};
    case TensorType::Q5_1: return {0, 2, 0.003f, 0.045f};
    case TensorType::Q8_0: return {0, -1, 0.0003f, 0};
    case TensorType::Q2_K: return {offsetof(BlockQ2_K, d), offsetof(BlockQ2_K, dmin), 0.002f, 0.002f};
    case TensorType::Q3_K: return {offsetof(BlockQ3_K, d), -1, 0.0005f, 0};
    case TensorType::Q4_K: return {offsetof(BlockQ4_K, d), offsetof(BlockQ4_K, dmin), 0.00015f, 0.00015f};
    case TensorType::Q5_K: return {offsetof(BlockQ5_K, d), offsetof(BlockQ5_K, dmin), 0.00008f, 0.00015f};
    case TensorType::Q6_K: return {offsetof(BlockQ6_K, d), -1, 0.000015f, 0};
    case TensorType::IQ4_NL: return {0, -1, 0.0003f, 0};
    case TensorType::IQ4_XS: return {0, -1, 0.000017f, 0};
    default: throw std::invalid_argument("gen-model cannot write tensors of type " + std::string(gguf::type_name(t)));
  }
}

void put_half(uint8_t* p, float v) {
  uint16_t h = quant::fp32_to_fp16(v);
  std::memcpy(p, &h, 2);
}

// Fills `out` (the bytes of a tensor of `type`) from a deterministic stream.
void fill_chunk(TensorType type, std::span<uint8_t> out, uint64_t first_element, uint64_t seed, float center, float sigma) {
  Rng rng{seed};
  if (type == TensorType::F32) {
    auto* f = reinterpret_cast<float*>(out.data());
    for (std::size_t i = 0; i < out.size() / 4; ++i) f[i] = center + sigma * rng.gaussian();
    return;
  }
  if (type == TensorType::F16 || type == TensorType::BF16) {
    for (std::size_t i = 0; i < out.size() / 2; ++i) {
      float v = center + sigma * rng.gaussian();
      uint16_t h = type == TensorType::F16 ? quant::fp32_to_fp16(v) : quant::fp32_to_bf16(v);
      std::memcpy(out.data() + 2 * i, &h, 2);
    }
    return;
  }
  (void)first_element;
  gguf::TypeTraits tr = gguf::traits(type);
  ScaleLayout layout = scale_layout(type);
  for (std::size_t i = 0; i + 8 <= out.size(); i += 8) {
    uint64_t r = rng.next();
    std::memcpy(out.data() + i, &r, 8);
  }
  for (std::size_t i = out.size() / 8 * 8; i < out.size(); ++i) out[i] = static_cast<uint8_t>(rng.next());
  for (std::size_t b = 0; b < out.size() / tr.type_size; ++b) {
    uint8_t* block = out.data() + b * tr.type_size;
    put_half(block + layout.d_offset, layout.d_magnitude * (0.5f + rng.uniform()));
    if (layout.dmin_offset >= 0) put_half(block + layout.dmin_offset, layout.dmin_magnitude * (0.5f + rng.uniform()));
  }
}

// Fills a whole tensor using several threads, each on a run of whole rows.
void fill_tensor(TensorType type, const TensorSpec& spec, std::span<uint8_t> out, uint64_t seed, int threads,
                 float center, float sigma) {
  uint64_t rows = 1;
  for (std::size_t d = 1; d < spec.ne.size(); ++d) rows *= spec.ne[d];
  uint64_t row_bytes = out.size() / rows;
  int n = static_cast<int>(std::min<uint64_t>(rows, static_cast<uint64_t>(threads)));
  std::vector<std::thread> pool;
  for (int t = 0; t < n; ++t) {
    uint64_t r0 = rows * t / n, r1 = rows * (t + 1) / n;
    pool.emplace_back([&, r0, r1, t] {
      fill_chunk(type, out.subspan(r0 * row_bytes, (r1 - r0) * row_bytes), r0 * spec.ne[0], seed * 1000003 + t, center,
                 sigma);
    });
  }
  for (auto& th : pool) th.join();
}

// Llama 3.1 rope frequency factors (spec §3.4).
std::vector<float> rope_freq_factors(const ModelPreset& p) {
  const RopeFreqFactors& f = p.rope_freqs;
  std::vector<float> out(p.head_dim / 2);
  const double pi = 3.14159265358979323846;
  double low_wavelen = f.original_context / f.low_freq_factor;
  double high_wavelen = f.original_context / f.high_freq_factor;
  for (uint32_t i = 0; i < out.size(); ++i) {
    double freq = std::pow(static_cast<double>(p.rope_base), -2.0 * i / p.head_dim);
    double wavelen = 2 * pi / freq;
    if (wavelen < high_wavelen) {
      out[i] = 1.0f;
    } else if (wavelen > low_wavelen) {
      out[i] = f.factor;
    } else {
      double s = (f.original_context / wavelen - f.low_freq_factor) / (f.high_freq_factor - f.low_freq_factor);
      out[i] = static_cast<float>(1.0 / ((1 - s) / f.factor + s));
    }
  }
  return out;
}

void write_hparams(gguf::GgufWriter& w, const ModelPreset& p, uint32_t file_type) {
  std::string a(p.architecture);
  w.set("general.architecture", Value::string(a));
  w.set("general.name", Value::string(std::string(p.display_name)));
  w.set(a + ".context_length", Value::u32(p.context_length));
  w.set(a + ".embedding_length", Value::u32(p.n_embd));
  w.set(a + ".block_count", Value::u32(p.n_layer));
  w.set(a + ".feed_forward_length", Value::u32(p.n_ff));
  w.set(a + ".attention.head_count", Value::u32(p.n_head));
  w.set(a + ".attention.head_count_kv", Value::u32(p.n_head_kv));
  w.set(a + ".attention.key_length", Value::u32(p.head_dim));
  w.set(a + ".attention.value_length", Value::u32(p.head_dim));
  w.set(a + ".rope.dimension_count", Value::u32(p.head_dim));
  w.set(a + ".rope.freq_base", Value::f32(p.rope_base));
  w.set(a + ".attention.layer_norm_rms_epsilon", Value::f32(p.rms_eps));
  w.set(a + ".vocab_size", Value::u32(p.n_vocab));
  w.set("general.file_type", Value::u32(file_type));
  w.set("general.quantization_version", Value::u32(2));
}

}  // namespace

std::vector<TensorSpec> tensor_specs(const ModelPreset& p) {
  std::vector<TensorSpec> out;
  uint64_t e = p.n_embd, q = uint64_t(p.head_dim) * p.n_head, kv = uint64_t(p.head_dim) * p.n_head_kv;
  out.push_back({"token_embd.weight", {e, p.n_vocab}});
  if (p.rope_freqs.factor > 0) out.push_back({"rope_freqs.weight", {p.head_dim / 2}});
  for (uint32_t l = 0; l < p.n_layer; ++l) {
    std::string b = "blk." + std::to_string(l) + ".";
    int li = static_cast<int>(l);
    out.push_back({b + "attn_norm.weight", {e}, li});
    out.push_back({b + "attn_q.weight", {e, q}, li});
    out.push_back({b + "attn_k.weight", {e, kv}, li});
    out.push_back({b + "attn_v.weight", {e, kv}, li});
    if (p.qkv_bias) {
      out.push_back({b + "attn_q.bias", {q}, li});
      out.push_back({b + "attn_k.bias", {kv}, li});
      out.push_back({b + "attn_v.bias", {kv}, li});
    }
    if (p.qk_norm) {
      out.push_back({b + "attn_q_norm.weight", {p.head_dim}, li});
      out.push_back({b + "attn_k_norm.weight", {p.head_dim}, li});
    }
    out.push_back({b + "attn_output.weight", {q, e}, li});
    out.push_back({b + "ffn_norm.weight", {e}, li});
    out.push_back({b + "ffn_gate.weight", {e, p.n_ff}, li});
    out.push_back({b + "ffn_up.weight", {e, p.n_ff}, li});
    out.push_back({b + "ffn_down.weight", {p.n_ff, e}, li});
  }
  out.push_back({"output_norm.weight", {e}});
  if (!p.tied_embeddings) out.push_back({"output.weight", {e, p.n_vocab}});
  return out;
}

TypeChooser file_type_chooser(const ModelPreset& preset, quantize::FileType ftype) {
  std::vector<TensorSpec> specs = tensor_specs(preset);
  quantize::ModelInfo info;
  info.arch = std::string(preset.architecture);
  info.n_layer = preset.n_layer;
  info.n_head = preset.n_head;
  info.n_head_kv = preset.n_head_kv;
  std::vector<quantize::TensorDesc> descs;
  for (const auto& s : specs) {
    quantize::TensorDesc d;
    d.name = s.name;
    d.n_dims = static_cast<uint32_t>(s.ne.size());
    for (std::size_t i = 0; i < s.ne.size(); ++i) d.ne[i] = s.ne[i];
    descs.push_back(std::move(d));
  }
  std::vector<TensorType> types = quantize::plan_tensor_types(info, descs, ftype).types;
  auto by_name = std::make_shared<std::unordered_map<std::string, TensorType>>();
  for (std::size_t i = 0; i < specs.size(); ++i) (*by_name)[specs[i].name] = types[i];
  return [by_name](const TensorSpec& t) { return by_name->at(t.name); };
}

uint64_t weight_bytes(const ModelPreset& preset, const TypeChooser& choose_type) {
  uint64_t total = 0;
  for (const TensorSpec& spec : tensor_specs(preset)) {
    TensorType type = spec.ne.size() == 1 ? TensorType::F32 : choose_type(spec);
    uint64_t rows = 1;
    for (std::size_t d = 1; d < spec.ne.size(); ++d) rows *= spec.ne[d];
    total += gguf::row_bytes(type, spec.ne[0]) * rows;
  }
  return total;
}

uint64_t write_synthetic_model(const ModelPreset& preset, const TypeChooser& choose_type,
                               const std::filesystem::path& path, const SyntheticOptions& options) {
  int threads = options.threads > 0 ? options.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  gguf::GgufWriter w;
  write_hparams(w, preset, options.file_type);
  write_vocab_metadata(w, make_synthetic_vocab(preset.n_vocab, preset.chat_family, options.seed), preset.tokenizer_pre);

  uint64_t index = 0;
  for (const TensorSpec& spec : tensor_specs(preset)) {
    ++index;
    bool one_dim = spec.ne.size() == 1;
    TensorType type = one_dim ? TensorType::F32 : choose_type(spec);
    if (spec.name == "rope_freqs.weight") {
      std::vector<float> f = rope_freq_factors(preset);
      w.add_tensor(spec.name, type, spec.ne,
                   std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(f.data()), f.size() * sizeof(float)));
      continue;
    }
    bool is_norm = spec.name.find("norm") != std::string::npos;
    float center = is_norm ? 1.0f : 0.0f;
    float sigma = is_norm ? 0.05f : kSigma;
    uint64_t seed = options.seed * 7919 + index;
    w.add_tensor_lazy(spec.name, type, spec.ne, [type, spec, seed, threads, center, sigma](std::span<uint8_t> out) {
      fill_tensor(type, spec, out, seed, threads, center, sigma);
    });
  }
  w.write(path);
  return weight_bytes(preset, choose_type);
}

}  // namespace hearth::synth
