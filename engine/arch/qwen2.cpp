// The `qwen2` architecture (spec §3.5): the llama layout with biases on the Q, K and V
// projections, NEOX RoPE (the file keeps Hugging Face's rotate-half order), usually tied
// embeddings, and an optional bias on the output head.
#include "engine/arch/architecture.h"
#include "engine/arch/weights.h"

namespace hearth::engine {
namespace {

struct Qwen2Layer {
  Tensor attn_norm;  // [n_embd]
  Tensor wq;         // [n_embd, n_embd_q]
  Tensor wk;         // [n_embd, n_embd_k]
  Tensor wv;         // [n_embd, n_embd_v]
  Tensor bq;         // [n_embd_q]
  Tensor bk;         // [n_embd_k]
  Tensor bv;         // [n_embd_v]
  Tensor wo;         // [n_embd_q, n_embd]
  Tensor ffn_norm;   // [n_embd]
  Tensor ffn_gate;   // [n_embd, n_ff]
  Tensor ffn_up;     // [n_embd, n_ff]
  Tensor ffn_down;   // [n_ff, n_embd]
};

struct Qwen2Weights {
  Tensor token_embd;   // [n_embd, n_vocab]
  Tensor output_norm;  // [n_embd]
  Tensor output;       // [n_embd, n_vocab]; token_embd when absent (0.5B–3B tie them)
  Tensor output_bias;  // [n_vocab] optional
  std::vector<Qwen2Layer> layers;
};

class Qwen2 final : public Architecture {
 public:
  Qwen2(const gguf::GgufFile& file, const ModelHParams& hp, Backend& backend) : hp_(hp) {
    WeightBinder bind(file, backend, hp.n_layer);
    const int64_t n_embd = hp.n_embd, n_vocab = hp.n_vocab, n_ff = hp.n_ff;
    const int64_t n_q = hp.n_embd_q(), n_k = hp.n_embd_k(), n_v = hp.n_embd_v();
    w_.token_embd = bind.require("token_embd.weight", {n_embd, n_vocab});
    w_.output_norm = bind.require_vector("output_norm.weight", n_embd);
    w_.output = bind.optional("output.weight", {n_embd, n_vocab});
    if (w_.output.empty()) w_.output = w_.token_embd;
    w_.output_bias = bind.optional_vector("output.bias", n_vocab);
    for (uint32_t il = 0; il < hp.n_layer; ++il) {
      auto name = [il](std::string_view suffix) { return WeightBinder::block(il, suffix); };
      Qwen2Layer& L = w_.layers.emplace_back();
      L.attn_norm = bind.require_vector(name("attn_norm.weight"), n_embd);
      L.wq = bind.require(name("attn_q.weight"), {n_embd, n_q});
      L.wk = bind.require(name("attn_k.weight"), {n_embd, n_k});
      L.wv = bind.require(name("attn_v.weight"), {n_embd, n_v});
      L.bq = bind.require_vector(name("attn_q.bias"), n_q);
      L.bk = bind.require_vector(name("attn_k.bias"), n_k);
      L.bv = bind.require_vector(name("attn_v.bias"), n_v);
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
    Tensor x = ops.embed(w_.token_embd, batch);  // residual stream, [n_embd, T]
    for (uint32_t il = 0; il < hp_.n_layer; ++il) {
      const Qwen2Layer& L = w_.layers[il];
      Stream::ScratchScope layer_scratch(ops);

      // Self-attention with biased projections and NEOX RoPE.
      Tensor n = ops.rms_norm(x, L.attn_norm, eps);
      Tensor q = ops.matmul(L.wq, n, L.bq);
      Tensor k = ops.matmul(L.wk, n, L.bk);
      Tensor v = ops.matmul(L.wv, n, L.bv);
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
    return ops.matmul(w_.output, hidden, w_.output_bias);
  }

 private:
  ModelHParams hp_;
  Qwen2Weights w_;
  RopeConfig rope_;
  AttentionConfig attn_;
};

}  // namespace

std::unique_ptr<Architecture> make_qwen2(const gguf::GgufFile& file, const ModelHParams& hp, Backend& backend) {
  return std::make_unique<Qwen2>(file, hp, backend);
}

}  // namespace hearth::engine
