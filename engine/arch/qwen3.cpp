// The `qwen3` architecture (spec §3.5): no projection biases; the head size comes from
// key_length (it may differ from n_embd / n_head); every Q and K head is RMS-normalised right
// after the projection and before NEOX RoPE.
#include "engine/arch/architecture.h"
#include "engine/arch/weights.h"

namespace hearth::engine {
namespace {

struct Qwen3Layer {
  Tensor attn_norm;    // [n_embd]
  Tensor wq;           // [n_embd, n_head·head_dim]
  Tensor wk;           // [n_embd, n_head_kv·head_dim]
  Tensor wv;           // [n_embd, n_head_kv·head_dim]
  Tensor attn_q_norm;  // [head_dim]
  Tensor attn_k_norm;  // [head_dim]
  Tensor wo;           // [n_head·head_dim, n_embd]
  Tensor ffn_norm;     // [n_embd]
  Tensor ffn_gate;     // [n_embd, n_ff]
  Tensor ffn_up;       // [n_embd, n_ff]
  Tensor ffn_down;     // [n_ff, n_embd]
};

struct Qwen3Weights {
  Tensor token_embd;   // [n_embd, n_vocab]
  Tensor output_norm;  // [n_embd]
  Tensor output;       // [n_embd, n_vocab]; token_embd when absent
  std::vector<Qwen3Layer> layers;
};

class Qwen3 final : public Architecture {
 public:
  Qwen3(const gguf::GgufFile& file, const ModelHParams& hp, Backend& backend) : hp_(hp) {
    WeightBinder bind(file, backend, hp.n_layer);
    const int64_t n_embd = hp.n_embd, n_vocab = hp.n_vocab, n_ff = hp.n_ff, head_dim = hp.head_dim;
    const int64_t n_q = hp.n_embd_q(), n_k = hp.n_embd_k(), n_v = hp.n_embd_v();
    w_.token_embd = bind.require("token_embd.weight", {n_embd, n_vocab});
    w_.output_norm = bind.require_vector("output_norm.weight", n_embd);
    w_.output = bind.optional("output.weight", {n_embd, n_vocab});
    if (w_.output.empty()) w_.output = w_.token_embd;
    for (uint32_t il = 0; il < hp.n_layer; ++il) {
      auto name = [il](std::string_view suffix) { return WeightBinder::block(il, suffix); };
      Qwen3Layer& L = w_.layers.emplace_back();
      L.attn_norm = bind.require_vector(name("attn_norm.weight"), n_embd);
      L.wq = bind.require(name("attn_q.weight"), {n_embd, n_q});
      L.wk = bind.require(name("attn_k.weight"), {n_embd, n_k});
      L.wv = bind.require(name("attn_v.weight"), {n_embd, n_v});
      L.attn_q_norm = bind.require_vector(name("attn_q_norm.weight"), head_dim);
      L.attn_k_norm = bind.require_vector(name("attn_k_norm.weight"), head_dim);
      L.wo = bind.require(name("attn_output.weight"), {n_q, n_embd});
      L.ffn_norm = bind.require_vector(name("ffn_norm.weight"), n_embd);
      L.ffn_gate = bind.require(name("ffn_gate.weight"), {n_embd, n_ff});
      L.ffn_up = bind.require(name("ffn_up.weight"), {n_embd, n_ff});
      L.ffn_down = bind.require(name("ffn_down.weight"), {n_ff, n_embd});
    }
    rope_ = make_rope_config(hp, RopeMode::Neox, Tensor{});
    attn_ = make_attention_config(hp);
  }

  const RopeConfig& key_rope() const override { return rope_; }

  Tensor forward(Stream& ops, const ForwardBatch& batch, const KvCache& kv, ForwardOutput output) const override {
    const float eps = hp_.rms_eps;
    const int64_t T = batch.size();
    const int64_t head_dim = hp_.head_dim;
    Tensor x = ops.embed(w_.token_embd, batch);  // residual stream, [n_embd, T]
    for (uint32_t il = 0; il < hp_.n_layer; ++il) {
      const Qwen3Layer& L = w_.layers[il];
      Stream::ScratchScope layer_scratch(ops);

      // Self-attention: per-head RMSNorm of Q and K (as [head_dim, heads·T]) before RoPE.
      Tensor n = ops.rms_norm(x, L.attn_norm, eps);
      Tensor q = ops.matmul(L.wq, n);
      Tensor k = ops.matmul(L.wk, n);
      Tensor v = ops.matmul(L.wv, n);
      q = ops.rms_norm(q.reshaped(head_dim, attn_.n_head * T), L.attn_q_norm, eps).reshaped(hp_.n_embd_q(), T);
      k = ops.rms_norm(k.reshaped(head_dim, attn_.n_head_kv * T), L.attn_k_norm, eps).reshaped(hp_.n_embd_k(), T);
      ops.rope(q, attn_.n_head, rope_, batch);
      ops.rope(k, attn_.n_head_kv, rope_, batch);
      ops.store_kv(kv.layer(static_cast<int>(il)), k, v, batch);
      Tensor attn = ops.matmul(L.wo, ops.attention(q, kv.layer(static_cast<int>(il)), attn_, batch));

      if (il + 1 == hp_.n_layer) {
        if (batch.output_rows.empty()) return {};
        x = ops.keep_rows(x, batch.output_rows);
        attn = ops.keep_rows(attn, batch.output_rows);
      }
      ops.add_to(x, attn);

      // SwiGLU feed-forward.
      n = ops.rms_norm(x, L.ffn_norm, eps);
      Tensor h = ops.swiglu(ops.matmul(L.ffn_gate, n), ops.matmul(L.ffn_up, n));
      ops.add_to(x, ops.matmul(L.ffn_down, h));
    }
    Tensor hidden = ops.rms_norm(x, w_.output_norm, eps);
    if (output == ForwardOutput::Hidden) return hidden;
    return ops.matmul(w_.output, hidden);
  }

 private:
  ModelHParams hp_;
  Qwen3Weights w_;
  RopeConfig rope_;
  AttentionConfig attn_;
};

}  // namespace

std::unique_ptr<Architecture> make_qwen3(const gguf::GgufFile& file, const ModelHParams& hp, Backend& backend) {
  return std::make_unique<Qwen3>(file, hp, backend);
}

}  // namespace hearth::engine
