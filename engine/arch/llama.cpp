// The `llama` architecture (spec §3.4): Llama 2/3/3.1/3.2, Mistral 7B, CodeLlama, TinyLlama,
// SmolLM. Pre-norm decoder with RMSNorm, grouped-query attention with NORMAL (adjacent-pair)
// RoPE — the GGUF converter permuted Q/K rows for it — optional Llama 3.1 frequency factors,
// and a SwiGLU feed-forward. Tied embeddings when output.weight is absent.
#include "engine/arch/architecture.h"
#include "engine/arch/weights.h"

namespace hearth::engine {
namespace {

struct LlamaLayer {
  Tensor attn_norm;  // [n_embd]
  Tensor wq;         // [n_embd, n_embd_q]           (absent when the file has a fused wqkv)
  Tensor wk;         // [n_embd, n_embd_k]
  Tensor wv;         // [n_embd, n_embd_v]
  Tensor wqkv;       // [n_embd, n_embd_q + n_embd_k + n_embd_v]   optional, replaces wq/wk/wv
  Tensor bq, bk, bv, bqkv, bo;  // optional biases of the projections
  Tensor wo;         // [n_embd_q, n_embd]
  Tensor ffn_norm;   // [n_embd]
  Tensor ffn_gate;   // [n_embd, n_ff]
  Tensor ffn_up;     // [n_embd, n_ff]
  Tensor ffn_down;   // [n_ff, n_embd]
};

struct LlamaWeights {
  Tensor token_embd;   // [n_embd, n_vocab]
  Tensor output_norm;  // [n_embd]
  Tensor output;       // [n_embd, n_vocab]; token_embd when the file has no output.weight
  Tensor rope_freqs;   // [n_rot/2] optional (Llama 3.1/3.2 rope scaling factors)
  std::vector<LlamaLayer> layers;
};

class Llama final : public Architecture {
 public:
  Llama(const gguf::GgufFile& file, const ModelHParams& hp, Backend& backend) : hp_(hp) {
    WeightBinder bind(file, backend, hp.n_layer);
    const int64_t n_embd = hp.n_embd, n_vocab = hp.n_vocab, n_ff = hp.n_ff;
    const int64_t n_q = hp.n_embd_q(), n_k = hp.n_embd_k(), n_v = hp.n_embd_v();
    w_.token_embd = bind.require("token_embd.weight", {n_embd, n_vocab});
    w_.output_norm = bind.require_vector("output_norm.weight", n_embd);
    w_.output = bind.optional("output.weight", {n_embd, n_vocab});
    if (w_.output.empty()) w_.output = w_.token_embd;
    w_.rope_freqs = bind.optional_vector("rope_freqs.weight", hp.n_rot / 2);
    for (uint32_t il = 0; il < hp.n_layer; ++il) {
      auto name = [il](std::string_view suffix) { return WeightBinder::block(il, suffix); };
      LlamaLayer& L = w_.layers.emplace_back();
      L.attn_norm = bind.require_vector(name("attn_norm.weight"), n_embd);
      if (bind.has(name("attn_qkv.weight"))) {
        L.wqkv = bind.require(name("attn_qkv.weight"), {n_embd, n_q + n_k + n_v});
        L.bqkv = bind.optional_vector(name("attn_qkv.bias"), n_q + n_k + n_v);
      } else {
        L.wq = bind.require(name("attn_q.weight"), {n_embd, n_q});
        L.wk = bind.require(name("attn_k.weight"), {n_embd, n_k});
        L.wv = bind.require(name("attn_v.weight"), {n_embd, n_v});
        L.bq = bind.optional_vector(name("attn_q.bias"), n_q);
        L.bk = bind.optional_vector(name("attn_k.bias"), n_k);
        L.bv = bind.optional_vector(name("attn_v.bias"), n_v);
      }
      L.wo = bind.require(name("attn_output.weight"), {n_q, n_embd});
      L.bo = bind.optional_vector(name("attn_output.bias"), n_embd);
      L.ffn_norm = bind.require_vector(name("ffn_norm.weight"), n_embd);
      L.ffn_gate = bind.require(name("ffn_gate.weight"), {n_embd, n_ff});
      L.ffn_up = bind.require(name("ffn_up.weight"), {n_embd, n_ff});
      L.ffn_down = bind.require(name("ffn_down.weight"), {n_ff, n_embd});
    }
    rope_ = make_rope_config(hp, RopeMode::Normal, w_.rope_freqs);
    attn_ = make_attention_config(hp);
  }

  const RopeConfig& key_rope() const override { return rope_; }

  Tensor forward(Stream& ops, const ForwardBatch& batch, const KvCache& kv, ForwardOutput output) const override {
    const float eps = hp_.rms_eps;
    Tensor x = ops.embed(w_.token_embd, batch);  // residual stream, [n_embd, T]
    for (uint32_t il = 0; il < hp_.n_layer; ++il) {
      const LlamaLayer& L = w_.layers[il];
      Stream::ScratchScope layer_scratch(ops);

      // Self-attention: RMSNorm → Q, K, V → RoPE(Q, K) → cache K, V → causal attention → Wo.
      Tensor n = ops.rms_norm(x, L.attn_norm, eps);
      Tensor q, k, v;
      if (L.wqkv) {
        Tensor qkv = ops.matmul(L.wqkv, n, L.bqkv);
        q = qkv.col_range(0, hp_.n_embd_q());
        k = qkv.col_range(hp_.n_embd_q(), hp_.n_embd_k());
        v = qkv.col_range(hp_.n_embd_q() + hp_.n_embd_k(), hp_.n_embd_v());
      } else {
        q = ops.matmul(L.wq, n, L.bq);
        k = ops.matmul(L.wk, n, L.bk);
        v = ops.matmul(L.wv, n, L.bv);
      }
      ops.rope(q, attn_.n_head, rope_, batch);
      ops.rope(k, attn_.n_head_kv, rope_, batch);
      ops.store_kv(kv.layer(static_cast<int>(il)), k, v, batch);
      Tensor attn = ops.matmul(L.wo, ops.attention(q, kv.layer(static_cast<int>(il)), attn_, batch), L.bo);

      if (il + 1 == hp_.n_layer) {
        // Past the last cache write only the rows whose logits are wanted matter.
        if (batch.output_rows.empty()) return {};
        x = ops.keep_rows(x, batch.output_rows);
        attn = ops.keep_rows(attn, batch.output_rows);
      }
      ops.add_to(x, attn);

      // Feed-forward: RMSNorm → Wdown · (silu(Wgate·n) ⊙ Wup·n).
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
  LlamaWeights w_;
  RopeConfig rope_;
  AttentionConfig attn_;
};

}  // namespace

std::unique_ptr<Architecture> make_llama(const gguf::GgufFile& file, const ModelHParams& hp, Backend& backend) {
  if (hp.n_rot != hp.head_dim)
    throw ModelError(file.path(), "llama.rope.dimension_count = " + std::to_string(hp.n_rot) + " must equal the head size " +
                                      std::to_string(hp.head_dim));
  return std::make_unique<Llama>(file, hp, backend);
}

}  // namespace hearth::engine
